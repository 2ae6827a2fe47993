/**
 * Contacts, primary contacts and related records on a real DynamoDB Local: unique emails in the
 * database, counters kept exact by the same transaction as every create, move, status change
 * and delete (also under 60 concurrent writes), and mass-assignment refused.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';
import { archiveDirectly } from '../helpers/data';
import { LIST_BUCKETS } from '../../shared/db/keys';

const engines = useEngines();

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const email = (label: string) => `${label.toLowerCase().replace(/\W+/g, '.')}.${run}.${++n}@example.com`;

const company = async (label = 'Co') => (await call({ route: 'POST /v1/companies', body: { name: unique(label) } })).body as { id: string; name: string };
const contact = async (body: Record<string, unknown>) => call({ route: 'POST /v1/contacts', body: { firstName: 'Jane', lastName: 'Doe', email: email('jane'), ...body }, groups: ['Technician'] });
const getCompany = async (id: string) => (await call({ route: 'GET /v1/companies/{id}', params: { id } })).body;
const getContact = async (id: string) => (await call({ route: 'GET /v1/contacts/{id}', params: { id } })).body;

describe('contacts', () => {
  it('creates a contact in a company and counts it, in one transaction', async () => {
    const co = await company();
    engines.requests.reset();
    const res = await contact({ companyId: co.id, email: 'Jane.Doe+X@Example.COM', phone: '+44 20 7946 0000' });
    expect(res.status).toBe(201);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect(res.body).toMatchObject({
      companyId: co.id,
      email: 'jane.doe+x@example.com',
      status: 'active',
      portal: { status: 'none', invitedAt: null, activatedAt: null },
      counts: { tickets: 0, assets: 0 },
      source: 'manual',
      externalId: null,
      version: 1,
    });
    expect(res.headers.location).toBe(`/v1/contacts/${res.body.id}`);
    expect((await getCompany(co.id)).counts.contacts).toBe(1);
  });

  it('refuses an email already held, whatever its case, and writes nothing', async () => {
    const co = await company();
    const address = email('dup');
    expect((await contact({ email: address, companyId: co.id })).status).toBe(201);
    const again = await contact({ email: address.toUpperCase(), companyId: co.id });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONTACT_EMAIL_TAKEN');
    expect((await getCompany(co.id)).counts.contacts).toBe(1);
    const racers = await Promise.all(Array.from({ length: 8 }, () => contact({ email: `same.${run}@example.com` })));
    expect(racers.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it('refuses an unknown or archived company, an invalid email and mass-assignment', async () => {
    const unknown = await contact({ companyId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'UNKNOWN_COMPANY' } });
    const co = await company();
    await archiveDirectly(co.id);
    expect((await contact({ companyId: co.id })).body.code).toBe('COMPANY_ARCHIVED');
    const bad = await contact({ email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ in: 'body', path: '/email' });
    for (const field of ['counts', 'status', 'portal', 'version', 'source']) {
      const res = await contact({ [field]: field === 'counts' ? { tickets: 99 } : 'x' });
      expect(res.status, field).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(`/${field}`);
    }
    const active = await company();
    const c = (await contact({ companyId: active.id })).body;
    const patch = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: c.id }, body: { counts: { tickets: 5 } }, groups: ['Technician'] });
    expect(patch.status).toBe(400);
  });

  it('lists a company’s contacts by last name and the unassigned ones: one Query per bucket and one BatchGetItem', async () => {
    const co = await company();
    for (const lastName of ['Young', 'adams', 'Miller']) await contact({ companyId: co.id, lastName });
    const loner = (await contact({ lastName: `Zz${run}` })).body;
    engines.requests.reset();
    const res = await call({ route: 'GET /v1/companies/{id}/contacts', params: { id: co.id } });
    expect(res.body.items.map((c: { lastName: string }) => c.lastName)).toEqual(['adams', 'Miller', 'Young']);
    expect(engines.requests.calls).toEqual([...Array(LIST_BUCKETS).fill('Query'), 'BatchGetItem']);
    const unassigned = await call({ route: 'GET /v1/contacts', query: { unassigned: 'true', q: `zz${run}` } });
    expect(unassigned.body.items.map((c: { id: string }) => c.id)).toEqual([loner.id]);
    const byFirst = await call({ route: 'GET /v1/contacts', query: { companyId: co.id, q: 'JAN' } });
    expect(byFirst.body.items).toHaveLength(3);
  });

  it('moves a contact: both companies’ counts follow; an archived destination is refused', async () => {
    const a = await company('A');
    const b = await company('B');
    const c = (await contact({ companyId: a.id })).body;
    const moved = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: c.id }, body: { companyId: b.id }, headers: { 'if-match': '"1"' }, groups: ['Technician'] });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ companyId: b.id, version: 2 });
    expect((await getCompany(a.id)).counts.contacts).toBe(0);
    expect((await getCompany(b.id)).counts.contacts).toBe(1);
    const archived = await company('Z');
    await archiveDirectly(archived.id);
    const refused = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: c.id }, body: { companyId: archived.id }, groups: ['Technician'] });
    expect(refused.body.code).toBe('COMPANY_ARCHIVED');
    expect((await getContact(c.id)).companyId).toBe(b.id);
    const unassigned = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: c.id }, body: { companyId: null }, groups: ['Technician'] });
    expect(unassigned.body.companyId).toBeNull();
    expect((await getCompany(b.id)).counts.contacts).toBe(0);
  });

  it('keeps one primary contact that belongs to the company, cleared when it moves away or is deleted', async () => {
    const a = await company('P');
    const b = await company('Q');
    const c1 = (await contact({ companyId: a.id })).body;
    const other = (await contact({ companyId: b.id })).body;
    const set = await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: a.id }, body: { contactId: c1.id } });
    expect(set.status).toBe(200);
    expect(set.body.primaryContactId).toBe(c1.id);
    const wrong = await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: a.id }, body: { contactId: other.id } });
    expect(wrong).toMatchObject({ status: 409, body: { code: 'CONTACT_NOT_IN_COMPANY' } });
    const tech = await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: a.id }, body: { contactId: c1.id }, groups: ['Technician'] });
    expect(tech).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ROLE' } });

    await call({ route: 'PATCH /v1/contacts/{id}', params: { id: c1.id }, body: { companyId: b.id } });
    expect((await getCompany(a.id)).primaryContactId).toBeNull();
    const audit = await call({ route: 'GET /v1/companies/{id}/audit', params: { id: a.id } });
    expect(audit.body.items[0]).toMatchObject({ action: 'company.updated', changes: { primaryContactId: { from: c1.id, to: null } } });

    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: b.id }, body: { contactId: other.id } });
    expect((await call({ route: 'DELETE /v1/contacts/{id}', params: { id: other.id } })).status).toBe(204);
    expect((await getCompany(b.id)).primaryContactId).toBeNull();
    expect((await getCompany(b.id)).counts.contacts).toBe(1);
  });

  it('sets the primary contact under If-Match in one transaction (and one read for the response), refusals in one request', async () => {
    const a = await company('PI');
    const b = await company('QI');
    const c1 = (await contact({ companyId: a.id })).body;
    const other = (await contact({ companyId: b.id })).body;
    const put = (contactId: string, version: number) =>
      call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: a.id }, body: { contactId }, headers: { 'if-match': `"${version}"` } });
    engines.requests.reset();
    const set = await put(c1.id, 1);
    expect(set).toMatchObject({ status: 200, body: { primaryContactId: c1.id, version: 2 } });
    expect(engines.requests.calls).toEqual(['TransactWriteItems', 'GetItem']);
    const audit = await call({ route: 'GET /v1/companies/{id}/audit', params: { id: a.id } });
    expect(audit.body.items[0]).toMatchObject({ changes: { primaryContactId: { to: c1.id } }, version: { from: 1, to: 2 } });

    for (const [contactId, version, expected] of [
      [other.id, 2, { status: 409, body: { code: 'CONTACT_NOT_IN_COMPANY' } }],
      [c1.id, 1, { status: 412, body: { code: 'VERSION_MISMATCH' } }],
      [c1.id, 2, { status: 200, body: { primaryContactId: c1.id, version: 2 } }], // already so: nothing written
    ] as const) {
      engines.requests.reset();
      expect(await put(contactId, version)).toMatchObject(expected);
      expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    }
    expect((await getCompany(a.id)).version).toBe(2);

    // Prefer: return=minimal: the change is the transaction alone, answered 204 with the new ETag.
    const c2 = (await contact({ companyId: a.id })).body;
    engines.requests.reset();
    const minimal = await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: a.id }, body: { contactId: c2.id }, headers: { 'if-match': '"2"', prefer: 'return=minimal' } });
    expect(minimal).toMatchObject({ status: 204, body: '', headers: { etag: '"3"', 'preference-applied': 'return=minimal' } });
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect(await getCompany(a.id)).toMatchObject({ primaryContactId: c2.id, version: 3 });
  });

  it('deactivates and activates', async () => {
    const c = (await contact({})).body;
    const off = await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: c.id }, groups: ['Technician'] });
    expect(off.body.status).toBe('inactive');
    const on = await call({ route: 'POST /v1/contacts/{id}/activate', params: { id: c.id }, groups: ['Technician'] });
    expect(on.body.status).toBe('active');
    const list = await call({ route: 'GET /v1/contacts', query: { unassigned: 'true', status: 'inactive' } });
    expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(c.id);
  });
});

describe('related records and exact counts', () => {
  const ticket = (body: Record<string, unknown>) => call({ route: 'POST /v1/tickets', body: { subject: 'Printer on fire', ...body }, groups: ['Technician'] });

  it('counts tickets, open tickets and assets on the company and the contact, in the same transaction', async () => {
    const co = await company();
    const c = (await contact({ companyId: co.id })).body;
    engines.requests.reset();
    const t = await ticket({ companyId: co.id, contactId: c.id, priority: 'high' });
    expect(t.status).toBe(201);
    // The company (its default contract and settings) with the default SLA policy's pointer in one read, then the one transaction.
    expect(engines.requests.calls).toEqual(['BatchGetItem', 'TransactWriteItems']);
    expect(t.body).toMatchObject({ companyId: co.id, contactId: c.id, status: 'open', priority: 'high', description: null });
    await call({ route: 'POST /v1/assets', body: { companyId: co.id, contactId: c.id, name: 'LAPTOP-01', kind: 'computer' } });
    expect((await getCompany(co.id)).counts).toEqual({ contacts: 1, activeContacts: 1, tickets: 1, openTickets: 1, assets: 1 });
    expect((await getContact(c.id)).counts).toEqual({ tickets: 1, assets: 1 });

    const resolved = await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.body.id }, body: { status: 'resolved' }, headers: { 'if-match': '"1"' } });
    expect(resolved.body.status).toBe('resolved');
    expect((await getCompany(co.id)).counts).toMatchObject({ tickets: 1, openTickets: 0 });
    const stale = await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.body.id }, body: { status: 'open' }, headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
  });

  it('refuses a contact of another company, an unknown contact, and an archived company', async () => {
    const a = await company();
    const b = await company();
    const cb = (await contact({ companyId: b.id })).body;
    expect((await ticket({ companyId: a.id, contactId: cb.id })).body.code).toBe('CONTACT_NOT_IN_COMPANY');
    expect((await ticket({ companyId: a.id, contactId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).body.code).toBe('UNKNOWN_CONTACT');
    expect((await ticket({ companyId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).body.code).toBe('UNKNOWN_COMPANY');
    await archiveDirectly(b.id);
    expect((await ticket({ companyId: b.id })).body.code).toBe('COMPANY_ARCHIVED');
    const t = (await ticket({ companyId: a.id })).body;
    expect((await call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.id }, body: { companyId: b.id } })).body.code).toBe('COMPANY_ARCHIVED');
    expect((await call({ route: 'POST /v1/invoices', body: { companyId: b.id, number: 'INV-1', total: '10' } })).body.code).toBe('COMPANY_ARCHIVED');
    expect((await getCompany(a.id)).counts.tickets).toBe(1);
  });

  it('stores money as decimal strings and refuses floats', async () => {
    const co = await company();
    const inv = await call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: 'INV-1001', total: '1250', dueDate: '2026-12-31' } });
    expect(inv.body).toMatchObject({ total: '1250.00', balance: '1250.00', status: 'draft', dueDate: '2026-12-31' });
    expect((await call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: 'X', total: 12.5 } })).status).toBe(400);
    const tech = await call({ route: 'POST /v1/invoices', body: { companyId: co.id, number: 'X', total: '1' }, groups: ['Technician'] });
    expect(tech.status).toBe(403);
    const list = await call({ route: 'GET /v1/invoices', query: { companyId: co.id } });
    expect(list.body.items).toHaveLength(1);
    expect((await call({ route: 'GET /v1/invoices', query: {} })).status).toBe(400);
  });

  it('keeps a deleted contact’s tickets and assets, unlinked from it', async () => {
    const co = await company();
    const c = (await contact({ companyId: co.id })).body;
    const t = (await ticket({ companyId: co.id, contactId: c.id })).body;
    const asset = (await call({ route: 'POST /v1/assets', body: { companyId: co.id, contactId: c.id, name: 'PHONE' } })).body;
    expect((await call({ route: 'DELETE /v1/contacts/{id}', params: { id: c.id } })).status).toBe(204);
    expect((await call({ route: 'GET /v1/tickets/{id}', params: { id: t.id } })).body.contactId).toBeNull();
    expect((await call({ route: 'GET /v1/assets/{id}', params: { id: asset.id } })).body.contactId).toBeNull();
    expect((await getCompany(co.id)).counts).toEqual({ contacts: 0, activeContacts: 0, tickets: 1, openTickets: 1, assets: 1 });
    expect((await call({ route: 'GET /v1/contacts/{id}', params: { id: c.id } })).status).toBe(404);
  });

  it('keeps every counter exact under 60 concurrent creates, status changes and moves', async () => {
    const companies = [await company('X'), await company('Y')];
    const contacts = await Promise.all(companies.flatMap((co) => [0, 1].map(async () => ({ id: (await contact({ companyId: co.id })).body.id as string, companyId: co.id }))));
    const seeded = await Promise.all(Array.from({ length: 10 }, (_, i) => ticket({ companyId: companies[0]!.id, contactId: contacts[i % 2]!.id })));
    const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      const ct = pick(contacts, i);
      ops.push(i % 4 === 0 ? call({ route: 'POST /v1/assets', body: { companyId: ct.companyId, contactId: ct.id, name: `A${i}` } }) : ticket({ companyId: ct.companyId, contactId: ct.id, status: pick(['open', 'in_progress', 'resolved'], i) }));
    }
    for (const [i, t] of seeded.entries()) {
      const target = pick(contacts, i + 1);
      ops.push(call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.body.id }, body: i % 2 ? { companyId: target.companyId, contactId: target.id } : { status: 'closed' } }));
      ops.push(call({ route: 'PATCH /v1/tickets/{id}', params: { id: t.body.id }, body: { priority: 'critical' } }));
    }
    const results = (await Promise.all(ops)) as { status: number; body: { code?: string } }[];
    expect(results.length).toBeGreaterThanOrEqual(60);
    // Two PATCHes of the same ticket race: the one that read the older version is refused, never applied unseen.
    expect(results.filter((r) => r.status >= 300 && !(r.status === 409 && r.body.code === 'CONCURRENT_CHANGE'))).toEqual([]);

    // Recount from the records themselves and compare with the stored counters.
    for (const co of companies) {
      const tickets = (await call({ route: 'GET /v1/tickets', query: { companyId: co.id, limit: '100' } })).body.items as { status: string }[];
      const assets = (await call({ route: 'GET /v1/assets', query: { companyId: co.id, limit: '100' } })).body.items;
      expect((await getCompany(co.id)).counts).toEqual({
        contacts: 2,
        activeContacts: 2,
        tickets: tickets.length,
        openTickets: tickets.filter((t) => ['open', 'in_progress'].includes(t.status)).length,
        assets: assets.length,
      });
    }
    for (const ct of contacts) {
      const tickets = (await call({ route: 'GET /v1/tickets', query: { contactId: ct.id, limit: '100' } })).body.items;
      const assets = (await call({ route: 'GET /v1/assets', query: { contactId: ct.id, limit: '100' } })).body.items;
      expect((await getContact(ct.id)).counts).toEqual({ tickets: tickets.length, assets: assets.length });
    }
  });
});
