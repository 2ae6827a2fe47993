/**
 * Contracts to invoices through the API, the real `billing` queue and its worker on the whole
 * local stack: one contract of each type, its time logged on tickets, a billing run, and the
 * draft invoices' lines compared with tables worked out by hand below (proration of a stub in
 * a leap year, included hours prorated to the minute, overage, caps, quarterly periods).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, type TestStack } from '../support/stack';

let stack: TestStack;
let token: string;
beforeAll(async () => {
  stack = await startStack();
  const admin = stack.info.users.find((u) => u.groups[0] === 'Admin')!;
  token = (await login(stack.info, admin.email, admin.password, 'staff')).idToken;
});
afterAll(async () => stack?.stop());

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${stack.info.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

let n = 0;
/** A company with a contract (activated), `assets` assets and `contacts` contacts, and the given time on one ticket. */
const setUp = async (contract: Record<string, unknown>, extra: { assets?: number; contacts?: number; time?: [string, number][] } = {}) => {
  const co = (await api('POST', '/v1/companies', { name: `Billing e2e ${Date.now()} ${++n}` })).body.id as string;
  for (let i = 0; i < (extra.assets ?? 0); i++) expect((await api('POST', '/v1/assets', { companyId: co, name: `PC-${i}`, kind: 'computer' })).status).toBe(201);
  for (let i = 0; i < (extra.contacts ?? 0); i++) expect((await api('POST', '/v1/contacts', { companyId: co, firstName: 'User', lastName: `${n}-${i}`, email: `user.${n}.${i}.${Date.now()}@billing.example` })).status).toBe(201);
  const created = await api('POST', `/v1/companies/${co}/contracts`, { name: 'Contract', ...contract });
  expect(created.status).toBe(201);
  expect((await api('POST', `/v1/contracts/${created.body.id}/activate`)).status).toBe(200);
  if (extra.time?.length) {
    const ticket = (await api('POST', '/v1/tickets', { companyId: co, subject: 'Work' })).body.id as string;
    for (const [date, minutes] of extra.time) expect((await api('POST', `/v1/tickets/${ticket}/time-entries`, { date, minutes, contractId: created.body.id })).status).toBe(201);
  }
  return co;
};

/** Runs billing for the company through `through` and waits for the worker to finish it. */
const bill = async (companyId: string, through: string) => {
  const started = await api('POST', '/v1/billing-runs', { through, companyId });
  expect(started.status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const r = (await api('GET', `/v1/billing-runs/${started.body.id}`)).body;
    if (r.status === 'completed' || r.status === 'failed') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('billing run did not finish');
};

type Line = [description: string, quantity: number, unitPrice: string, amount: string];
const invoicesOf = async (companyId: string) => {
  const items = (await api('GET', `/v1/invoices?companyId=${companyId}&limit=100`)).body.items as { period: { from: string }; total: string; status: string; lines: { description: string; quantity: number; unitPrice: string; amount: string }[] }[];
  return items
    .sort((a, b) => (a.period.from < b.period.from ? -1 : 1))
    .map((i) => ({ total: i.total, status: i.status, lines: i.lines.map((l): Line => [l.description, l.quantity, l.unitPrice, l.amount]) }));
};

describe('billing each contract type, lines worked out by hand', () => {
  it('managed services: a fixed fee per month, in advance', async () => {
    const co = await setUp({ type: 'managed_services', startDate: '2026-01-01', lineItems: [{ description: 'Managed services', kind: 'fixed', unitPrice: '1250.00' }] });
    expect(await bill(co, '2026-02-01')).toMatchObject({ status: 'completed', invoicesCreated: 2 });
    expect(await invoicesOf(co)).toEqual([
      { total: '1250.00', status: 'draft', lines: [['Managed services, 2026-01-01 to 2026-01-31', 1, '1250.00', '1250.00']] },
      { total: '1250.00', status: 'draft', lines: [['Managed services, 2026-02-01 to 2026-02-28', 1, '1250.00', '1250.00']] },
    ]);
  });

  it('per device: the live count of assets, and a line held to its cap', async () => {
    const co = await setUp(
      {
        type: 'per_device',
        startDate: '2026-03-01',
        lineItems: [
          { description: 'Workstation care', kind: 'per_device', unitPrice: '35.00' },
          { description: 'Server care', kind: 'per_device', unitPrice: '120.00', cap: '200.00' },
        ],
      },
      { assets: 3 },
    );
    await bill(co, '2026-03-01');
    // 3 × 35.00 = 105.00; 3 × 120.00 = 360.00, capped at 200.00.
    expect(await invoicesOf(co)).toEqual([
      {
        total: '305.00',
        status: 'draft',
        lines: [
          ['Workstation care, 2026-03-01 to 2026-03-31', 3, '35.00', '105.00'],
          ['Server care, 2026-03-01 to 2026-03-31 (capped at 200.00)', 3, '120.00', '200.00'],
        ],
      },
    ]);
  });

  it('per user: the live count of contacts, or a fixed number of seats', async () => {
    const co = await setUp(
      {
        type: 'per_user',
        startDate: '2026-05-01',
        lineItems: [
          { description: 'User support', kind: 'per_user', unitPrice: '20.00' },
          { description: 'Microsoft 365 seats', kind: 'per_user', quantity: 8, unitPrice: '12.50' },
        ],
      },
      { contacts: 2 },
    );
    await bill(co, '2026-05-01');
    expect(await invoicesOf(co)).toEqual([
      { total: '140.00', status: 'draft', lines: [['User support, 2026-05-01 to 2026-05-31', 2, '20.00', '40.00'], ['Microsoft 365 seats, 2026-05-01 to 2026-05-31', 8, '12.50', '100.00']] },
    ]);
  });

  it('retainer: quarterly periods', async () => {
    const co = await setUp({ type: 'retainer', startDate: '2026-01-01', billingFrequency: 'quarterly', lineItems: [{ description: 'Retainer', kind: 'fixed', unitPrice: '3000.00' }] });
    await bill(co, '2026-04-01');
    expect(await invoicesOf(co)).toEqual([
      { total: '3000.00', status: 'draft', lines: [['Retainer, 2026-01-01 to 2026-03-31', 1, '3000.00', '3000.00']] },
      { total: '3000.00', status: 'draft', lines: [['Retainer, 2026-04-01 to 2026-06-30', 1, '3000.00', '3000.00']] },
    ]);
  });

  it('block hours in a leap year: a prorated stub, included hours prorated to the minute, then overage', async () => {
    // Starts 17 February 2028, bills on the 1st: a stub of 13 of February's 29 days.
    // Fee: 900.00 × 13/29 = 403.448… → 403.45. Included: 10 h × 13/29 = 268.97 min → 269 min = 4.48 h;
    // 10 h logged: 331 min over = 5.52 h × 150.00 = 828.00.
    const co = await setUp(
      { type: 'block_hours', startDate: '2028-02-17', billingDay: 1, includedHours: 10, overageRate: '150.00', lineItems: [{ description: 'Block of 10 hours', kind: 'fixed', unitPrice: '900.00' }] },
      { time: [['2028-02-20', 360], ['2028-02-25', 240]] },
    );
    await bill(co, '2028-03-01');
    expect(await invoicesOf(co)).toEqual([
      { total: '403.45', status: 'draft', lines: [['Block of 10 hours, 2028-02-17 to 2028-02-29 (13 of 29 days)', 1, '900.00', '403.45']] },
      {
        total: '1728.00',
        status: 'draft',
        lines: [
          ['Block of 10 hours, 2028-03-01 to 2028-03-31', 1, '900.00', '900.00'],
          ['Support time, included hours, 2028-02-17 to 2028-02-29', 4.48, '0.00', '0.00'],
          ['Support time, hours beyond the 10 h included, 2028-02-17 to 2028-02-29', 5.52, '150.00', '828.00'],
        ],
      },
    ]);
  });

  it('break-fix: time in arrears at the hourly line, held to its cap; no invoice for a month without time', async () => {
    // 7 h × 95.00 = 665.00, capped at 500.00. 1 January bills nothing (no time before it): no invoice.
    const co = await setUp({ type: 'break_fix', startDate: '2026-01-01', lineItems: [{ description: 'Remote support', kind: 'hourly', unitPrice: '95.00', cap: '500.00' }] }, { time: [['2026-01-12', 300], ['2026-01-19', 120]] });
    expect(await bill(co, '2026-02-01')).toMatchObject({ status: 'completed', invoicesCreated: 1 });
    expect(await invoicesOf(co)).toEqual([{ total: '500.00', status: 'draft', lines: [['Remote support, 2026-01-01 to 2026-01-31 (capped at 500.00)', 7, '95.00', '500.00']] }]);
  });
});
