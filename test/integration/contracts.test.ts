/**
 * Contracts (API.md v1.1) on a real DynamoDB Local: the six types, validation at body paths,
 * the draft-only rules, the state machine and its dates, the renewal dashboard (one bounded
 * range of the active buckets), default contracts and tickets' contracts, archived companies,
 * versions, and what a permanent delete does to a company's contracts.
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as cleanupHandler } from '../../functions/companies/cleanup-company';
import { handler as settleHandler } from '../../functions/contracts/settle-ended-contracts';
import { addDays } from '../../shared/billing/calendar';
import { db, tableName } from '../../shared/db/client';
import { keys, LIST_BUCKETS } from '../../shared/db/keys';
import type { StaffGroup } from '../../shared/routes';
import { archiveDirectly } from '../helpers/data';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true });

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MISSING = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const today = () => new Date().toISOString().slice(0, 10);

const company = async (label = 'Contract Co') => (await call({ route: 'POST /v1/companies', body: { name: unique(label) } })).body as { id: string; name: string; version: number };
const create = (companyId: string, body: unknown, opts: { groups?: StaffGroup[]; headers?: Record<string, string> } = {}) =>
  call({ route: 'POST /v1/companies/{id}/contracts', params: { id: companyId }, body, ...opts });
const get = (id: string) => call({ route: 'GET /v1/contracts/{id}', params: { id } });
const patch = (id: string, body: unknown, headers?: Record<string, string>) => call({ route: 'PATCH /v1/contracts/{id}', params: { id }, body, headers });
const remove = (id: string, headers?: Record<string, string>) => call({ route: 'DELETE /v1/contracts/{id}', params: { id }, headers });
const act = (id: string, action: 'activate' | 'cancel' | 'renew', headers?: Record<string, string>) =>
  call({ route: `POST /v1/contracts/{id}/${action}`, params: { id }, headers });
const setDefault = (companyId: string, contractId: string | null) =>
  call({ route: 'PUT /v1/companies/{id}/default-contract', params: { id: companyId }, body: { contractId } });
const ticket = (body: Record<string, unknown>) => call({ route: 'POST /v1/tickets', body: { subject: 'Help', ...body } });
const audit = async (companyId: string) => (await call({ route: 'GET /v1/companies/{id}/audit', params: { id: companyId } })).body.items as { action: string; changes: Record<string, unknown> }[];

const fixed = (unitPrice = '1500', more: Record<string, unknown> = {}) => ({ description: 'Monthly fee', kind: 'fixed', unitPrice, ...more });
const managed = (more: Record<string, unknown> = {}) => ({ name: 'Managed IT', type: 'managed_services', startDate: '2026-01-01', lineItems: [fixed()], ...more });

/** A contract of a new company (or `companyId`), made active. */
const activeContract = async (more: Record<string, unknown> = {}, companyId?: string) => {
  const co = companyId ?? (await company()).id;
  const made = await create(co, managed(more));
  expect(made.status).toBe(201);
  const active = await act(made.body.id, 'activate');
  expect(active.status).toBe(200);
  return active.body as { id: string; companyId: string; endDate: string | null; version: number };
};

/** Sets fields on a contract item directly: states the routes reach only with time (expired, a closing invoice made). */
const setDirectly = (id: string, set: Record<string, unknown>) =>
  db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.contract(id),
      UpdateExpression: `SET ${Object.keys(set).map((k, i) => `#f${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(Object.keys(set).map((k, i) => [`#f${i}`, k])),
      ExpressionAttributeValues: Object.fromEntries(Object.values(set).map((v, i) => [`:v${i}`, v])),
    }),
  );

describe('create', () => {
  const TYPES = [
    { type: 'managed_services', body: { lineItems: [fixed()] } },
    { type: 'break_fix', body: { hourlyRate: '120' } },
    { type: 'retainer', body: { lineItems: [fixed('500')], includedHours: 10, overageRate: '150' } },
    { type: 'per_device', body: { lineItems: [{ description: 'Per device', kind: 'per_device', unitPrice: '25' }] } },
    { type: 'per_user', body: { lineItems: [{ description: 'Per user', kind: 'per_user', unitPrice: '40', quantity: 12 }] } },
    { type: 'block_hours', body: { includedHours: 20, lineItems: [{ description: 'Support time', kind: 'hourly', unitPrice: '95', cap: '5000' }] } },
  ];

  it.each(TYPES)('creates a draft $type contract with defaults, Location, ETag and an audit entry', async ({ type, body }) => {
    const co = await company();
    const res = await create(co.id, { name: `${type} deal`, type, startDate: '2026-02-01', ...body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(ULID),
      companyId: co.id,
      name: `${type} deal`,
      type,
      status: 'draft',
      startDate: '2026-02-01',
      endDate: null,
      autoRenew: false,
      renewalTermMonths: 12,
      noticeDays: 30,
      billingFrequency: 'monthly',
      billingDay: null,
      currency: 'USD',
      nextBillingDate: null,
      version: 1,
    });
    for (const line of res.body.lineItems) expect(line.id).toMatch(ULID);
    expect(res.headers.location).toBe(`/v1/contracts/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    const read = await get(res.body.id);
    expect(read).toMatchObject({ status: 200, body: res.body, headers: { etag: '"1"' } });
    expect((await audit(co.id))[0]).toMatchObject({ action: 'contract.created', changes: { type: { from: null, to: type } } });
  });

  it('stores amounts with two places and keeps the line ids it is given', async () => {
    const co = await company();
    const lineId = '01HZZZZZZZZZZZZZZZZZZZZZZZ';
    const res = await create(co.id, managed({ lineItems: [fixed('1500.5', { id: lineId, cap: '2000' })], hourlyRate: '95', billingDay: 15, billingFrequency: 'quarterly', endDate: '2026-12-31' }));
    expect(res.body).toMatchObject({ lineItems: [{ id: lineId, unitPrice: '1500.50', cap: '2000.00', quantity: null }], hourlyRate: '95.00', billingDay: 15, billingFrequency: 'quarterly', endDate: '2026-12-31' });
  });

  it("takes the company's currency when it has one, else the MSP's; a sent one wins", async () => {
    const co = await company();
    expect((await create(co.id, managed())).body.currency).toBe('USD');
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.company(co.id), UpdateExpression: 'SET currency = :c', ExpressionAttributeValues: { ':c': 'EUR' } }));
    expect((await create(co.id, managed())).body.currency).toBe('EUR');
    expect((await create(co.id, managed({ currency: 'GBP' }))).body.currency).toBe('GBP');
  });

  it('replays an Idempotency-Key retry and refuses the key with another body', async () => {
    const co = await company();
    const headers = { 'idempotency-key': `contract-${run}` };
    const first = await create(co.id, managed(), { headers });
    const again = await create(co.id, managed(), { headers });
    expect(again).toMatchObject({ status: 201, body: first.body, headers: { 'idempotent-replayed': 'true', location: first.headers.location } });
    expect((await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: co.id } })).body.items).toHaveLength(1);
    expect(await create(co.id, managed({ name: 'Other' }), { headers })).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('is 404 for an unknown company and 403 for a Technician, who may read', async () => {
    expect(await create(MISSING, managed())).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const co = await company();
    expect(await create(co.id, managed(), { groups: ['Technician'] })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ROLE' } });
    const made = await create(co.id, managed());
    expect((await call({ route: 'GET /v1/contracts/{id}', params: { id: made.body.id }, groups: ['Technician'] })).status).toBe(200);
    expect(await get(MISSING)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('validation', () => {
  /** Error locations as `field.sub` for the body (from its JSON Pointer) and `<in>.<name>` elsewhere. */
  const paths = (res: { body: { errors: { in: string; path: string }[] } }) => res.body.errors.map((e: { in: string; path: string }) => (e.in === 'body' ? (e.path === '' ? '(root)' : e.path.slice(1).replaceAll('/', '.')) : `${e.in}.${e.path}`));

  it('refuses bad bodies with 400 VALIDATION_FAILED at the body paths, and writes nothing', async () => {
    const co = await company();
    const cases: [unknown, string[]][] = [
      [{ type: 'managed_services', startDate: '2026-01-01', lineItems: [fixed()] }, ['name']],
      [managed({ type: 'hosting' }), ['type']],
      [managed({ lineItems: [fixed('12.345')] }), ['lineItems.0.unitPrice']],
      [managed({ lineItems: [fixed(), { description: 'x', kind: 'fixed', unitPrice: 150 }] }), ['lineItems.1.unitPrice']],
      [managed({ lineItems: [] }), ['lineItems']],
      [managed({ endDate: '2025-12-31' }), ['endDate']],
      [managed({ startDate: '2026-02-30' }), ['startDate']],
      [managed({ billingDay: 31 }), ['billingDay']],
      [managed({ currency: 'JPY' }), ['currency']],
      [managed({ overageRate: '150' }), ['overageRate']],
      [{ ...managed(), type: 'block_hours' }, ['includedHours']],
      [managed({ lineItems: [fixed(), { description: 'Time', kind: 'hourly', unitPrice: '90', quantity: 2 }] }), ['lineItems.1.quantity']],
      [managed({ colour: 'blue' }), ['colour']],
    ];
    for (const [body, expected] of cases) {
      const res = await create(co.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(paths(res), JSON.stringify(body)).toEqual(expect.arrayContaining(expected));
    }
    expect((await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: co.id } })).body.items).toEqual([]);
  });

  it('checks the merged terms of a PATCH with the same rules', async () => {
    const co = await company();
    const made = (await create(co.id, managed())).body;
    expect(await patch(made.id, { overageRate: '150' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [{ in: 'body', path: '/overageRate' }] } });
    expect(paths(await patch(made.id, { lineItems: [] }))).toEqual(['lineItems']);
    expect(paths(await patch(made.id, { endDate: '2025-06-30' }))).toEqual(['endDate']);
    expect(paths(await patch(made.id, {}))).toEqual(['(root)']);
    expect((await get(made.id)).body).toEqual(made);
  });
});

describe('draft-only changes', () => {
  it('lets a draft change its type and be deleted, audited', async () => {
    const co = await company();
    const made = (await create(co.id, managed())).body;
    const changed = await patch(made.id, { type: 'retainer', lineItems: [made.lineItems[0], { description: 'Onsite', kind: 'hourly', unitPrice: '120' }] });
    expect(changed).toMatchObject({ status: 200, headers: { etag: '"2"' }, body: { type: 'retainer', version: 2 } });
    // A line sent with its id keeps it; one without gets a new ULID.
    expect(changed.body.lineItems[0].id).toBe(made.lineItems[0].id);
    expect(changed.body.lineItems[1].id).toMatch(ULID);
    expect(changed.body.lineItems[1].id).not.toBe(made.lineItems[0].id);
    // The same values again change nothing: no new version, no audit entry.
    expect((await patch(made.id, { type: 'retainer' })).body.version).toBe(2);
    expect(await remove(made.id)).toMatchObject({ status: 204 });
    expect((await get(made.id)).status).toBe(404);
    expect((await audit(co.id)).map((e) => e.action)).toEqual(['contract.deleted', 'contract.updated', 'contract.created', 'company.created']);
  });

  it.each(['active', 'cancelled'] as const)('refuses a type change or a delete of an %s contract with 409 INVALID_STATE', async (state) => {
    const c = await activeContract();
    if (state === 'cancelled') await act(c.id, 'cancel');
    expect(await patch(c.id, { type: 'retainer' })).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    expect(await remove(c.id)).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    // Other fields may change (and the same type is no change of type).
    expect(await patch(c.id, { name: 'Renamed', type: 'managed_services' })).toMatchObject({ status: 200, body: { name: 'Renamed', type: 'managed_services', status: state } });
  });
});

describe('state machine', () => {
  it('activates a draft (first billing date = start), cancels, and refuses what does not apply', async () => {
    const co = await company();
    const draft = (await create(co.id, managed({ startDate: '2026-03-15' }))).body;
    expect(await act(draft.id, 'renew')).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    const active = await act(draft.id, 'activate');
    expect(active).toMatchObject({ status: 200, headers: { etag: '"2"' }, body: { status: 'active', nextBillingDate: '2026-03-15', version: 2 } });
    expect(await act(draft.id, 'activate')).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    // An open-ended contract has no end to renew from.
    expect(await act(draft.id, 'renew')).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    expect(await act(draft.id, 'cancel')).toMatchObject({ status: 200, body: { status: 'cancelled', version: 3 } });
    for (const action of ['activate', 'cancel', 'renew'] as const) expect(await act(draft.id, action)).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    const other = (await create(co.id, managed())).body;
    expect(await act(other.id, 'cancel')).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await audit(co.id)).map((e) => e.action)).toEqual(['contract.cancelled', 'contract.created', 'contract.cancelled', 'contract.activated', 'contract.created', 'company.created']);
    expect(await act(MISSING, 'activate')).toMatchObject({ status: 404 });
    expect((await call({ route: 'POST /v1/contracts/{id}/activate', params: { id: other.id }, groups: ['Technician'] })).status).toBe(403);
  });

  it('renews by whole calendar months on the anchor: 31 January + 1 month is 28 February, then 31 March', async () => {
    const c = await activeContract({ startDate: '2026-01-01', endDate: '2026-01-31', renewalTermMonths: 1 });
    const once = await act(c.id, 'renew');
    expect(once).toMatchObject({ status: 200, body: { status: 'active', endDate: '2026-02-28', nextBillingDate: '2026-01-01' } });
    expect((await act(c.id, 'renew')).body.endDate).toBe('2026-03-31');
    const annual = await activeContract({ startDate: '2024-02-29', endDate: '2025-02-28', renewalTermMonths: 12 });
    expect((await act(annual.id, 'renew')).body.endDate).toBe('2026-02-28');
    expect((await audit(c.companyId))[0]).toMatchObject({ action: 'contract.renewed', changes: { endDate: { from: '2026-02-28', to: '2026-03-31' } } });
  });

  it('renews an expired contract whose closing invoice was made: active again, billing from the day after the old end', async () => {
    const c = await activeContract({ startDate: '2025-01-01', endDate: '2025-12-31', renewalTermMonths: 12 });
    await setDirectly(c.id, { status: 'expired', nextBillingDate: null });
    const renewed = await act(c.id, 'renew');
    expect(renewed).toMatchObject({ status: 200, body: { status: 'active', endDate: '2026-12-31', nextBillingDate: '2026-01-01' } });
  });

  it('follows If-Match: 412 VERSION_MISMATCH on a stale version, nothing changed', async () => {
    const co = await company();
    const made = (await create(co.id, managed())).body;
    expect(await patch(made.id, { name: 'X' }, { 'if-match': '"7"' })).toMatchObject({ status: 412, body: { code: 'VERSION_MISMATCH' } });
    expect(await act(made.id, 'activate', { 'if-match': '"2"' })).toMatchObject({ status: 412, body: { code: 'VERSION_MISMATCH' } });
    expect(await remove(made.id, { 'if-match': '"3"' })).toMatchObject({ status: 412, body: { code: 'VERSION_MISMATCH' } });
    expect(await patch(made.id, { name: 'X' }, { 'if-match': 'nonsense' })).toMatchObject({ status: 400, body: { code: 'INVALID_IF_MATCH' } });
    expect((await get(made.id)).body).toEqual(made);
    expect(await patch(made.id, { name: 'Y' }, { 'if-match': '"1"' })).toMatchObject({ status: 200, headers: { etag: '"2"' }, body: { name: 'Y' } });
    expect(await act(made.id, 'activate', { 'if-match': '"2"' })).toMatchObject({ status: 200, body: { status: 'active', version: 3 } });
  });
});

describe('lists', () => {
  it("lists a company's contracts in creation order, by status, and all contracts of one status", async () => {
    const co = await company();
    const a = (await create(co.id, managed({ name: 'A' }))).body;
    const b = await activeContract({ name: 'B', endDate: '2027-06-30' }, co.id);
    const c = (await create(co.id, managed({ name: 'C' }))).body;
    const all = await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: co.id } });
    expect(all.body.items.map((x: { id: string }) => x.id)).toEqual([a.id, b.id, c.id]);
    const drafts = await call({ route: 'GET /v1/contracts', query: { companyId: co.id, status: 'draft' } });
    expect(drafts.body.items.map((x: { id: string }) => x.id)).toEqual([a.id, c.id]);
    const paged = await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: co.id }, query: { limit: '2' } });
    expect(paged.body.items).toHaveLength(2);
    const rest = await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: co.id }, query: { limit: '2', cursor: paged.body.nextCursor } });
    expect(rest.body.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect((await call({ route: 'GET /v1/contracts', query: { cursor: paged.body.nextCursor } })).body.code).toBe('INVALID_CURSOR');
    expect((await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: MISSING } })).status).toBe(404);

    engines.requests.reset();
    const active = await call({ route: 'GET /v1/contracts' });
    expect(engines.requests.calls.filter((x) => x === 'Query')).toHaveLength(LIST_BUCKETS);
    expect(active.body.items.every((x: { status: string }) => x.status === 'active')).toBe(true);
    expect(active.body.items.map((x: { id: string }) => x.id)).toContain(b.id);
    const byStatus = await call({ route: 'GET /v1/contracts', query: { status: 'draft', limit: '100' } });
    expect(byStatus.body.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([a.id, c.id]));
  });
});

describe('renewals', () => {
  it('lists active contracts ending within the window, soonest first, with company name, annual value and notice deadline, from one bounded range', async () => {
    const co = await company('Renewing');
    await call({ route: 'POST /v1/assets', body: { companyId: co.id, name: 'PC 1' } });
    await call({ route: 'POST /v1/assets', body: { companyId: co.id, name: 'PC 2' } });
    const t = today();
    const in10 = await activeContract({ name: 'In 10', startDate: addDays(t, -300), endDate: addDays(t, 10), autoRenew: true, noticeDays: 30 }, co.id);
    const in5 = await activeContract(
      { name: 'In 5', type: 'per_device', startDate: addDays(t, -300), endDate: addDays(t, 5), noticeDays: 14, lineItems: [{ description: 'Device', kind: 'per_device', unitPrice: '25' }] },
      co.id,
    );
    const todayEnds = await activeContract({ name: 'Today', startDate: addDays(t, -30), endDate: t, billingFrequency: 'quarterly' }, co.id);
    const in70 = await activeContract({ name: 'In 70', startDate: addDays(t, -300), endDate: addDays(t, 70) }, co.id);
    await activeContract({ name: 'Ended', startDate: addDays(t, -300), endDate: addDays(t, -1) }, co.id);
    await activeContract({ name: 'Open' }, co.id);
    await create(co.id, managed({ name: 'Draft', startDate: addDays(t, -300), endDate: addDays(t, 3) }));
    const cancelled = await activeContract({ name: 'Cancelled', startDate: addDays(t, -300), endDate: addDays(t, 4) }, co.id);
    await act(cancelled.id, 'cancel');

    engines.requests.reset();
    const res = await call({ route: 'GET /v1/contracts/renewals' });
    expect(res.status).toBe(200);
    expect(engines.requests.calls.filter((x) => x === 'Query')).toHaveLength(LIST_BUCKETS);
    expect(engines.requests.calls).not.toContain('Scan');
    const ours = res.body.items.filter((x: { companyId: string }) => x.companyId === co.id);
    expect(ours.map((x: { id: string }) => x.id)).toEqual([todayEnds.id, in5.id, in10.id]);
    expect(ours[1]).toMatchObject({ name: 'In 5', status: 'active', companyName: co.name, annualValue: '600.00', autoRenew: false, noticeDeadline: addDays(t, 5 - 14), endDate: addDays(t, 5) });
    expect(ours[2]).toMatchObject({ companyName: co.name, annualValue: '18000.00', autoRenew: true, noticeDeadline: addDays(t, 10 - 30) });
    expect(ours[0]).toMatchObject({ annualValue: '6000.00', noticeDeadline: addDays(t, -30) });

    const wider = await call({ route: 'GET /v1/contracts/renewals', query: { withinDays: '70' } });
    expect(wider.body.items.filter((x: { companyId: string }) => x.companyId === co.id).map((x: { id: string }) => x.id)).toEqual([todayEnds.id, in5.id, in10.id, in70.id]);
    const page = await call({ route: 'GET /v1/contracts/renewals', query: { withinDays: '70', limit: '2' } });
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect(await call({ route: 'GET /v1/contracts/renewals', query: { withinDays: '400' } })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });

    // An archived company's contracts renew nothing: they leave the dashboard.
    await archiveDirectly(co.id);
    const after = await call({ route: 'GET /v1/contracts/renewals' });
    expect(after.body.items.filter((x: { companyId: string }) => x.companyId === co.id)).toEqual([]);
  });
});

describe('renewals of per-user contracts', () => {
  it("values a per_user line without a quantity at the company's active contacts", async () => {
    const co = await company('Per user');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call({ route: 'POST /v1/contacts', body: { firstName: 'Seat', lastName: `No${i}`, email: `seat.${i}.${run}.${++n}@example.com`, companyId: co.id } })).body.id);
    expect((await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: ids[0]! } })).status).toBe(200);
    const t = today();
    const c = await activeContract({ type: 'per_user', startDate: addDays(t, -30), endDate: addDays(t, 20), lineItems: [{ description: 'User', kind: 'per_user', unitPrice: '10' }] }, co.id);
    const listed = async () => (await call({ route: 'GET /v1/contracts/renewals', query: { limit: '100' } })).body.items.find((x: { id: string }) => x.id === c.id);
    // 2 active contacts × 10.00 × 12 months.
    expect(await listed()).toMatchObject({ annualValue: '240.00' });
    await call({ route: 'POST /v1/contacts/{id}/activate', params: { id: ids[0]! } });
    expect(await listed()).toMatchObject({ annualValue: '360.00' });
  });
});

describe('default contract and tickets', () => {
  it("sets an active contract of the company as its default, which new tickets take unless given one of the company's own", async () => {
    const co = await company('Default');
    const other = await company('Other');
    const mine = await activeContract({}, co.id);
    const draft = (await create(co.id, managed())).body;
    const theirs = await activeContract({}, other.id);

    expect((await ticket({ companyId: co.id })).body.contractId).toBeNull();
    for (const id of [draft.id, theirs.id, MISSING]) expect(await setDefault(co.id, id)).toMatchObject({ status: 409, body: { code: 'CONTRACT_NOT_IN_COMPANY' } });
    const set = await setDefault(co.id, mine.id);
    expect(set).toMatchObject({ status: 200, headers: { etag: '"2"' }, body: { id: co.id, defaultContractId: mine.id, version: 2 } });
    expect((await audit(co.id))[0]).toMatchObject({ action: 'company.updated', changes: { defaultContractId: { from: null, to: mine.id } } });
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.defaultContractId).toBe(mine.id);
    expect(await setDefault(MISSING, mine.id)).toMatchObject({ status: 404 });

    const t1 = await ticket({ companyId: co.id });
    expect(t1).toMatchObject({ status: 201, body: { contractId: mine.id } });
    expect((await ticket({ companyId: co.id, contractId: null })).body.contractId).toBeNull();
    for (const contractId of [theirs.id, draft.id, MISSING]) {
      expect(await ticket({ companyId: co.id, contractId })).toMatchObject({ status: 409, body: { code: 'CONTRACT_NOT_IN_COMPANY' } });
    }
    const counts = (await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body.counts;
    expect(counts.tickets).toBe(3); // the refused ones wrote nothing
    expect((await ticket({ companyId: other.id, contractId: theirs.id })).body.contractId).toBe(theirs.id);

    // A PATCH may link a contract of the ticket's company only.
    expect(await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t1.body.id }, body: { contractId: theirs.id } })).toMatchObject({ status: 409, body: { code: 'CONTRACT_NOT_IN_COMPANY' } });
    expect(await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t1.body.id }, body: { contractId: null } })).toMatchObject({ status: 200, body: { contractId: null } });
    expect(await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t1.body.id }, body: { contractId: mine.id } })).toMatchObject({ status: 200, body: { contractId: mine.id } });

    // A default that ends stops being the default in the same transaction (a company edit, audited).
    await act(mine.id, 'cancel');
    expect((await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body).toMatchObject({ defaultContractId: null, version: 3 });
    expect((await audit(co.id)).slice(0, 2)).toEqual([
      expect.objectContaining({ action: 'contract.cancelled' }),
      expect.objectContaining({ action: 'company.updated', changes: { defaultContractId: { from: mine.id, to: null } } }),
    ]);
    expect((await ticket({ companyId: co.id })).body.contractId).toBeNull();
    const again = await activeContract({}, co.id);
    await setDefault(co.id, again.id);
    expect((await setDefault(co.id, null)).body).toMatchObject({ defaultContractId: null, version: 5 });
  });
});

describe('archived companies', () => {
  it('refuses new contracts and every contract change with 409 COMPANY_ARCHIVED; reads still answer', async () => {
    const co = await company('Archived');
    const draft = (await create(co.id, managed())).body;
    const active = await activeContract({ endDate: '2026-12-31' }, co.id);
    await archiveDirectly(co.id);
    const refusals = [
      await create(co.id, managed()),
      await patch(draft.id, { name: 'New' }),
      await remove(draft.id),
      await act(draft.id, 'activate'),
      await act(active.id, 'cancel'),
      await act(active.id, 'renew'),
      await setDefault(co.id, active.id),
    ];
    for (const r of refusals) expect(r).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
    expect((await get(draft.id)).body).toEqual(draft);
    expect((await call({ route: 'GET /v1/companies/{id}/contracts', params: { id: co.id } })).body.items).toHaveLength(2);
  });
});

describe('permanent delete', () => {
  it("previews the company's contracts as deleted, and the clean-up deletes them", async () => {
    const co = await company('Gone');
    const draft = (await create(co.id, managed())).body;
    const active = await activeContract({}, co.id);
    const keep = await activeContract({});
    const preview = await call({ route: 'GET /v1/companies/{id}/deletion-preview', params: { id: co.id } });
    expect(preview.body.delete).toMatchObject({ contracts: 2 });
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id } });
    const del = await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] });
    expect(del.status).toBe(202);
    const event = await engines.queues.take('company-cleanup');
    const context = { ...lambdaContext, getRemainingTimeInMillis: () => 300_000 } as Context;
    expect(((await cleanupHandler(event as never, context)) as { batchItemFailures: unknown[] }).batchItemFailures).toEqual([]);
    for (const id of [draft.id, active.id]) expect((await get(id)).status).toBe(404);
    expect((await get(keep.id)).status).toBe(200);
    const job = await call({ route: 'GET /v1/jobs/{id}', params: { id: del.body.unassignJob.id } });
    expect(job.body.progress.contracts).toMatchObject({ total: 2, done: 2, complete: true });
  });
});

describe('daily schedule', () => {
  const settle = async () => (await settleHandler({} as never, lambdaContext)) as { renewed: number; expired: number; skipped: number };
  const events = async (contractId: string) =>
    ((await db().send(new ScanCommand({ TableName: tableName(), FilterExpression: '#t = :outbox AND queue = :events', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':outbox': 'Outbox', ':events': 'events' } }))).Items ?? [])
      .map((i) => JSON.parse(String(i.message)) as { type: string; subject: { id: string }; detail: string })
      .filter((m) => m.subject?.id === contractId);

  it('renews auto-renewing contracts whose end date passed (a contract.renewing event each), expires the others, audited, once', async () => {
    const t = today();
    const co = await company('Schedule');
    const renewing = await activeContract({ startDate: addDays(t, -65), endDate: addDays(t, -5), autoRenew: true, renewalTermMonths: 1 }, co.id);
    // Ended more than a term ago (the schedule missed days): renewed term after term until it ends today or later.
    const lapsed = await activeContract({ startDate: addDays(t, -400), endDate: addDays(t, -100), autoRenew: true, renewalTermMonths: 1 }, co.id);
    const ending = await activeContract({ startDate: addDays(t, -30), endDate: addDays(t, -1) }, co.id);
    const endsToday = await activeContract({ startDate: addDays(t, -30), endDate: t, autoRenew: true }, co.id);
    const archivedCo = await company('Schedule archived');
    const frozen = await activeContract({ startDate: addDays(t, -30), endDate: addDays(t, -1) }, archivedCo.id);
    await archiveDirectly(archivedCo.id);

    const first = await settle();
    expect(first.renewed).toBeGreaterThanOrEqual(2);
    expect(first.expired).toBeGreaterThanOrEqual(1);
    const r = (await get(renewing.id)).body;
    expect(r).toMatchObject({ status: 'active', version: renewing.version + 1 });
    expect(r.endDate >= t).toBe(true);
    const l = (await get(lapsed.id)).body;
    expect(l).toMatchObject({ status: 'active', version: lapsed.version + 1 });
    expect(l.endDate >= t && l.endDate < addDays(t, 32)).toBe(true);
    expect((await get(ending.id)).body).toMatchObject({ status: 'expired', endDate: addDays(t, -1) });
    expect((await get(endsToday.id)).body).toMatchObject({ status: 'active', endDate: t, version: endsToday.version });
    expect((await get(frozen.id)).body).toMatchObject({ status: 'active', version: frozen.version });
    expect(await events(renewing.id)).toEqual([expect.objectContaining({ type: 'contract.renewing', detail: expect.stringContaining(`until ${r.endDate}`) })]);
    expect(await events(ending.id)).toEqual([]);
    const entries = await audit(co.id);
    expect(entries.filter((e) => e.action === 'contract.renewed')).toHaveLength(2);
    expect(entries.find((e) => e.action === 'contract.expired')).toMatchObject({ actor: { sub: 'system:contract-renewals' }, changes: { status: { from: 'active', to: 'expired' } } });

    // A second run (or a retried one) changes nothing.
    await settle();
    expect((await get(renewing.id)).body.version).toBe(r.version);
    expect(await events(renewing.id)).toHaveLength(1);
    expect((await audit(co.id)).length).toBe(entries.length);
  });
});
