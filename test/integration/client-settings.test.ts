/**
 * Client settings (API.md v1.1) on a real DynamoDB Local: a PUT replaces them whole as one
 * change of the company (version, audit, archived refused), the company's own billing fields
 * are the same data, what they name is checked (SLA policy, contacts, staff), and the settings
 * drive new tickets: the company's SLA policy and hours, auto-assignment. A policy a company
 * uses cannot be deleted until no settings name it (also after a permanent delete).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dueTimes } from '../../shared/sla/business-time';
import { archiveDirectly, setCompanyStatus } from '../helpers/data';
import { call } from '../helpers/http-event';
import { beforeNext } from '../helpers/db-requests';
import { useEngines } from '../support/engines';

const engines = useEngines({ queues: true, cognito: true });

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const MISSING = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const targets = { critical: { responseMinutes: 15, resolutionMinutes: 60 }, high: { responseMinutes: 30, resolutionMinutes: 120 }, medium: { responseMinutes: 60, resolutionMinutes: 240 }, low: { responseMinutes: 120, resolutionMinutes: 480 } };
const OFFICE = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']], sat: [], sun: [] };

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: unique('Settings Co') } })).body as { id: string; name: string; version: number };
const contact = async (companyId: string | null) => (await call({ route: 'POST /v1/contacts', body: { firstName: 'Pat', lastName: unique('Lee'), email: `${unique('pat').replace(/ /g, '.')}@example.com`, companyId } })).body as { id: string };
const getSettings = (id: string) => call({ route: 'GET /v1/companies/{id}/settings', params: { id } });
const putSettings = (id: string, body: unknown, headers?: Record<string, string>) => call({ route: 'PUT /v1/companies/{id}/settings', params: { id }, body, headers });
const policy = async (more: Record<string, unknown> = {}) =>
  (await call({ route: 'POST /v1/sla-policies', body: { name: unique('Policy'), timezone: 'Europe/London', hours: OFFICE, targets, ...more } })).body as { id: string; timezone: string; hours: typeof OFFICE; holidays: string[]; targets: typeof targets };
const ticket = async (companyId: string, more: Record<string, unknown> = {}) => (await call({ route: 'POST /v1/tickets', body: { companyId, subject: 'Help', ...more } })).body;

describe('client settings', () => {
  // Made before any directory read: the staff directory is cached, refreshed on a miss at most so often.
  let technicianId: string;
  beforeAll(async () => {
    technicianId = (await engines.cognito.addStaffUser(['Technician'])).sub;
  });
  it('are defaults until set, replaced whole by a PUT, as one audited change of the company', async () => {
    const co = await company();
    const initial = await getSettings(co.id);
    expect(initial.status).toBe(200);
    expect(initial.headers.etag).toBe(`"${co.version}"`);
    expect(initial.body).toEqual({
      companyId: co.id,
      slaPolicyId: null,
      businessHours: null,
      portal: { ticketCategories: null, showInvoices: true, showKnowledgeBase: true },
      notificationRules: [],
      billingRates: null,
      autoAssignment: null,
      billingContactId: null,
      version: co.version,
      updatedAt: expect.any(String),
    });

    const billing = await contact(co.id);
    const body = {
      businessHours: '24x7',
      portal: { ticketCategories: ['Hardware', 'Software'], showInvoices: false, showKnowledgeBase: true },
      notificationRules: [
        { event: 'ticket.created', notify: 'primary' },
        { event: 'invoice.sent', notify: { contactIds: [billing.id] } },
      ],
      billingRates: { hourlyRate: '125.00', afterHoursRate: '187.50' },
      billingContactId: billing.id,
    };
    const put = await putSettings(co.id, body, { 'if-match': `"${co.version}"` });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...body, version: co.version + 1, slaPolicyId: null, autoAssignment: null });
    // The company's own fields are the same data.
    const after = (await call({ route: 'GET /v1/companies/{id}', params: { id: co.id } })).body;
    expect(after).toMatchObject({ hourlyRate: '125.00', billingContactId: billing.id, version: co.version + 1 });
    const audit = (await call({ route: 'GET /v1/companies/{id}/audit', params: { id: co.id } })).body.items;
    expect(audit.find((e: { action: string }) => e.action === 'company.settings_updated').changes).toMatchObject({ businessHours: { from: null, to: '24x7' } });

    // The same PUT again changes nothing (no version, no audit); a stale If-Match is 412.
    expect((await putSettings(co.id, body)).body.version).toBe(co.version + 1);
    expect((await putSettings(co.id, {}, { 'if-match': `"${co.version}"` })).status).toBe(412);
    // A company PATCH of the same field shows in the settings.
    await call({ route: 'PATCH /v1/companies/{id}', params: { id: co.id }, body: { hourlyRate: '130.00' } });
    expect((await getSettings(co.id)).body.billingRates).toEqual({ hourlyRate: '130.00', afterHoursRate: '187.50' });
  });

  it('checks what they name: the policy, the contacts, the staff user, and the shape', async () => {
    const co = await company();
    const other = await contact(null);
    const bad = await putSettings(co.id, { slaPolicyId: MISSING });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'UNKNOWN_SLA_POLICY', errors: [{ in: 'body', path: '/slaPolicyId' }] });
    const unknown = await putSettings(co.id, { notificationRules: [{ event: 'ticket.resolved', notify: { contactIds: [MISSING] } }] });
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_CONTACT', errors: [{ path: '/notificationRules/0/notify/contactIds/0' }] });
    expect((await putSettings(co.id, { notificationRules: [{ event: 'ticket.resolved', notify: { contactIds: [other.id] } }] })).body.code).toBe('CONTACT_NOT_IN_COMPANY');
    expect((await putSettings(co.id, { billingContactId: other.id })).body.code).toBe('CONTACT_NOT_IN_COMPANY');
    expect((await putSettings(co.id, { autoAssignment: { queue: null, technicianId: 'nobody' } })).body.code).toBe('UNKNOWN_STAFF_USER');
    const shape = await putSettings(co.id, { notificationRules: [{ event: 'ticket.exploded', notify: 'everyone' }], portal: { ticketCategories: ['A', 'a'] }, colour: 'blue' });
    expect(shape.status).toBe(400);
    expect(shape.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['/notificationRules/0/event', '/notificationRules/0/notify', '/portal/ticketCategories', '/colour']));
    expect((await putSettings(MISSING, {})).status).toBe(404);
    // Nothing was written by any refusal.
    expect((await getSettings(co.id)).body.version).toBe(1);

    await archiveDirectly(co.id);
    expect((await putSettings(co.id, { businessHours: '24x7' })).body.code).toBe('COMPANY_ARCHIVED');
    await setCompanyStatus(co.id, 'active');
  });

  it("give new tickets the company's SLA policy and hours, and its queue and technician", async () => {
    const office = await policy();
    const co = await company();
    await putSettings(co.id, { slaPolicyId: office.id, autoAssignment: { queue: 'Servers', technicianId } });
    const t = await ticket(co.id, { priority: 'high' });
    expect(t.sla).toMatchObject({ policyId: office.id, ...dueTimes(t.createdAt, 'high', office as never) });
    expect(t).toMatchObject({ queue: 'Servers', assigneeId: technicianId });
    // Sent values win, null included.
    expect(await ticket(co.id, { queue: 'Network', assigneeId: null })).toMatchObject({ queue: 'Network', assigneeId: null });

    // Round-the-clock hours for this client: the policy's targets, counted 24x7.
    await putSettings(co.id, { slaPolicyId: office.id, businessHours: '24x7' });
    const premium = await ticket(co.id, { priority: 'high' });
    expect(Date.parse(premium.sla.responseDueAt) - Date.parse(premium.createdAt)).toBe(30 * 60_000);
  });

  it('keep a policy they name from being deleted, until no settings name it (a permanent delete releases it too)', async () => {
    const p = await policy();
    const [a, b] = [await company(), await company()];
    await putSettings(a.id, { slaPolicyId: p.id });
    await putSettings(b.id, { slaPolicyId: p.id });
    const refused = await call({ route: 'DELETE /v1/sla-policies/{id}', params: { id: p.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('SLA_POLICY_IN_USE');
    await putSettings(a.id, {});
    expect((await call({ route: 'DELETE /v1/sla-policies/{id}', params: { id: p.id } })).body.code).toBe('SLA_POLICY_IN_USE');
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: b.id }, body: {} });
    const deleted = await call({ route: 'DELETE /v1/companies/{id}', params: { id: b.id }, body: { confirmName: b.name }, groups: ['SuperAdmin'] });
    expect(deleted.status).toBe(202);
    expect((await call({ route: 'DELETE /v1/sla-policies/{id}', params: { id: p.id } })).status).toBe(204);
  });
});

describe('the permanent delete and the policy it releases', () => {
  it('is refused (409) when the settings changed between its read and its write, so no policy count drifts', async () => {
    const [p1, p2] = [await policy(), await policy()];
    const co = await company();
    await putSettings(co.id, { slaPolicyId: p1.id });
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id }, body: {} });
    // Between the delete's read and its transaction: restored, moved to another policy, archived again.
    beforeNext('TransactWriteItems', async () => {
      await call({ route: 'POST /v1/companies/{id}/restore', params: { id: co.id }, body: {} });
      await putSettings(co.id, { slaPolicyId: p2.id });
      await call({ route: 'POST /v1/companies/{id}/archive', params: { id: co.id }, body: {} });
    });
    const raced = await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] });
    expect(raced.status).toBe(409);
    expect(raced.body.code).toBe('CONCURRENT_CHANGE');
    // p1 is free (the settings left it), p2 is the company's until the delete, retried, releases it.
    expect((await call({ route: 'DELETE /v1/sla-policies/{id}', params: { id: p1.id } })).status).toBe(204);
    expect((await call({ route: 'DELETE /v1/sla-policies/{id}', params: { id: p2.id } })).body.code).toBe('SLA_POLICY_IN_USE');
    expect((await call({ route: 'DELETE /v1/companies/{id}', params: { id: co.id }, body: { confirmName: co.name }, groups: ['SuperAdmin'] })).status).toBe(202);
    expect((await call({ route: 'DELETE /v1/sla-policies/{id}', params: { id: p2.id } })).status).toBe(204);
  });
});

describe('MSP-wide settings', () => {
  it("hold the MSP's categories at a version, and show the deployment's time zone and currency, which only a deploy changes", async () => {
    const initial = await call({ route: 'GET /v1/settings' });
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ timezone: expect.any(String), currency: expect.any(String), categories: [], version: 0, updatedAt: null });
    expect((await call({ route: 'PUT /v1/settings', body: { categories: ['Hardware'] }, groups: ['Technician'] })).status).toBe(403);
    const put = await call({ route: 'PUT /v1/settings', body: { categories: ['Hardware', 'Email'], timezone: initial.body.timezone }, headers: { 'if-match': '"0"' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ categories: ['Hardware', 'Email'], version: 1 });
    expect(put.headers.etag).toBe('"1"');
    expect((await call({ route: 'PUT /v1/settings', body: { categories: [] }, headers: { 'if-match': '"0"' } })).status).toBe(412);
    const moved = await call({ route: 'PUT /v1/settings', body: { currency: initial.body.currency === 'EUR' ? 'USD' : 'EUR' } });
    expect(moved.status).toBe(409);
    expect(moved.body.code).toBe('DEPLOYMENT_SETTING');
    expect((await call({ route: 'PUT /v1/settings', body: { categories: ['a', 'A'] } })).status).toBe(400);
    expect((await call({ route: 'GET /v1/settings' })).body).toMatchObject({ categories: ['Hardware', 'Email'], version: 1 });
  });
});
