/**
 * Companies on a real DynamoDB Local: uniqueness in the database, optimistic concurrency,
 * idempotency, paging, audit in the same transaction, and one request per read.
 */
import { describe, expect, it } from 'vitest';
import { handler as createCompany } from '../../functions/companies/create-company';
import { handler as getCompany } from '../../functions/companies/get-company';
import { handler as listCompanies } from '../../functions/companies/list-companies';
import { handler as updateCompany } from '../../functions/companies/update-company';
import { handler as listCompanyAudit } from '../../functions/audit/list-company-audit';
import { handler as listAudit } from '../../functions/audit/list-audit';
import { httpEvent, invoke } from '../helpers/http-event';
import { archiveDirectly } from '../helpers/data';
import { useEngines } from '../support/engines';
import { LIST_BUCKETS } from '../../shared/db/keys';

const engines = useEngines();

// Names are unique per test run so the tests need no order and no cleanup.
const run = Math.random().toString(36).slice(2, 8);
const unique = (label: string) => `${label} ${run} ${Math.random().toString(36).slice(2, 8)}`;

const create = (body: unknown, headers: Record<string, string> = {}, extra: { sub?: string } = {}) =>
  invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body, headers, ...extra }));
const get = (id: string) => invoke(getCompany, httpEvent({ route: 'GET /v1/companies/{id}', params: { id } }));
const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  invoke(updateCompany, httpEvent({ route: 'PATCH /v1/companies/{id}', params: { id }, body, headers }));
const list = (query: Record<string, string>) => invoke(listCompanies, httpEvent({ route: 'GET /v1/companies', query }));
const audit = (id: string) => invoke(listCompanyAudit, httpEvent({ route: 'GET /v1/companies/{id}/audit', params: { id } }));


describe('create', () => {
  it('creates a company with defaults, Location, ETag and an audit entry, in one transaction', async () => {
    const name = unique('Northwind');
    const res = await create({ name: `  ${name}  `, primaryDomain: 'Northwind.Example', tags: ['vip'] });
    expect(res.status).toBe(201);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    const company = res.body;
    expect(company).toMatchObject({
      name,
      status: 'active',
      primaryDomain: 'northwind.example',
      tags: ['vip'],
      phone: null,
      primaryContactId: null,
      archivedAt: null,
      counts: { contacts: 0, activeContacts: 0, tickets: 0, openTickets: 0, assets: 0 },
      integrations: { m365: null, quickbooks: null },
      version: 1,
    });
    expect(company.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(res.headers.location).toBe(`/v1/companies/${company.id}`);
    expect(res.headers.etag).toBe('"1"');

    const entries = (await audit(company.id)).body.items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'company.created', actor: { sub: expect.any(String), email: 'admin@msp.example' }, changes: { name: { from: null, to: name } } });
  });

  it('refuses a name already taken, whatever its case and spacing, and writes nothing', async () => {
    const name = unique('Contoso');
    expect((await create({ name })).status).toBe(201);
    for (const variant of [name.toUpperCase(), `  ${name.toLowerCase().replace(/ /g, '   ')} `]) {
      const res = await create({ name: variant });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('COMPANY_NAME_TAKEN');
    }
    const found = await list({ q: name });
    expect(found.body.items).toHaveLength(1);
  });

  it('lets exactly one of many concurrent creates with the same name win', async () => {
    const name = unique('Race');
    const results = await Promise.all(Array.from({ length: 12 }, () => create({ name })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'COMPANY_NAME_TAKEN')).toBe(true);
    expect(results.length).toBe(12);
  });

  it('keeps the name of an archived company taken', async () => {
    const name = unique('Archived');
    const { body } = await create({ name });
    await archiveDirectly(body.id);
    expect((await create({ name })).body.code).toBe('COMPANY_NAME_TAKEN');
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and body, creating nothing', async () => {
    const key = `k-${unique('x').replace(/ /g, '-')}`;
    const name = unique('Idem');
    const first = await create({ name }, { 'idempotency-key': key });
    const second = await create({ name }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect((await list({ q: name })).body.items).toHaveLength(1);
  });

  it('answers 422 for the same key with another body', async () => {
    const key = `k-${unique('y').replace(/ /g, '-')}`;
    expect((await create({ name: unique('A') }, { 'idempotency-key': key })).status).toBe(201);
    const res = await create({ name: unique('B') }, { 'idempotency-key': key });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('scopes keys to the caller', async () => {
    const key = `k-${unique('z').replace(/ /g, '-')}`;
    expect((await create({ name: unique('C1') }, { 'idempotency-key': key }, { sub: 'user-one' })).status).toBe(201);
    expect((await create({ name: unique('C2') }, { 'idempotency-key': key }, { sub: 'user-two' })).status).toBe(201);
  });

  it('replays concurrent retries of one request as one creation', async () => {
    const key = `k-${unique('w').replace(/ /g, '-')}`;
    const name = unique('Burst');
    const results = await Promise.all(Array.from({ length: 6 }, () => create({ name }, { 'idempotency-key': key })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });
});

describe('read', () => {
  it('gets a company in one request, with its ETag', async () => {
    const { body } = await create({ name: unique('Get') });
    engines.requests.reset();
    const res = await get(body.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
    expect(res.headers.etag).toBe('"1"');
    expect(engines.requests.calls).toEqual(['GetItem']);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await get('01JDQ7Z8K3M4N5P6Q7R8S9T0V1');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('lists by name case-insensitively, with prefix search and cursors; a page is one Query per bucket, side by side, and one BatchGetItem', async () => {
    const prefix = `Zeta ${run}`;
    for (const n of ['beta', 'Alpha', 'gamma', 'alpha two', 'Delta']) await create({ name: `${prefix} ${n}` });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      engines.requests.reset();
      const res = await list({ q: prefix.toUpperCase(), limit: '2', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { name: string }) => c.name.slice(prefix.length + 1)));
      expect(engines.requests.calls).toEqual([...Array(LIST_BUCKETS).fill('Query'), ...(res.body.items.length ? ['BatchGetItem'] : [])]);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Alpha', 'alpha two', 'beta', 'Delta', 'gamma']);
  });

  it('refuses a cursor from another listing', async () => {
    const prefix = `Eta ${run}`;
    for (const n of ['a', 'b']) await create({ name: `${prefix} ${n}` });
    const first = await list({ q: prefix, limit: '1' });
    expect(first.body.nextCursor).toBeTruthy();
    const res = await list({ q: 'other', cursor: first.body.nextCursor });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_CURSOR');
  });

  it('shows archived companies only in the archive view', async () => {
    const name = unique('Gone');
    const { body } = await create({ name });
    await archiveDirectly(body.id);
    expect((await list({ q: name })).body.items).toHaveLength(0);
    const archived = await list({ q: name, status: 'archived' });
    expect(archived.body.items.map((c: { id: string }) => c.id)).toEqual([body.id]);
  });
});

describe('update', () => {
  it('changes fields, bumps the version and audits old and new values in one transaction', async () => {
    const { body } = await create({ name: unique('Patch'), phone: '+1 555 0100' });
    engines.requests.reset();
    const res = await patch(body.id, { phone: '+1 555 0199', industry: 'Legal', notes: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phone: '+1 555 0199', industry: 'Legal', version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect(engines.requests.calls).toEqual(['GetItem', 'TransactWriteItems']);
    const [latest] = (await audit(body.id)).body.items;
    expect(latest).toMatchObject({ action: 'company.updated', changes: { phone: { from: '+1 555 0100', to: '+1 555 0199' }, industry: { from: null, to: 'Legal' } } });
    expect(Object.keys(latest.changes)).toEqual(['phone', 'industry']);
  });

  it('writes nothing for a change that changes nothing', async () => {
    const { body } = await create({ name: unique('Same'), phone: '1' });
    const res = await patch(body.id, { phone: '1' });
    expect(res.body.version).toBe(1);
    expect((await audit(body.id)).body.items).toHaveLength(1);
  });

  it('honours If-Match: current passes, stale is 412', async () => {
    const { body } = await create({ name: unique('Etag') });
    expect((await patch(body.id, { phone: '1' }, { 'if-match': '"1"' })).status).toBe(200);
    const stale = await patch(body.id, { phone: '2' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('VERSION_MISMATCH');
    expect((await get(body.id)).body.phone).toBe('1');
  });

  it('never applies an edit without If-Match on top of one it did not see: the race loser is 409 CONCURRENT_CHANGE', async () => {
    const { body } = await create({ name: unique('Both') });
    const [a, b] = await Promise.all([patch(body.id, { phone: '42' }), patch(body.id, { phone: '43' })]);
    const won = [a, b].filter((r) => r.status === 200);
    for (const r of [a, b]) if (r.status !== 200) expect(r.body.code).toBe('CONCURRENT_CHANGE');
    const after = (await get(body.id)).body;
    expect(after.version).toBe(1 + won.length);
    expect(after.phone).toBe(won.find((r) => r.body.version === after.version)!.body.phone);
  });

  it('renames: the old name is freed, a taken name is refused and nothing changes', async () => {
    const oldName = unique('Old');
    const taken = unique('Taken');
    const { body } = await create({ name: oldName });
    await create({ name: taken });
    const refused = await patch(body.id, { name: taken.toLowerCase(), phone: '7' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('COMPANY_NAME_TAKEN');
    expect((await get(body.id)).body).toMatchObject({ name: oldName, phone: null, version: 1 });

    const newName = unique('New');
    expect((await patch(body.id, { name: newName })).body.name).toBe(newName);
    expect((await create({ name: oldName })).status).toBe(201);
    expect((await create({ name: newName })).body.code).toBe('COMPANY_NAME_TAKEN');
  });

  it('allows a rename that changes only case', async () => {
    const name = unique('case co');
    const { body } = await create({ name });
    const res = await patch(body.id, { name: name.toUpperCase() });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(name.toUpperCase());
  });

  it('refuses to edit an archived company', async () => {
    const { body } = await create({ name: unique('Frozen') });
    await archiveDirectly(body.id);
    const res = await patch(body.id, { phone: '1' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('COMPANY_ARCHIVED');
  });

  it('answers 404 for an unknown company', async () => {
    expect((await patch('01JDQ7Z8K3M4N5P6Q7R8S9T0V1', { phone: '1' })).status).toBe(404);
  });
});

describe('update with a numeric If-Match: the write is the check, no read before it', () => {
  it('succeeds in one transaction, then one read for the response; audits the sent values and the versions', async () => {
    const { body } = await create({ name: unique('IfMatch'), phone: '+1 555 0100' });
    engines.requests.reset();
    const res = await patch(body.id, { phone: '+1 555 0199', tags: ['vip'], notes: null }, { 'if-match': '"1"' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phone: '+1 555 0199', tags: ['vip'], notes: null, version: 2, name: body.name, counts: body.counts });
    expect(res.headers.etag).toBe('"2"');
    expect(engines.requests.calls).toEqual(['TransactWriteItems', 'GetItem']);
    const [latest] = (await audit(body.id)).body.items;
    // What was sent, as `to`; `from` is absent (never read); `version` says what it applied to.
    expect(latest).toMatchObject({ action: 'company.updated', version: { from: 1, to: 2 } });
    expect(latest.changes).toEqual({ phone: { to: '+1 555 0199' }, tags: { to: ['vip'] }, notes: { to: null } });
  });

  it('with Prefer: return=minimal, the whole change is one transaction: 204, the new ETag, no body, audited the same', async () => {
    const { body } = await create({ name: unique('Minimal'), phone: '+1 555 0100' });
    engines.requests.reset();
    const res = await patch(body.id, { phone: '+1 555 0142' }, { 'if-match': '"1"', prefer: 'handling=strict, return=minimal' });
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject({ etag: '"2"', 'preference-applied': 'return=minimal' });
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await get(body.id)).body).toMatchObject({ phone: '+1 555 0142', version: 2 });
    expect((await audit(body.id)).body.items[0]).toMatchObject({ action: 'company.updated', version: { from: 1, to: 2 } });
    // Refusals are unchanged (problem+json), and without If-Match the preference still drops the body.
    const stale = await patch(body.id, { phone: '1' }, { 'if-match': '"1"', prefer: 'return=minimal' });
    expect(stale).toMatchObject({ status: 412, body: { code: 'VERSION_MISMATCH' } });
    const unconditional = await patch(body.id, { phone: '2' }, { prefer: 'return=minimal' });
    expect(unconditional).toMatchObject({ status: 204, headers: { etag: '"3"' } });
    expect((await patch(body.id, { phone: '3' }, { prefer: 'return=representation' })).status).toBe(200);
  });

  it('answers a stale version with 412 naming the current one, in exactly one request, and changes nothing', async () => {
    const { body } = await create({ name: unique('Stale') });
    await patch(body.id, { phone: '1' }, { 'if-match': '"1"' });
    engines.requests.reset();
    const stale = await patch(body.id, { phone: '2' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('VERSION_MISMATCH');
    expect(stale.body.detail).toContain('(2)');
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await get(body.id)).body).toMatchObject({ phone: '1', version: 2 });
    expect((await audit(body.id)).body.items).toHaveLength(2);
  });

  it('answers 404 for a missing company and 409 COMPANY_ARCHIVED for an archived one, each in one request', async () => {
    engines.requests.reset();
    const missing = await patch('01JDQ7Z8K3M4N5P6Q7R8S9T0V1', { phone: '1' }, { 'if-match': '"1"' });
    expect(missing.status).toBe(404);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);

    const { body } = await create({ name: unique('Archived IfMatch') });
    await archiveDirectly(body.id);
    const current = (await get(body.id)).body.version;
    engines.requests.reset();
    const archived = await patch(body.id, { phone: '1' }, { 'if-match': `"${current}"` });
    expect(archived.status).toBe(409);
    expect(archived.body.code).toBe('COMPANY_ARCHIVED');
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await get(body.id)).body).toMatchObject({ phone: null, version: current });
  });

  it('writes nothing for a change that changes nothing, and answers the company as it is from the failed condition alone', async () => {
    const { body } = await create({ name: unique('Same IfMatch'), phone: '1', tags: ['a'] });
    engines.requests.reset();
    const res = await patch(body.id, { phone: '1', tags: ['a'] }, { 'if-match': '"1"' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ phone: '1', version: 1 });
    expect(res.headers.etag).toBe('"1"');
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await audit(body.id)).body.items).toHaveLength(1);
  });

  it('reads first for a rename (the name guard needs the old name), and audits old and new values then', async () => {
    const oldName = unique('Rename IfMatch');
    const { body } = await create({ name: oldName });
    engines.requests.reset();
    const newName = unique('Renamed IfMatch');
    const res = await patch(body.id, { name: newName }, { 'if-match': '"1"' });
    expect(res.status).toBe(200);
    expect(engines.requests.calls).toEqual(['GetItem', 'TransactWriteItems']);
    const [latest] = (await audit(body.id)).body.items;
    expect(latest).toMatchObject({ changes: { name: { from: oldName, to: newName } }, version: { from: 1, to: 2 } });
    expect((await create({ name: oldName })).status).toBe(201);
  });

  it('never applies an edit to a newer version: of two writers naming the same version, one wins and one gets 412', async () => {
    const { body } = await create({ name: unique('Race IfMatch') });
    const [a, b] = await Promise.all([patch(body.id, { phone: '42' }, { 'if-match': '"1"' }), patch(body.id, { phone: '43' }, { 'if-match': '"1"' })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 412]);
    const winner = a.status === 200 ? a : b;
    expect((await get(body.id)).body).toMatchObject({ phone: winner.body.phone, version: 2 });
  });
});

describe('audit', () => {
  it('lists entries newest first, by company id, through both routes', async () => {
    const { body } = await create({ name: unique('Audited') });
    await patch(body.id, { phone: '1' });
    await patch(body.id, { phone: '2' });
    engines.requests.reset();
    const viaCompany = await audit(body.id);
    expect(engines.requests.calls).toEqual(['Query']);
    expect(viaCompany.body.items.map((e: { action: string }) => e.action)).toEqual(['company.updated', 'company.updated', 'company.created']);
    expect(viaCompany.body.items[0].changes.phone).toEqual({ from: '1', to: '2' });
    const viaAudit = await invoke(listAudit, httpEvent({ route: 'GET /v1/audit', query: { companyId: body.id } }));
    expect(viaAudit.body).toEqual(viaCompany.body);
  });

  it('answers 404 for a company that never existed, and 400 without companyId', async () => {
    expect((await audit('01JDQ7Z8K3M4N5P6Q7R8S9T0V1')).status).toBe(404);
    expect((await invoke(listAudit, httpEvent({ route: 'GET /v1/audit', query: {} }))).status).toBe(400);
  });
});
