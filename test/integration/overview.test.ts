/**
 * Onboarding and the Client 360 (API.md v1.1) on a real DynamoDB Local: each onboarding step
 * follows the data it is derived from, back and forth, and the 360 shows the company, its
 * tickets, contracts and next renewal, balance, health, onboarding and integrations from at most
 * three DynamoDB requests (counted by the request counter).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV, resetEnvCache } from '../../shared/env';
import { handler as setupHandler } from '../../functions/portal/complete-setup';
import { addDays } from '../../shared/billing/calendar';
import { call, invoke, httpEvent } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true, cognito: true });
beforeAll(() => {
  process.env[ENV.PORTAL_URL] = 'http://portal.test';
  resetEnvCache();
});

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const today = () => new Date().toISOString().slice(0, 10);
const targets = { critical: { responseMinutes: 15, resolutionMinutes: 60 }, high: { responseMinutes: 30, resolutionMinutes: 120 }, medium: { responseMinutes: 60, resolutionMinutes: 240 }, low: { responseMinutes: 120, resolutionMinutes: 480 } };

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Onboard Co') } })).body as { id: string; name: string };
const contact = async (companyId: string) =>
  (await call({ route: 'POST /v1/contacts', body: { firstName: 'Sam', lastName: unique('Lee'), email: `${unique('sam').replace(/ /g, '.')}@client.example`, companyId } })).body as { id: string; email: string };
const steps = async (id: string) => {
  const res = await call({ route: 'GET /v1/companies/{id}/onboarding', params: { id } });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.steps as { key: string; done: boolean }[]).map((s) => [s.key, s.done])) as Record<string, boolean>;
};
const contract = async (companyId: string, more: Record<string, unknown> = {}) => {
  const made = (await call({ route: 'POST /v1/companies/{id}/contracts', params: { id: companyId }, body: { name: unique('Managed'), type: 'managed_services', startDate: addDays(today(), -30), lineItems: [{ description: 'Fee', kind: 'fixed', unitPrice: '100' }], ...more } })).body;
  return (await call({ route: 'POST /v1/contracts/{id}/activate', params: { id: made.id } })).body as { id: string; name: string; endDate: string | null };
};

describe('onboarding', () => {
  it('derives every step from data, and undoes a step when its data goes', async () => {
    const co = await company();
    expect(await steps(co.id)).toEqual({ record: false, contacts: false, contract: false, sla: false, portal: false, assets: false, notifications: false });

    const first = await contact(co.id);
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: co.id }, body: { contactId: first.id } });
    await contact(co.id);
    const c = await contract(co.id);
    await call({ route: 'POST /v1/sla-policies', body: { name: unique('Std'), timezone: 'UTC', hours: '24x7', targets } });
    await call({ route: 'POST /v1/assets', body: { companyId: co.id, name: 'PC-1' } });
    await call({ route: 'PUT /v1/companies/{id}/settings', params: { id: co.id }, body: { notificationRules: [{ event: 'ticket.created', notify: 'primary' }] } });
    // Portal access: invited, then set up with the link the invitation mail carries (as the mail queue holds it).
    expect((await call({ route: 'POST /v1/contacts/{id}/invite', params: { id: first.id } })).status).toBe(202);
    expect((await steps(co.id)).portal).toBe(false); // invited is not set up
    const mails = (await engines.queues.take('mail')).Records.map((r) => JSON.parse(r.body) as { to: string[]; text: string });
    const token = /[?&]token=([\w-]+)/.exec(mails.find((m) => m.to.includes(first.email))!.text)![1]!;
    expect((await invoke(setupHandler as never, httpEvent({ route: 'POST /v1/public/portal/setup', body: { token, password: 'Portal-Pa55word!' } }))).status).toBe(200);

    const all = await call({ route: 'GET /v1/companies/{id}/onboarding', params: { id: co.id } });
    expect(all.body).toMatchObject({ done: 7, total: 7 });
    expect(all.body.steps.find((s: { key: string }) => s.key === 'sla').detail).toMatch(/^The default SLA policy/);

    // Data changes, steps follow: the contract cancelled, the portal contact deactivated.
    await call({ route: 'POST /v1/contracts/{id}/cancel', params: { id: c.id } });
    await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: first.id } });
    expect(await steps(co.id)).toMatchObject({ contract: false, portal: false, record: true });
  });
});

describe('the Client 360', () => {
  it('shows the whole client from at most three DynamoDB requests', async () => {
    const co = await company();
    const c1 = await contract(co.id, { endDate: addDays(today(), 90), autoRenew: true, renewalTermMonths: 12, noticeDays: 30 });
    await contract(co.id, { endDate: addDays(today(), 200) });
    await call({ route: 'POST /v1/tickets', body: { companyId: co.id, subject: 'Printer' } });
    await call({ route: 'POST /v1/companies/{id}/signals', params: { id: co.id }, body: { kind: 'security', observedAt: new Date().toISOString(), openThreats: 0, criticalVulnerabilities: 0 } });

    engines.requests.reset();
    const res = await call({ route: 'GET /v1/companies/{id}/overview', params: { id: co.id } });
    expect(engines.requests.calls.length).toBeLessThanOrEqual(3);
    expect(engines.requests.calls.sort()).toEqual(['BatchGetItem', 'BatchGetItem', 'Query']);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      company: { id: co.id, name: co.name },
      tickets: { open: 1, breached: 0 },
      contracts: { more: false, nextRenewal: { contractId: c1.id, endDate: addDays(today(), 90), autoRenew: true, noticeDeadline: addDays(today(), 60) } },
      outstandingBalance: [],
      health: { score: 100 },
      onboarding: { total: 7 },
      integrations: { m365: null, quickbooks: null },
    });
    expect(res.body.contracts.active).toHaveLength(2);
    expect((await call({ route: 'GET /v1/companies/{id}/overview', params: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
  });
});
