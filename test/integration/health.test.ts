/**
 * Health (API.md v1.1) on a real DynamoDB Local: signals feed their components (the latest by
 * `observedAt` wins), tickets resolved late and unpaid invoices move the service and financial
 * components through the counters their own transactions keep, an archived company takes no
 * signal, and each day's score is kept for the trend (on a signal, and by the nightly run).
 */
import { describe, expect, it } from 'vitest';
import { handler as snapshotHandler } from '../../functions/health/snapshot-health';
import { checkSlaBreaches } from '../../shared/sla/sla-breach-check';
import { archiveDirectly } from '../helpers/data';
import { call, lambdaContext } from '../helpers/http-event';
import { useEngines } from '../support/engines';

useEngines();

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const targets = { critical: { responseMinutes: 15, resolutionMinutes: 60 }, high: { responseMinutes: 30, resolutionMinutes: 120 }, medium: { responseMinutes: 60, resolutionMinutes: 240 }, low: { responseMinutes: 120, resolutionMinutes: 480 } };

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Health Co') } })).body as { id: string; name: string };
const health = async (id: string) => {
  const res = await call({ route: 'GET /v1/companies/{id}/health', params: { id } });
  expect(res.status).toBe(200);
  return res.body as { score: number | null; components: { key: string; weight: number; score: number | null; reasons: string[] }[] };
};
const component = async (id: string, key: string) => (await health(id)).components.find((c) => c.key === key)!;
const signal = (id: string, body: unknown) => call({ route: 'POST /v1/companies/{id}/signals', params: { id }, body });
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe('health', () => {
  it('has no score without data, and takes the latest signal of each kind', async () => {
    const co = await company();
    expect(await health(co.id)).toMatchObject({ score: null });
    expect((await call({ route: 'GET /v1/companies/{id}/health', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
    expect((await call({ route: 'GET /v1/companies/{id}/health/history', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);

    const fresh = await signal(co.id, { kind: 'backups', observedAt: hoursAgo(1), successRate: 1, lastSuccessAt: hoursAgo(2) });
    expect(fresh.status).toBe(202);
    expect(fresh.body).toMatchObject({ kind: 'backups', current: true });
    // An older observation arriving late is kept out.
    expect((await signal(co.id, { kind: 'backups', observedAt: hoursAgo(5), successRate: 0.1, lastSuccessAt: null })).body.current).toBe(false);
    const h = await health(co.id);
    expect(h.score).toBe(100);
    expect(h.components.find((c) => c.key === 'backups')).toMatchObject({ weight: 100, score: 100 });

    await signal(co.id, { kind: 'security', observedAt: hoursAgo(1), openThreats: 2, criticalVulnerabilities: 0 });
    await signal(co.id, { kind: 'endpoints', observedAt: hoursAgo(1), total: 10, healthy: 10, patchCompliance: 1 });
    // backups 15 → 100, security 20 → 50, endpoints 20 → 100: (1500 + 1000 + 2000) / 55.
    expect((await health(co.id)).score).toBe(82);

    const bad = await signal(co.id, { kind: 'endpoints', observedAt: hoursAgo(1), total: 10, healthy: 11, patchCompliance: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/healthy', '/patchCompliance']);
    expect((await signal(co.id, { kind: 'weather', observedAt: hoursAgo(1) })).status).toBe(400);
    // From the future it would shadow every real signal: refused. A share too small for DynamoDB is 0.
    expect((await signal(co.id, { kind: 'security', observedAt: hoursAgo(-24), openThreats: 0, criticalVulnerabilities: 0 })).body.errors[0].path).toBe('/observedAt');
    expect((await signal(co.id, { kind: 'backups', observedAt: hoursAgo(3), successRate: 1e-300, lastSuccessAt: null })).status).toBe(202);
    expect((await call({ route: 'POST /v1/companies/{id}/signals', params: { id: co.id }, body: { kind: 'security', observedAt: hoursAgo(1), openThreats: 0, criticalVulnerabilities: 0 }, groups: ['Technician'] })).status).toBe(403);

    const history = (await call({ route: 'GET /v1/companies/{id}/health/history', params: { id: co.id } })).body.items;
    expect(history).toEqual([expect.objectContaining({ date: new Date().toISOString().slice(0, 10), score: 82 })]);

    await archiveDirectly(co.id);
    expect((await signal(co.id, { kind: 'security', observedAt: new Date().toISOString(), openThreats: 0, criticalVulnerabilities: 0 })).body.code).toBe('COMPANY_ARCHIVED');
  });

  it('follows tickets resolved late and open past their target, and unpaid invoices', async () => {
    await call({ route: 'POST /v1/sla-policies', body: { name: unique('24x7'), timezone: 'UTC', hours: '24x7', targets, isDefault: true } });
    const co = await company();
    const contact = (await call({ route: 'POST /v1/contacts', body: { firstName: 'Ann', lastName: 'Lee', email: `${unique('ann').replace(/ /g, '.')}@example.com`, companyId: co.id } })).body;
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: contact.id } });
    expect((await component(co.id, 'service')).score).toBeNull();

    const onTime = (await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'Quick one' } })).body;
    await call({ route: 'PATCH /v1/tickets/{id}', params: { id: onTime.id }, body: { status: 'resolved' } });
    const late = (await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'Slow one' } })).body;
    // Its resolution target passes (the check flags it): open and breached.
    await checkSlaBreaches(new Date(Date.parse(late.createdAt) + 300 * 60_000).toISOString());
    expect(await component(co.id, 'service')).toMatchObject({ score: 85, reasons: ['100% of 1 resolved ticket met the resolution target', expect.stringMatching(/^Average resolution/), '1 open ticket past an SLA target', '1 open ticket'] });
    await call({ route: 'PATCH /v1/tickets/{id}', params: { id: late.id }, body: { status: 'resolved' } });
    expect(await component(co.id, 'service')).toMatchObject({ score: 25, reasons: expect.arrayContaining(['50% of 2 resolved tickets met the resolution target', '0 open tickets']) });
    // Reopened: its resolution leaves the counters again.
    await call({ route: 'PATCH /v1/tickets/{id}', params: { id: late.id }, body: { status: 'open' } });
    expect((await component(co.id, 'service')).reasons[0]).toBe('100% of 1 resolved ticket met the resolution target');

    expect((await component(co.id, 'financial')).score).toBeNull();
    const inv = (await call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: unique('INV'), total: '400.00' } })).body;
    const inv2 = (await call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: unique('INV'), total: '100.00' } })).body;
    for (const i of [inv, inv2]) await call({ route: 'PATCH /v1/invoices/{id}', params: { id: i.id }, body: { status: 'sent' } });
    expect((await call({ route: 'POST /v1/invoices/{id}/payments', params: { id: inv2.id }, body: { amount: '100.00', date: new Date().toISOString().slice(0, 10), method: 'card' } })).status).toBe(201);
    expect(await component(co.id, 'financial')).toMatchObject({ score: 50, reasons: ['1 invoice of 2 unpaid', 'Owed: 400.00 USD'] });
  });

  it('keeps every active company’s score of the day, nightly', async () => {
    const co = await company();
    await signal(co.id, { kind: 'security', observedAt: hoursAgo(1), openThreats: 0, criticalVulnerabilities: 1 });
    const report = (await snapshotHandler({} as never, lambdaContext)) as { companies: number };
    expect(report.companies).toBeGreaterThanOrEqual(1);
    const history = (await call({ route: 'GET /v1/companies/{id}/health/history', params: { id: co.id } })).body.items;
    expect(history).toEqual([expect.objectContaining({ score: 90 })]);
  });
});
