/**
 * The staff directory and a company's account manager, currency, hourly rate and billing
 * contact, on a real DynamoDB Local and a real cognito-local (staff users in groups):
 * `GET /v1/staff` reads every user with its groups, `accountManagerId` must be one of them
 * (400 UNKNOWN_STAFF_USER, nothing written), the currency defaults to the stack's setting,
 * and the billing contact is one of the company's contacts, cleared when it leaves or is deleted.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { ENV, resetEnvCache } from '../../shared/env';
import { DIRECTORY_MISS_REFRESH_MS, DIRECTORY_TTL_MS, resetStaffDirectory } from '../../shared/staff/staff-directory';
import { STAFF_GROUPS } from '../../shared/routes';
import { archiveDirectly } from '../helpers/data';
import { beforeNext } from '../helpers/db-requests';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines({ cognito: true });

const run = Math.random().toString(36).slice(2, 8);
const unique = (label: string) => `${label} ${run} ${Math.random().toString(36).slice(2, 8)}`;

const staff = (groups: (typeof STAFF_GROUPS)[number][] = ['Technician']) => call({ route: 'GET /v1/staff', groups });
const createCompany = (body: Record<string, unknown>) => call({ route: 'POST /v1/companies', body: { name: unique('Co'), ...body } });
const patchCompany = (id: string, body: unknown, headers: Record<string, string> = {}) => call({ route: 'PATCH /v1/companies/{id}', params: { id }, body, headers });
const getCompany = (id: string) => call({ route: 'GET /v1/companies/{id}', params: { id } });
const createContact = async (companyId: string | null) =>
  (await call({ route: 'POST /v1/contacts', body: { firstName: 'Bill', lastName: 'Ing', email: `bill.${Math.random().toString(36).slice(2)}@client.example`, companyId } })).body.id as string;
const audit = async (id: string) => (await call({ route: 'GET /v1/companies/{id}/audit', params: { id } })).body.items as { action: string; changes: Record<string, unknown> }[];

/** Moves "now" forward for the directory's cache only (the engines never see it). */
const later = (ms: number) => {
  const real = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => real() + ms);
};

beforeEach(() => resetStaffDirectory());
afterEach(() => vi.restoreAllMocks());

describe('GET /v1/staff', () => {
  it('lists every enabled staff user with its sub as id, its name and email and all its groups, by name; users in no group too', async () => {
    const both = await engines.cognito.addStaffUser(['Admin', 'Technician'], { name: `Aaron ${run}` });
    const none = await engines.cognito.addStaffUser([], { given_name: 'Zed', family_name: `Nobody${run}` });
    const plain = await engines.cognito.addStaffUser(['ComplianceAdmin']);
    const gone = await engines.cognito.addStaffUser(['Admin']);
    await engines.cognito.disableStaffUser(gone.username);

    const res = await staff();
    expect(res.status).toBe(200);
    const items = res.body.items as { id: string; name: string; email: string; groups: string[] }[];
    expect(items.find((m) => m.id === both.sub)).toEqual({ id: both.sub, name: `Aaron ${run}`, email: both.email, groups: ['Admin', 'Technician'] });
    expect(items.find((m) => m.id === none.sub)).toEqual({ id: none.sub, name: `Zed Nobody${run}`, email: none.email, groups: [] });
    expect(items.find((m) => m.id === plain.sub)).toEqual({ id: plain.sub, name: plain.email, email: plain.email, groups: ['ComplianceAdmin'] });
    expect(items.find((m) => m.id === gone.sub)).toBeUndefined();
    // The seeded user of each group is there, in that group.
    for (const g of STAFF_GROUPS) expect(items.find((m) => m.email === `${g.toLowerCase()}@clientele.local`)?.groups, g).toEqual([g]);
    const names = items.map((m) => m.name.toLowerCase());
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    // Sub ids, never the username (with email sign-in the username is another UUID).
    expect(items.every((m) => /^[0-9a-f-]{36}$/.test(m.id))).toBe(true);
  });

  it('may be read by every staff group', async () => {
    for (const g of STAFF_GROUPS) expect((await staff([g])).status, g).toBe(200);
  });

  it('is cached for a minute: a user added meanwhile shows once the copy is older than that', async () => {
    await staff();
    const added = await engines.cognito.addStaffUser(['MSPAdmin']);
    expect(((await staff()).body.items as { id: string }[]).some((m) => m.id === added.sub)).toBe(false);
    later(DIRECTORY_TTL_MS + 1);
    expect(((await staff()).body.items as { id: string }[]).some((m) => m.id === added.sub)).toBe(true);
  });
});

describe('accountManagerId', () => {
  it('takes a staff user on create and PATCH, and null clears it', async () => {
    const manager = await engines.cognito.addStaffUser(['Technician']);
    const other = await engines.cognito.addStaffUser([]);
    const created = await createCompany({ accountManagerId: manager.sub });
    expect(created.status).toBe(201);
    expect(created.body.accountManagerId).toBe(manager.sub);
    const moved = await patchCompany(created.body.id, { accountManagerId: other.sub }, { 'if-match': '"1"' });
    expect(moved.status).toBe(200);
    expect(moved.body.accountManagerId).toBe(other.sub);
    const cleared = await patchCompany(created.body.id, { accountManagerId: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ accountManagerId: null, version: 3 });
  });

  it('refuses an id that is no staff user with 400 UNKNOWN_STAFF_USER on create, writing nothing', async () => {
    const name = unique('Unmanaged');
    const res = await call({ route: 'POST /v1/companies', body: { name, accountManagerId: 'not-a-staff-user' } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'UNKNOWN_STAFF_USER', errors: [{ in: 'body', path: '/accountManagerId', message: 'Unknown staff user' }] });
    expect(engines.requests.calls).toEqual([]);
    // The name is still free.
    expect((await call({ route: 'POST /v1/companies', body: { name } })).status).toBe(201);
  });

  it('refuses a disabled staff user, and an id the staff pool does not hold', async () => {
    const gone = await engines.cognito.addStaffUser(['Admin']);
    await engines.cognito.disableStaffUser(gone.username);
    expect((await createCompany({ accountManagerId: gone.sub })).body.code).toBe('UNKNOWN_STAFF_USER');
    expect((await createCompany({ accountManagerId: '00000000-0000-4000-8000-000000000000' })).body.code).toBe('UNKNOWN_STAFF_USER');
  });

  it('refuses an unknown id on PATCH, with and without If-Match, and changes nothing', async () => {
    const company = (await createCompany({})).body;
    for (const headers of [{}, { 'if-match': '"1"' }] as Record<string, string>[]) {
      const res = await patchCompany(company.id, { accountManagerId: 'nobody', phone: '+1 555 0100' }, headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'UNKNOWN_STAFF_USER', errors: [{ in: 'body', path: '/accountManagerId' }] });
    }
    expect((await getCompany(company.id)).body).toMatchObject({ version: 1, phone: null, accountManagerId: null });
  });

  it('finds a user added since the cached copy was read, once that copy is a few seconds old', async () => {
    await staff();
    const added = await engines.cognito.addStaffUser(['Admin']);
    later(DIRECTORY_MISS_REFRESH_MS + 1);
    expect((await createCompany({ accountManagerId: added.sub })).status).toBe(201);
  });
});

describe('currency and hourly rate', () => {
  afterEach(() => {
    delete process.env[ENV.DEFAULT_CURRENCY];
    resetEnvCache();
  });

  it('defaults the currency to the stack setting (USD when unset), takes an ISO 4217 code and an hourly rate as a 2-place decimal string', async () => {
    const plain = await createCompany({});
    expect(plain.body).toMatchObject({ currency: 'USD', hourlyRate: null, billingContactId: null });
    process.env[ENV.DEFAULT_CURRENCY] = 'EUR';
    resetEnvCache();
    expect((await createCompany({})).body.currency).toBe('EUR');
    const gbp = await createCompany({ currency: 'GBP', hourlyRate: '150' });
    expect(gbp.status).toBe(201);
    expect(gbp.body).toMatchObject({ currency: 'GBP', hourlyRate: '150.00' });
    const changed = await patchCompany(gbp.body.id, { currency: 'CHF', hourlyRate: '99.5' });
    expect(changed.body).toMatchObject({ currency: 'CHF', hourlyRate: '99.50', version: 2 });
    expect((await patchCompany(gbp.body.id, { hourlyRate: null })).body.hourlyRate).toBeNull();
    // The stored company keeps its own currency whatever the setting says later.
    delete process.env[ENV.DEFAULT_CURRENCY];
    resetEnvCache();
    expect((await getCompany(gbp.body.id)).body.currency).toBe('CHF');
  });

  it.each([
    ['usd', 'currency'],
    ['JPY', 'currency'],
    ['XYZ', 'currency'],
    [null, 'currency'],
  ])('refuses currency %j with 400', async (currency, field) => {
    const res = await createCompany({ currency });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ in: 'body', path: `/${field}` }] });
  });

  it.each([[150], ['-5.00'], ['1.234'], ['1e3'], ['']])('refuses hourlyRate %j with 400', async (hourlyRate) => {
    const res = await createCompany({ hourlyRate });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ in: 'body', path: '/hourlyRate' }] });
  });

  it('reads a company stored before these fields as the default currency, no rate, no billing contact, in GET and in lists', async () => {
    process.env[ENV.DEFAULT_CURRENCY] = 'CAD';
    resetEnvCache();
    const company = (await createCompany({ currency: 'EUR', hourlyRate: '10.00' })).body;
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.company(company.id), UpdateExpression: 'REMOVE currency, hourlyRate, billingContactId' }));
    expect((await getCompany(company.id)).body).toMatchObject({ currency: 'CAD', hourlyRate: null, billingContactId: null });
    const listed = await call({ route: 'GET /v1/companies', query: { q: company.name } });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: company.id, currency: 'CAD', hourlyRate: null, billingContactId: null })]);
  });
});

describe('billingContactId', () => {
  it('takes one of the company’s contacts on PATCH, checked in the write; another company’s is 409, an unknown one 400; null clears', async () => {
    const company = (await createCompany({})).body;
    const other = (await createCompany({})).body;
    const mine = await createContact(company.id);
    const theirs = await createContact(other.id);
    const unassigned = await createContact(null);

    for (const headers of [{}, { 'if-match': '"1"' }] as Record<string, string>[]) {
      const foreign = await patchCompany(company.id, { billingContactId: theirs }, headers);
      expect(foreign.status).toBe(409);
      expect(foreign.body.code).toBe('CONTACT_NOT_IN_COMPANY');
      expect((await patchCompany(company.id, { billingContactId: unassigned }, headers)).body.code).toBe('CONTACT_NOT_IN_COMPANY');
      const unknown = await patchCompany(company.id, { billingContactId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, headers);
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'UNKNOWN_CONTACT', errors: [{ in: 'body', path: '/billingContactId' }] });
    }
    expect((await getCompany(company.id)).body).toMatchObject({ version: 1, billingContactId: null });

    const set = await patchCompany(company.id, { billingContactId: mine }, { 'if-match': '"1"' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ billingContactId: mine, version: 2 });
    const cleared = await patchCompany(company.id, { billingContactId: null });
    expect(cleared.body).toMatchObject({ billingContactId: null, version: 3 });
    // Set on its own or with other fields, read first (no If-Match): the same check.
    expect((await patchCompany(company.id, { billingContactId: theirs, phone: '1' })).body.code).toBe('CONTACT_NOT_IN_COMPANY');
    expect((await patchCompany(company.id, { billingContactId: mine, phone: '1' })).body).toMatchObject({ billingContactId: mine, phone: '1' });
  });

  it('is not taken on create (a new company has no contacts)', async () => {
    const res = await createCompany({ billingContactId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('is cleared, with an audit entry, in the transaction that moves the contact to another company', async () => {
    const company = (await createCompany({})).body;
    const other = (await createCompany({})).body;
    const contact = await createContact(company.id);
    await patchCompany(company.id, { billingContactId: contact });
    const moved = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: contact }, body: { companyId: other.id } });
    expect(moved.status).toBe(200);
    expect((await getCompany(company.id)).body).toMatchObject({ billingContactId: null, version: 3, counts: { contacts: 0 } });
    expect((await audit(company.id))[0]).toMatchObject({ action: 'company.updated', changes: { billingContactId: { from: contact, to: null } } });
  });

  it('is cleared with the primary contact when that contact is deleted, in one version', async () => {
    const company = (await createCompany({})).body;
    const contact = await createContact(company.id);
    const keep = await createContact(company.id);
    await call({ route: 'PUT /v1/companies/{id}/primary-contact', params: { id: company.id }, body: { contactId: contact } });
    await patchCompany(company.id, { billingContactId: contact });
    expect((await call({ route: 'DELETE /v1/contacts/{id}', params: { id: contact } })).status).toBe(204);
    expect((await getCompany(company.id)).body).toMatchObject({ primaryContactId: null, billingContactId: null, version: 4 });
    expect((await audit(company.id))[0]!.changes).toEqual({ primaryContactId: { from: contact, to: null }, billingContactId: { from: contact, to: null } });
    // Another contact leaving leaves the billing contact alone.
    await patchCompany(company.id, { billingContactId: keep });
    const third = await createContact(company.id);
    await call({ route: 'DELETE /v1/contacts/{id}', params: { id: third } });
    expect((await getCompany(company.id)).body.billingContactId).toBe(keep);
  });

  it('cannot be set on an archived company', async () => {
    const company = (await createCompany({})).body;
    const contact = await createContact(company.id);
    await archiveDirectly(company.id);
    expect((await patchCompany(company.id, { billingContactId: contact })).body.code).toBe('COMPANY_ARCHIVED');
    expect((await patchCompany(company.id, { billingContactId: contact }, { 'if-match': '"1"' })).body.code).toBe('COMPANY_ARCHIVED');
  });
});

describe('billingContactId races', () => {
  it('a contact moved away between the read and the write: the set fails with 409 and nothing is written', async () => {
    const company = (await createCompany({})).body;
    const other = (await createCompany({})).body;
    const contact = await createContact(company.id);
    beforeNext('TransactWriteItems', () => call({ route: 'PATCH /v1/contacts/{id}', params: { id: contact }, body: { companyId: other.id } }));
    const res = await patchCompany(company.id, { billingContactId: contact });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CONTACT_NOT_IN_COMPANY');
    expect((await getCompany(company.id)).body).toMatchObject({ billingContactId: null, version: 1, counts: { contacts: 0 } });
  });

  it('set as billing contact between a move’s read and its write: the move reads again and clears it', async () => {
    const company = (await createCompany({})).body;
    const other = (await createCompany({})).body;
    const contact = await createContact(company.id);
    beforeNext('TransactWriteItems', () => patchCompany(company.id, { billingContactId: contact }));
    const moved = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: contact }, body: { companyId: other.id } });
    expect(moved.status).toBe(200);
    expect((await getCompany(company.id)).body).toMatchObject({ billingContactId: null, version: 3, counts: { contacts: 0 } });
  });
});
