/**
 * Service levels (API.md v1.1) on a real DynamoDB Local: SLA policies with exactly one default
 * under concurrency, tickets' due times (counted by the pure core, test/unit/sla-business-time),
 * recomputed on a priority change, the first public staff comment as the first response,
 * resolving and reopening, the scheduled breach check (reads only what is overdue, never flags
 * twice, leaves an archived company's tickets as they are) and the list's SLA filters.
 */
import { describe, expect, it } from 'vitest';
import { dueTimes } from '../../shared/sla/business-time';
import { checkSlaBreaches } from '../../shared/sla/sla-breach-check';
import type { StaffGroup } from '../../shared/routes';
import { archiveDirectly } from '../helpers/data';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines();

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const MIN = 60_000;

const targets = (response: number, resolution: number) => ({
  critical: { responseMinutes: response / 4, resolutionMinutes: resolution / 4 },
  high: { responseMinutes: response / 2, resolutionMinutes: resolution / 2 },
  medium: { responseMinutes: response, resolutionMinutes: resolution },
  low: { responseMinutes: response * 2, resolutionMinutes: resolution * 2 },
});
const OFFICE = { mon: [['08:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '18:00']], sat: [], sun: [] };
const policyBody = (more: Record<string, unknown> = {}) => ({ name: unique('Policy'), timezone: 'Europe/London', hours: '24x7', targets: targets(60, 240), ...more });

const createPolicy = (body: unknown, groups?: StaffGroup[]) => call({ route: 'POST /v1/sla-policies', body, groups });
const getPolicy = (id: string) => call({ route: 'GET /v1/sla-policies/{id}', params: { id } });
const patchPolicy = (id: string, body: unknown, headers?: Record<string, string>) => call({ route: 'PATCH /v1/sla-policies/{id}', params: { id }, body, headers });
const deletePolicy = (id: string, headers?: Record<string, string>) => call({ route: 'DELETE /v1/sla-policies/{id}', params: { id }, headers });
const allPolicies = async () => {
  const items: { id: string; isDefault: boolean }[] = [];
  let cursor: string | undefined;
  do {
    const res = await call({ route: 'GET /v1/sla-policies', query: { limit: '100', ...(cursor ? { cursor } : {}) } });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return items;
};
const defaults = async () => (await allPolicies()).filter((p) => p.isDefault);

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('SLA Co') } })).body as { id: string };
const ticket = async (companyId: string, more: Record<string, unknown> = {}) => {
  const res = await call({ route: 'POST /v1/tickets', body: { companyId, subject: 'Printer on fire', ...more } });
  expect(res.status).toBe(201);
  return res.body as Ticket;
};
const getTicket = async (id: string) => (await call({ route: 'GET /v1/tickets/{id}', params: { id } })).body as Ticket;
const patchTicket = (id: string, body: unknown) => call({ route: 'PATCH /v1/tickets/{id}', params: { id }, body });
const comment = (id: string, visibility: 'public' | 'internal') => call({ route: 'POST /v1/tickets/{id}/comments', params: { id }, body: { body: 'Looking into it', visibility } });
const list = async (query: Record<string, string>) => {
  const res = await call({ route: 'GET /v1/tickets', query: { limit: '100', ...query } });
  expect(res.status).toBe(200);
  return (res.body.items as Ticket[]).map((t) => t.id);
};

interface Ticket {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  priority: string;
  status: string;
  sla: {
    policyId: string;
    responseDueAt: string;
    resolutionDueAt: string;
    firstResponseAt: string | null;
    resolvedAt: string | null;
    responseBreached: boolean;
    resolutionBreached: boolean;
  } | null;
}

const plus = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * MIN).toISOString();

// The table is this file's own: the first policy created anywhere below becomes the default.
describe('SLA policies', () => {
  it('makes the first policy the default, moves the default with isDefault, and never leaves none or two', async () => {
    const first = await createPolicy(policyBody({ isDefault: false }));
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/v1/sla-policies/${first.body.id}`);
    expect(first.body).toMatchObject({ isDefault: true, holidays: [], version: 1 });

    const second = await createPolicy(policyBody({ isDefault: true }));
    expect(second.body.isDefault).toBe(true);
    expect((await getPolicy(first.body.id)).body).toMatchObject({ isDefault: false, version: 2 });
    expect((await defaults()).map((p) => p.id)).toEqual([second.body.id]);

    // The default cannot be un-defaulted or deleted: another must take it.
    const undefault = await patchPolicy(second.body.id, { isDefault: false });
    expect(undefault.status).toBe(409);
    expect(undefault.body.code).toBe('SLA_DEFAULT_REQUIRED');
    expect((await deletePolicy(second.body.id)).body.code).toBe('SLA_DEFAULT_REQUIRED');

    const back = await patchPolicy(first.body.id, { isDefault: true });
    expect(back.status).toBe(200);
    expect((await defaults()).map((p) => p.id)).toEqual([first.body.id]);
    expect((await deletePolicy(second.body.id)).status).toBe(204);
    expect((await getPolicy(second.body.id)).status).toBe(404);
  });

  it('keeps exactly one default when many policies are made the default at once', async () => {
    const made = await Promise.all(Array.from({ length: 6 }, () => createPolicy(policyBody())));
    const results = await Promise.all(made.map((m) => patchPolicy(m.body.id, { isDefault: true })));
    // Each either won or lost a race it is told about (409), never half-applied.
    for (const r of results) expect([200, 409]).toContain(r.status);
    expect(await defaults()).toHaveLength(1);
    const winners = await Promise.all(Array.from({ length: 4 }, () => createPolicy(policyBody({ isDefault: true }))));
    for (const w of winners) expect(w.status).toBe(201);
    expect(await defaults()).toHaveLength(1);
  });

  it('validates at body paths, and checks versions and roles', async () => {
    const bad = await createPolicy(policyBody({ timezone: 'Mars/Olympus', hours: { ...OFFICE, mon: [['08:00', '12:00'], ['11:00', '13:00']] }, holidays: ['2026-13-01'] }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['/timezone', '/hours/mon', '/holidays/0']));
    const closed = await createPolicy(policyBody({ hours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } }));
    expect(closed.status).toBe(400);
    const inverted = await createPolicy(policyBody({ targets: { ...targets(60, 240), high: { responseMinutes: 500, resolutionMinutes: 100 } } }));
    expect(inverted.body.errors[0].path).toBe('/targets/high/responseMinutes');

    // Closed every day for over a year from today: no due time could be given.
    const yearOff = Array.from({ length: 402 }, (_, i) => new Date(Date.now() + (i - 1) * 86_400_000).toISOString().slice(0, 10));
    const never = await createPolicy(policyBody({ holidays: yearOff }));
    expect(never.status).toBe(409);
    expect(never.body.code).toBe('SLA_NO_BUSINESS_TIME');

    const p = (await createPolicy(policyBody({ holidays: ['2026-12-25', '2026-12-24', '2026-12-25'] }))).body;
    expect(p.holidays).toEqual(['2026-12-24', '2026-12-25']);
    expect((await patchPolicy(p.id, { name: 'Gold' }, { 'if-match': '"7"' })).status).toBe(412);
    const renamed = await patchPolicy(p.id, { name: 'Gold' }, { 'if-match': `"${p.version}"` });
    expect(renamed.body).toMatchObject({ name: 'Gold', version: p.version + 1 });
    expect((await createPolicy(policyBody(), ['Technician'])).status).toBe(403);
    expect((await patchPolicy(p.id, {})).status).toBe(400);
  });
});

describe('tickets under an SLA', () => {
  const office = async () => {
    const p = (await createPolicy(policyBody({ name: unique('Office'), isDefault: true, timezone: 'America/New_York', hours: OFFICE, holidays: ['2026-12-25'] }))).body;
    return p as { id: string; timezone: string; hours: typeof OFFICE; holidays: string[]; targets: ReturnType<typeof targets> };
  };

  it('gets due times in business hours from creation, recomputed when the priority changes', async () => {
    const policy = await office();
    const co = await company();
    const t = await ticket(co.id, { priority: 'high' });
    expect(t.sla).toMatchObject({ policyId: policy.id, ...dueTimes(t.createdAt, 'high', policy as never), firstResponseAt: null, resolvedAt: null, responseBreached: false, resolutionBreached: false });

    const raised = await patchTicket(t.id, { priority: 'low' });
    expect(raised.status).toBe(200);
    expect(raised.body.sla).toMatchObject(dueTimes(t.createdAt, 'low', policy as never));
    expect(raised.body.version).toBe(t.version + 1);
    // Another change leaves the clock as it is.
    expect((await patchTicket(t.id, { subject: 'Printer still on fire' })).body.sla).toEqual(raised.body.sla);
  });

  it('costs a new ticket no read beyond the company: the default policy comes with it, a policy of its own by one GetItem', async () => {
    const p = (await createPolicy(policyBody({ isDefault: true }))).body;
    // A change of the default policy reaches the copy new tickets read.
    const changed = (await patchPolicy(p.id, { targets: targets(40, 120) })).body;
    const co = await company();
    engines.requests.reset();
    const t = await ticket(co.id);
    expect(engines.requests.calls).toEqual(['BatchGetItem', 'TransactWriteItems']);
    expect(t.sla).toMatchObject({ policyId: p.id, ...dueTimes(t.createdAt, 'medium', changed) });

    const own = (await createPolicy(policyBody({ targets: targets(80, 600) }))).body;
    await call({ route: 'PUT /v1/companies/{id}/settings', params: { id: co.id }, body: { slaPolicyId: own.id } });
    engines.requests.reset();
    const t2 = await ticket(co.id);
    expect(engines.requests.calls).toEqual(['BatchGetItem', 'GetItem', 'TransactWriteItems']);
    expect(t2.sla!.policyId).toBe(own.id);
  });

  it('takes the first public staff comment as the first response; internal notes and later comments do not count', async () => {
    await createPolicy(policyBody({ isDefault: true }));
    const t = await ticket((await company()).id);
    expect((await comment(t.id, 'internal')).status).toBe(201);
    expect((await getTicket(t.id)).sla!.firstResponseAt).toBeNull();
    const first = await comment(t.id, 'public');
    expect(first.status).toBe(201);
    const answered = await getTicket(t.id);
    expect(answered.sla).toMatchObject({ firstResponseAt: first.body.createdAt, responseBreached: false });
    expect(answered.version).toBe(t.version + 1);
    await comment(t.id, 'public');
    expect((await getTicket(t.id)).sla!.firstResponseAt).toBe(first.body.createdAt);
  });

  it('stops the resolution clock when resolved, and starts it again when reopened', async () => {
    await createPolicy(policyBody({ isDefault: true }));
    const t = await ticket((await company()).id);
    const resolved = (await patchTicket(t.id, { status: 'resolved' })).body as Ticket;
    expect(resolved.sla!.resolvedAt).toBe(resolved.updatedAt);
    expect(resolved.sla!.resolutionBreached).toBe(false);
    const reopened = (await patchTicket(t.id, { status: 'open' })).body as Ticket;
    expect(reopened.sla!.resolvedAt).toBeNull();
  });

  it('gives a portal ticket its company’s clock as well', async () => {
    // The portal route's own tests (test/e2e/portal-tickets) go through Cognito; the record service is the same one.
    await createPolicy(policyBody({ isDefault: true }));
    const t = await ticket((await company()).id, { priority: 'critical' });
    expect(Date.parse(t.sla!.responseDueAt) - Date.parse(t.createdAt)).toBe(15 * MIN);
  });
});

describe('the breach check', () => {
  it('flags overdue targets once, moves the ticket on the index, and the list filters follow', async () => {
    await createPolicy(policyBody({ isDefault: true })); // 24x7, medium: response 60, resolution 240 minutes
    const co = await company();
    const late = await ticket(co.id);
    const answered = await ticket(co.id);
    await comment(answered.id, 'public');
    const fine = await ticket(co.id, { priority: 'low' }); // response 120 minutes

    expect(await list({ companyId: co.id, slaBreached: 'true' })).toEqual([]);
    expect(await list({ dueBefore: plus(late.createdAt, 61) })).toEqual(expect.arrayContaining([late.id]));
    expect(await list({ dueBefore: plus(late.createdAt, 61) })).not.toContain(fine.id);

    const at90 = plus(late.createdAt, 90);
    const first = await checkSlaBreaches(at90);
    expect(first.flagged).toBeGreaterThanOrEqual(1);
    expect((await getTicket(late.id)).sla).toMatchObject({ responseBreached: true, resolutionBreached: false });
    expect((await getTicket(answered.id)).sla).toMatchObject({ responseBreached: false });
    expect((await getTicket(fine.id)).sla).toMatchObject({ responseBreached: false });

    // Nothing is flagged twice: the second run at the same instant reads nothing of these.
    expect((await checkSlaBreaches(at90)).flagged).toBe(0);

    expect(await list({ companyId: co.id, slaBreached: 'true' })).toEqual([late.id]);
    expect(await list({ slaBreached: 'true' })).toContain(late.id);
    expect(await list({ slaBreached: 'false' })).not.toContain(late.id);
    expect(await list({ companyId: co.id, slaBreached: 'false' })).toEqual(expect.arrayContaining([answered.id, fine.id]));

    await checkSlaBreaches(plus(late.createdAt, 300));
    expect((await getTicket(late.id)).sla).toMatchObject({ responseBreached: true, resolutionBreached: true });
    expect((await getTicket(answered.id)).sla).toMatchObject({ responseBreached: false, resolutionBreached: true });
    // Resolved: off the index; its flags stay as they were.
    await patchTicket(late.id, { status: 'resolved' });
    expect(await list({ slaBreached: 'true' })).not.toContain(late.id);
    expect((await getTicket(late.id)).sla!.responseBreached).toBe(true);
  });

  it('leaves an archived company’s tickets exactly as they are', async () => {
    await createPolicy(policyBody({ isDefault: true }));
    const co = await company();
    const t = await ticket(co.id);
    await archiveDirectly(co.id);
    const report = await checkSlaBreaches(plus(t.createdAt, 600));
    expect(report.skipped).toBeGreaterThanOrEqual(1);
    const after = await getTicket(t.id);
    expect(after.version).toBe(t.version);
    expect(after.sla).toEqual(t.sla);
  });

  it('refuses an SLA filter with a company and a contact at once, and a list with neither and no SLA filter', async () => {
    expect((await call({ route: 'GET /v1/tickets', query: {} })).status).toBe(400);
    expect((await call({ route: 'GET /v1/tickets', query: { dueBefore: 'tomorrow' } })).status).toBe(400);
    expect((await call({ route: 'GET /v1/tickets', query: { slaBreached: 'yes' } })).status).toBe(400);
  });
});
