/**
 * CRM sync, inbound (API.md "CRM sync", issue 17): `PUT /v1/external/{system}/companies|contacts/{externalId}`
 * on a real DynamoDB Local. Created with its link (201), updated through it (200), linked by
 * its natural key (name, email), nothing written when nothing differs (the echo of our own
 * change), the external side winning a race, one record from concurrent creates, archived
 * companies left as they are, links deleted with their record, and the `syncedFrom` marker.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { archiveDirectly } from '../helpers/data';
import { beforeNext } from '../helpers/db-requests';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines();

const run = Math.random().toString(36).slice(2, 8);
let n = 0;
const unique = (label: string) => `${label} ${run} ${++n}`;
const email = (label: string) => `${label}.${run}.${++n}@example.com`;
const xid = (label: string) => `${label}-${run}-${++n}`;

const putCompany = (externalId: string, body: Record<string, unknown>, system = 'hubspot') =>
  call({ route: 'PUT /v1/external/{system}/companies/{externalId}', params: { system, externalId }, body, groups: ['MSPAdmin'] });
const putContact = (externalId: string, body: Record<string, unknown>, system = 'hubspot') =>
  call({ route: 'PUT /v1/external/{system}/contacts/{externalId}', params: { system, externalId }, body, groups: ['Admin'] });
const getCompany = async (id: string) => (await call({ route: 'GET /v1/companies/{id}', params: { id } })).body;
const getContact = async (id: string) => (await call({ route: 'GET /v1/contacts/{id}', params: { id } })).body;
const audit = async (companyId: string) => (await call({ route: 'GET /v1/companies/{id}/audit', params: { id: companyId } })).body.items as { action: string; reason: string | null; changes: Record<string, unknown> }[];
const item = async (key: { pk: string; sk: string }) => (await db().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }))).Item;
const link = (system: string, kind: 'COMPANY' | 'CONTACT', externalId: string) => item(keys.externalLink(system, kind, externalId));

describe('company upsert', () => {
  it('creates a company with its link (201, Location), audited as coming from the system, with syncedFrom', async () => {
    const id = xid('co');
    const name = unique('Acme');
    const res = await putCompany(id, { name, phone: '+1 555 0100' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/companies/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({ name, phone: '+1 555 0100', status: 'active', externalIds: { hubspot: id }, version: 1 });
    expect(res.body).not.toHaveProperty('syncedFrom');
    expect(await link('hubspot', 'COMPANY', id)).toMatchObject({ recordId: res.body.id, system: 'hubspot', externalId: id });
    expect((await item(keys.company(res.body.id)))!.syncedFrom).toEqual({ system: 'hubspot', version: 1 });
    const [created] = await audit(res.body.id);
    expect(created).toMatchObject({ action: 'company.created', reason: 'external:hubspot', changes: { name: { from: null, to: name } } });
  });

  it('updates the linked company (200) with what the body sends, keeps what it leaves out, and needs no If-Match', async () => {
    const id = xid('co');
    const created = (await putCompany(id, { name: unique('Beta'), phone: '1', industry: 'Retail' })).body;
    const renamed = unique('Beta Renamed');
    const res = await putCompany(id, { name: renamed, phone: '2' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, name: renamed, phone: '2', industry: 'Retail', version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect((await item(keys.company(created.id)))!.syncedFrom).toEqual({ system: 'hubspot', version: 2 });
    // The rename moved the name guard.
    expect((await item(keys.companyName(renamed)))!.companyId).toBe(created.id);
    const [updated] = await audit(created.id);
    expect(updated).toMatchObject({ action: 'company.updated', reason: 'external:hubspot', changes: { name: { to: renamed }, phone: { from: '1', to: '2' } } });
  });

  it('writes nothing when every value is already as sent: no version, no audit entry (the echo of our own change)', async () => {
    const id = xid('co');
    const body = { name: unique('Gamma'), phone: '7', tags: ['a'] };
    const created = (await putCompany(id, body)).body;
    engines.requests.reset();
    const again = await putCompany(id, body);
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(1);
    expect(engines.requests.calls).not.toContain('TransactWriteItems');
    expect(engines.requests.calls).not.toContain('PutItem');
    expect(engines.requests.calls).not.toContain('UpdateItem');
    expect((await getCompany(created.id)).version).toBe(1);
    expect(await audit(created.id)).toHaveLength(1);
  });

  it('links an existing company found by its name (any case), in one transaction with its update; then updates it through the link', async () => {
    const name = unique('Delta');
    const existing = (await call({ route: 'POST /v1/companies', body: { name, industry: 'Law' } })).body;
    const id = xid('co');
    const res = await putCompany(id, { name: name.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: existing.id, name: name.toUpperCase(), industry: 'Law', externalIds: { hubspot: id }, version: 2 });
    expect((await link('hubspot', 'COMPANY', id))!.recordId).toBe(existing.id);
    // Already linked and nothing else differs: a second system links it too, keeping the first.
    const other = await putCompany('zz-1', { name: name.toUpperCase() }, 'pipedrive');
    expect(other.body.externalIds).toEqual({ hubspot: id, pipedrive: 'zz-1' });
    expect(other.body.version).toBe(3);
  });

  it('refuses a name held by a company linked to another id of the same system (409 COMPANY_NAME_TAKEN), writing nothing', async () => {
    const name = unique('Epsilon');
    const first = (await putCompany(xid('co'), { name })).body;
    const second = await putCompany(xid('co'), { name });
    expect(second).toMatchObject({ status: 409, body: { code: 'COMPANY_NAME_TAKEN' } });
    expect((await getCompany(first.id)).version).toBe(1);
    // Renaming a linked company onto another company's name: the name guard says so.
    const third = await putCompany(xid('co'), { name: unique('Zeta') });
    expect((await putCompany(Object.values(third.body.externalIds)[0] as string, { name })).body.code).toBe('COMPANY_NAME_TAKEN');
  });

  it('refuses any change to an archived company (409 COMPANY_ARCHIVED), writing nothing', async () => {
    const id = xid('co');
    const created = (await putCompany(id, { name: unique('Eta') })).body;
    await archiveDirectly(created.id);
    const res = await putCompany(id, { name: created.name, phone: '9' });
    expect(res).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
    expect((await getCompany(created.id))).toMatchObject({ phone: null, version: 1 });
    // Found by its name, it is not linked either.
    const byName = await putCompany(xid('co'), { name: created.name }, 'salesforce');
    expect(byName.body.code).toBe('COMPANY_ARCHIVED');
    expect((await getCompany(created.id)).externalIds).toEqual({ hubspot: id });
  });

  it('makes one company of concurrent upserts of one new external id; every one answers it', async () => {
    const id = xid('co');
    const name = unique('Theta');
    const answers = await Promise.all(Array.from({ length: 6 }, () => putCompany(id, { name, phone: '5' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const company = await getCompany(answers[0]!.body.id);
    expect(company.version).toBe(1);
    expect(await audit(company.id)).toHaveLength(1);
  });

  it('wins a race: a change landing between its read and its write is read again and overwritten', async () => {
    const id = xid('co');
    const created = (await putCompany(id, { name: unique('Iota'), phone: '1' })).body;
    beforeNext('TransactWriteItems', () => call({ route: 'PATCH /v1/companies/{id}', params: { id: created.id }, body: { phone: 'staff' } }));
    const res = await putCompany(id, { name: created.name, phone: 'crm' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phone: 'crm', version: 3 });
    expect((await item(keys.company(created.id)))!.syncedFrom).toEqual({ system: 'hubspot', version: 3 });
  });

  it('replaces a link to a company that no longer exists, and the permanent delete removes the links', async () => {
    const id = xid('co');
    const created = (await putCompany(id, { name: unique('Kappa') })).body;
    await call({ route: 'POST /v1/companies/{id}/archive', params: { id: created.id }, body: {} });
    const del = await call({ route: 'DELETE /v1/companies/{id}', params: { id: created.id }, body: { confirmName: created.name }, groups: ['SuperAdmin'] });
    expect(del.status).toBe(202);
    expect(await link('hubspot', 'COMPANY', id)).toBeUndefined();
    // A stale link (as one written before deletes removed them) is treated as none.
    const again = (await putCompany(id, { name: created.name })).body;
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.company(again.id) }));
    await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.companyName(created.name) }));
    const replaced = await putCompany(id, { name: created.name });
    expect(replaced.status).toBe(201);
    expect(replaced.body.id).not.toBe(again.id);
    expect((await link('hubspot', 'COMPANY', id))!.recordId).toBe(replaced.body.id);
  });

  it('refuses a bad system slug or external id with 400 VALIDATION_FAILED at the path, and needs Admin or MSPAdmin', async () => {
    for (const system of ['HubSpot', '-crm', 'a'.repeat(33), 'hub_spot', '']) {
      const res = await putCompany('x', { name: unique('Bad') }, system);
      expect(res.status, system).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ in: 'path', path: 'system' }] });
    }
    for (const externalId of ['a'.repeat(201), 'line\nbreak', 'nul\u0000']) {
      const res = await putCompany(externalId, { name: unique('Bad') });
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ in: 'path', path: 'externalId' }] });
    }
    const tech = await call({ route: 'PUT /v1/external/{system}/companies/{externalId}', params: { system: 'hubspot', externalId: 'x' }, body: { name: 'x' }, groups: ['Technician'] });
    expect(tech).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_ROLE' } });
    expect((await putCompany('x', {})).body.errors[0]).toMatchObject({ in: 'body', path: '/name' });
  });
});

describe('contact upsert', () => {
  it('creates a contact in a company named by the same system’s id (201), counted, with syncedFrom', async () => {
    const coId = xid('co');
    const co = (await putCompany(coId, { name: unique('Lambda') })).body;
    const id = xid('ct');
    const address = email('jane');
    const res = await putContact(id, { firstName: 'Jane', lastName: 'Doe', email: address.toUpperCase(), companyExternalId: coId });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/contacts/${res.body.id}`);
    expect(res.body).toMatchObject({ companyId: co.id, email: address, externalIds: { hubspot: id }, portal: { status: 'none' }, version: 1 });
    expect(res.body).not.toHaveProperty('syncedFrom');
    expect((await getCompany(co.id)).counts).toMatchObject({ contacts: 1, activeContacts: 1 });
    expect((await item(keys.contact(res.body.id)))!.syncedFrom).toEqual({ system: 'hubspot', version: 1 });
    expect((await item(keys.contactEmail(address)))!.contactId).toBe(res.body.id);
  });

  it('refuses an unknown companyExternalId, or both company fields, with 400', async () => {
    const unknown = await putContact(xid('ct'), { firstName: 'A', lastName: 'B', email: email('a'), companyExternalId: 'nobody' });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'UNKNOWN_COMPANY', errors: [{ in: 'body', path: '/companyExternalId' }] } });
    const both = await putContact(xid('ct'), { firstName: 'A', lastName: 'B', email: email('a'), companyExternalId: 'x', companyId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(both).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const invite = await putContact(xid('ct'), { firstName: 'A', lastName: 'B', email: email('a'), sendInvite: true });
    expect(invite.body.errors).toContainEqual(expect.objectContaining({ path: '/sendInvite' }));
  });

  it('updates and moves the linked contact (200), keeps fields left out, and writes nothing when nothing differs', async () => {
    const one = (await putCompany(xid('co'), { name: unique('Mu') })).body;
    const twoId = xid('co');
    const two = (await putCompany(twoId, { name: unique('Nu') })).body;
    const id = xid('ct');
    const body = { firstName: 'Sam', lastName: 'Lee', email: email('sam'), title: 'CTO', companyId: one.id };
    const created = (await putContact(id, body)).body;
    const moved = await putContact(id, { firstName: 'Samuel', lastName: 'Lee', email: body.email, companyExternalId: twoId });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: created.id, firstName: 'Samuel', title: 'CTO', companyId: two.id, version: 2 });
    expect((await getCompany(one.id)).counts.contacts).toBe(0);
    expect((await getCompany(two.id)).counts.contacts).toBe(1);
    engines.requests.reset();
    const echo = await putContact(id, { firstName: 'Samuel', lastName: 'Lee', email: body.email, title: 'CTO', companyId: two.id });
    expect(echo.status).toBe(200);
    expect(echo.body.version).toBe(2);
    expect(engines.requests.calls).not.toContain('TransactWriteItems');
    expect((await item(keys.contact(created.id)))!.syncedFrom).toEqual({ system: 'hubspot', version: 2 });
  });

  it('links a contact found by its email; another id of the system with that email is 409 CONTACT_EMAIL_TAKEN', async () => {
    const address = email('kim');
    const existing = (await call({ route: 'POST /v1/contacts', body: { firstName: 'Kim', lastName: 'Park', email: address, phone: '1' } })).body;
    const id = xid('ct');
    const linked = await putContact(id, { firstName: 'Kim', lastName: 'Park', email: address });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ id: existing.id, phone: '1', externalIds: { hubspot: id }, version: 2 });
    expect((await link('hubspot', 'CONTACT', id))!.recordId).toBe(existing.id);
    const taken = await putContact(xid('ct'), { firstName: 'Kim', lastName: 'Park', email: address });
    expect(taken).toMatchObject({ status: 409, body: { code: 'CONTACT_EMAIL_TAKEN' } });
    expect((await getContact(existing.id)).version).toBe(2);
  });

  it('refuses a change to a contact of an archived company, and a move into one (409 COMPANY_ARCHIVED)', async () => {
    const active = (await putCompany(xid('co'), { name: unique('Xi') })).body;
    const archivedId = xid('co');
    const archived = (await putCompany(archivedId, { name: unique('Omicron') })).body;
    const id = xid('ct');
    const body = { firstName: 'Al', lastName: 'Bo', email: email('al'), companyId: active.id };
    const created = (await putContact(id, body)).body;
    await archiveDirectly(archived.id);
    expect((await putContact(id, { ...body, companyExternalId: archivedId, companyId: undefined })).body.code).toBe('COMPANY_ARCHIVED');
    await archiveDirectly(active.id);
    expect((await putContact(id, { ...body, title: 'New' })).body.code).toBe('COMPANY_ARCHIVED');
    expect(await getContact(created.id)).toMatchObject({ title: null, companyId: active.id, version: 1 });
    expect((await putContact(xid('ct'), { ...body, email: email('new'), companyId: archived.id })).body.code).toBe('COMPANY_ARCHIVED');
  });

  it('makes one contact of concurrent upserts of one new external id', async () => {
    const co = (await putCompany(xid('co'), { name: unique('Pi') })).body;
    const id = xid('ct');
    const body = { firstName: 'Ann', lastName: 'Cole', email: email('ann'), companyId: co.id };
    const answers = await Promise.all(Array.from({ length: 6 }, () => putContact(id, body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await getCompany(co.id)).counts.contacts).toBe(1);
  });

  it('deleting the contact deletes its links in the same transaction; the id then creates a new contact', async () => {
    const id = xid('ct');
    const address = email('del');
    const created = (await putContact(id, { firstName: 'Del', lastName: 'Me', email: address })).body;
    await putContact('pd-1', { firstName: 'Del', lastName: 'Me', email: address }, 'pipedrive');
    const del = await call({ route: 'DELETE /v1/contacts/{id}', params: { id: created.id } });
    expect(del.status).toBe(204);
    expect(await link('hubspot', 'CONTACT', id)).toBeUndefined();
    expect(await link('pipedrive', 'CONTACT', 'pd-1')).toBeUndefined();
    const again = await putContact(id, { firstName: 'Del', lastName: 'Me', email: address });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.id);
  });
});
