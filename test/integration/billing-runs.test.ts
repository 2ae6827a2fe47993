/**
 * Billing runs on real DynamoDB Local and real queues: one draft invoice per contract and
 * billing date, catching up, never twice (a second run, a redelivered message, five runs at
 * once), time billed once and its entries stamped, archived companies skipped, a contract that
 * cannot be billed reported without stopping the run, the daily schedule once a day.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as worker } from '../../functions/billing-runs/run-billing';
import { call, lambdaContext } from '../helpers/http-event';
import { archiveDirectly } from '../helpers/data';
import { useEngines } from '../support/engines';
import { mspToday } from '../../shared/billing/msp-defaults';

const engines = useEngines({ queues: true });
const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const ctx = (remaining = 300_000): Context => ({ ...lambdaContext, getRemainingTimeInMillis: () => remaining }) as Context;

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Billed') } })).body.id as string;
const contract = async (companyId: string, body: Record<string, unknown>, activate = true) => {
  const res = await call({ route: 'POST /v1/companies/{id}/contracts', params: { id: companyId }, body: { name: 'Managed', startDate: '2026-01-01', ...body } });
  expect(res.status).toBe(201);
  if (activate) expect((await call({ route: 'POST /v1/contracts/{id}/activate', params: { id: res.body.id } })).status).toBe(200);
  return res.body.id as string;
};
const managed = (price = '500.00') => ({ type: 'managed_services', lineItems: [{ description: 'Managed services', kind: 'fixed', unitPrice: price }] });
const ticket = async (companyId: string) => (await call({ route: 'POST /v1/tickets', body: { companyId, subject: 'Work' } })).body.id as string;
const logTime = (ticketId: string, contractId: string, date: string, minutes: number) =>
  call({ route: 'POST /v1/tickets/{id}/time-entries', params: { id: ticketId }, body: { date, minutes, contractId } });
const start = async (body: Record<string, unknown>) => {
  const res = await call({ route: 'POST /v1/billing-runs', body });
  expect(res.status).toBe(202);
  expect(res.headers.location).toBe(`/v1/billing-runs/${res.body.id}`);
  return res.body.id as string;
};
const getRun = async (id: string) => (await call({ route: 'GET /v1/billing-runs/{id}', params: { id } })).body;
/** Delivers what the billing queue holds until it is empty (runs, then the stamps they queue). */
const drain = async () => {
  for (let i = 0; i < 50; i++) if ((await engines.queues.deliver('billing', (e: SQSEvent) => worker(e as never, ctx()) as Promise<unknown>)) === 0) return;
  throw new Error('billing queue never emptied');
};
const invoicesOf = async (companyId: string) => {
  const res = await call({ route: 'GET /v1/invoices', query: { companyId, limit: '100' } });
  return (res.body.items as Record<string, any>[]).sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1));
};
const getContract = async (id: string) => (await call({ route: 'GET /v1/contracts/{id}', params: { id } })).body;

describe('a billing run', () => {
  it('bills every billing date due, in advance, once; a second run creates nothing', async () => {
    const co = await company();
    const c = await contract(co, managed());
    const id = await start({ through: '2026-03-15', companyId: co });
    expect(await getRun(id)).toMatchObject({ id, status: 'queued', through: '2026-03-15', companyId: co, invoicesCreated: 0, contractsSkipped: 0, errors: [] });
    await drain();
    expect(await getRun(id)).toMatchObject({ status: 'completed', invoicesCreated: 3, contractsSkipped: 0, errors: [], startedAt: expect.any(String), completedAt: expect.any(String) });
    const invoices = await invoicesOf(co);
    expect(invoices.map((i) => [i.total, i.balance, i.status, i.dueDate])).toEqual([
      ['500.00', '500.00', 'draft', '2026-01-31'],
      ['500.00', '500.00', 'draft', '2026-03-03'],
      ['500.00', '500.00', 'draft', '2026-03-31'],
    ]);
    expect((await getContract(c)).nextBillingDate).toBe('2026-04-01');

    const again = await start({ through: '2026-03-31', companyId: co });
    await drain();
    expect(await getRun(again)).toMatchObject({ status: 'completed', invoicesCreated: 0 });
    expect(await invoicesOf(co)).toHaveLength(3);
  });

  it('bills time in arrears once: included hours, then overage; the billed entries carry the invoice and are frozen', async () => {
    const co = await company();
    const c = await contract(co, { type: 'block_hours', includedHours: 2, overageRate: '150.00', lineItems: [{ description: 'Block of hours', kind: 'fixed', unitPrice: '200.00' }] });
    const t = await ticket(co);
    const entries = [await logTime(t, c, '2026-01-10', 90), await logTime(t, c, '2026-01-20', 60)].map((r) => r.body.id as string);
    await start({ through: '2026-02-01', companyId: co });
    await drain();
    const [jan, feb] = await invoicesOf(co);
    expect(jan.total).toBe('200.00');
    // 2.5 h in January: 2 included, 0.5 over at 150.00 = 75.00; plus February's block in advance.
    expect(feb.total).toBe('275.00');
    for (const e of entries) {
      const res = await call({ route: 'PATCH /v1/time-entries/{id}', params: { id: e }, body: { minutes: 5 } });
      expect(res.body.code).toBe('INVALID_STATE');
    }
    const listed = await call({ route: 'GET /v1/tickets/{id}/time-entries', params: { id: t } });
    expect(listed.body.items.map((e: { invoiceId: string }) => e.invoiceId)).toEqual([feb.id, feb.id]);
    // Late time for January bills on the next invoice; nothing is billed twice.
    await logTime(t, c, '2026-01-25', 30);
    await start({ through: '2026-03-01', companyId: co });
    await drain();
    const all = await invoicesOf(co);
    expect(all).toHaveLength(3);
    expect(all[2]!.total).toBe('275.00'); // 200.00 + 0.5 h over at 150.00
  });

  it('bills a per_user line without a quantity at the active contacts the company has when each period is billed', async () => {
    const co = await company();
    const contacts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call({ route: 'POST /v1/contacts', body: { firstName: 'User', lastName: `No${i}`, email: `user.${i}.${run}.${++n}@example.com`, companyId: co } });
      expect(res.status).toBe(201);
      contacts.push(res.body.id as string);
    }
    // Neither an unassigned contact nor an inactive one is billed.
    await call({ route: 'POST /v1/contacts', body: { firstName: 'No', lastName: 'Company', email: `loose.${run}.${++n}@example.com` } });
    expect((await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: contacts[0]! } })).status).toBe(200);
    await contract(co, { type: 'per_user', lineItems: [{ description: 'User support', kind: 'per_user', unitPrice: '20.00' }, { description: 'Seats', kind: 'per_user', quantity: 5, unitPrice: '1.00' }] });
    await start({ through: '2026-01-01', companyId: co });
    await drain();
    expect((await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: contacts[1]! } })).status).toBe(200);
    await start({ through: '2026-02-01', companyId: co });
    await drain();
    const lines = (await invoicesOf(co)).map((i) => [i.total, (i.lines as { quantity: number; amount: string }[]).map((l) => [l.quantity, l.amount])]);
    expect(lines).toEqual([
      ['65.00', [[3, '60.00'], [5, '5.00']]],
      ['45.00', [[2, '40.00'], [5, '5.00']]],
    ]);
  });

  it('skips an archived company, reports a contract it cannot bill, and goes on with the others', async () => {
    const archived = await company();
    await contract(archived, managed());
    await archiveDirectly(archived);
    const co = await company();
    const noRate = await contract(co, { type: 'break_fix' });
    await logTime(await ticket(co), noRate, '2026-01-05', 60);
    const ok = await contract(co, managed('10.00'));
    const r1 = await start({ through: '2026-02-01', companyId: archived });
    const r2 = await start({ through: '2026-02-01', companyId: co });
    await drain();
    expect(await getRun(r1)).toMatchObject({ status: 'completed', invoicesCreated: 0, contractsSkipped: 1 });
    const second = await getRun(r2);
    expect(second).toMatchObject({ status: 'completed', contractsSkipped: 1, errors: [{ contractId: noRate, code: 'HOURLY_RATE_MISSING', message: expect.any(String) }] });
    // The managed contract billed both dates; the break-fix one had nothing to bill on 1 January (no invoice) and stops at its time.
    expect((await invoicesOf(co)).map((i) => i.total)).toEqual(['10.00', '10.00']);
    expect((await getContract(ok)).nextBillingDate).toBe('2026-03-01');
    expect((await getContract(noRate)).nextBillingDate).toBe('2026-02-01');
    expect(await invoicesOf(archived)).toEqual([]);
  });

  it('five runs at once over 200 contracts: exactly one invoice per contract and period', async () => {
    const companies = await Promise.all(Array.from({ length: 10 }, () => company()));
    const contracts: string[] = [];
    for (const co of companies) for (let i = 0; i < 20; i++) contracts.push(await contract(co, { ...managed('1.00'), startDate: '2026-06-01' }));
    const runs = await Promise.all(Array.from({ length: 5 }, () => start({ through: '2026-06-30' })));
    // Each run's message to its own worker, side by side.
    await engines.queues.flush();
    const event = await engines.queues.take('billing');
    expect(event.Records).toHaveLength(5);
    await Promise.all(event.Records.map((r) => worker({ Records: [r] } as never, ctx())));
    await drain();
    const invoices = (await Promise.all(companies.map(invoicesOf))).flat();
    expect(invoices).toHaveLength(200);
    expect(new Set(invoices.map((i) => i.number)).size).toBe(200);
    const created = (await Promise.all(runs.map(getRun))).reduce((s, r) => s + r.invoicesCreated, 0);
    expect(created).toBeGreaterThanOrEqual(200);
    for (const id of contracts.slice(0, 5)) expect((await getContract(id)).nextBillingDate).toBe('2026-07-01');
  }, 120_000);

  it('the daily schedule starts one run a day, however often its message arrives', async () => {
    await engines.queues.send('billing', { type: 'scheduled' });
    await engines.queues.send('billing', { type: 'scheduled' });
    const event = await engines.queues.take('billing');
    await worker(event as never, ctx());
    await engines.queues.flush();
    const runs = (await engines.queues.take('billing')).Records.map((r) => JSON.parse(r.body));
    expect(runs).toEqual([{ type: 'run', runId: expect.any(String) }]);
    expect(await getRun(runs[0].runId)).toMatchObject({ trigger: 'schedule', through: mspToday(), status: 'queued' });
  });

  it('validates the request and who may start it', async () => {
    expect((await call({ route: 'POST /v1/billing-runs', body: { through: '2026-02-30' } })).status).toBe(400);
    expect((await call({ route: 'POST /v1/billing-runs', body: { through: '2026-02-01', companyId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).body.code).toBe('UNKNOWN_COMPANY');
    expect((await call({ route: 'POST /v1/billing-runs', body: { through: '2026-02-01' }, groups: ['Technician'] })).status).toBe(403);
    expect((await call({ route: 'GET /v1/billing-runs/{id}', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
  });
});
