/**
 * Company addresses on a real DynamoDB Local: one Query per list, one billing address even
 * under concurrent requests, archived companies read-only, and strict validation.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as createCompany } from '../../functions/companies/create-company';
import { handler as listAddresses } from '../../functions/addresses/list-addresses';
import { handler as createAddress } from '../../functions/addresses/create-address';
import { handler as updateAddress } from '../../functions/addresses/update-address';
import { handler as deleteAddress } from '../../functions/addresses/delete-address';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import type { StaffGroup } from '../../shared/routes';
import { useEngines } from '../support/engines';
import { httpEvent, invoke } from '../helpers/http-event';
import { archiveDirectly } from '../helpers/data';

const engines = useEngines();

const run = Math.random().toString(36).slice(2, 8);
const unique = (label: string) => `${label} ${run} ${Math.random().toString(36).slice(2, 8)}`;

const newCompany = async (): Promise<string> => {
  const res = await invoke(createCompany, httpEvent({ route: 'POST /v1/companies', body: { name: unique('Addr Co') } }));
  expect(res.status).toBe(201);
  return res.body.id;
};
const list = (id: string) => invoke(listAddresses, httpEvent({ route: 'GET /v1/companies/{id}/addresses', params: { id } }));
const create = (id: string, body: unknown, groups?: StaffGroup[]) =>
  invoke(createAddress, httpEvent({ route: 'POST /v1/companies/{id}/addresses', params: { id }, body, groups }));
const patch = (id: string, addressId: string, body: unknown) =>
  invoke(updateAddress, httpEvent({ route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id, addressId }, body }));
const remove = (id: string, addressId: string) =>
  invoke(deleteAddress, httpEvent({ route: 'DELETE /v1/companies/{id}/addresses/{addressId}', params: { id, addressId } }));

const billingPointer = async (companyId: string) =>
  (await db().send(new GetCommand({ TableName: tableName(), Key: keys.billingAddress(companyId), ConsistentRead: true }))).Item?.addressId;

const minimal = { line1: '1 High Street', city: 'London', country: 'GB' };
const MISSING = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

describe('create and list', () => {
  it('creates an address with every field, answers 201 with Location, and lists it back in one Query of its prefix', async () => {
    const companyId = await newCompany();
    const body = {
      label: ' Head office ',
      line1: '10 Downing Street',
      line2: 'Floor 2',
      city: 'London',
      region: 'Greater London',
      postalCode: 'SW1A 2AA',
      country: 'GB',
      isBilling: true,
      isSite: true,
      access: { name: 'Jane Agent', phone: '+44 20 7946 0000', email: 'jane@letting.example', notes: 'Ring twice' },
    };
    engines.requests.reset();
    const res = await create(companyId, body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), ...body, label: 'Head office', version: 1 });
    expect(res.headers.location).toBe(`/v1/companies/${companyId}/addresses/${res.body.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(engines.requests.calls).toEqual(['GetItem', 'TransactWriteItems']);

    engines.requests.reset();
    const listed = await list(companyId);
    // The address prefix and the company item, side by side (one round trip).
    expect([...engines.requests.calls].sort()).toEqual(['GetItem', 'Query']);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [res.body], nextCursor: null });
    expect(await billingPointer(companyId)).toBe(res.body.id);
  });

  it('fills defaults and lists addresses in creation order', async () => {
    const companyId = await newCompany();
    const first = await create(companyId, minimal);
    expect(first.body).toMatchObject({ label: null, line2: null, region: null, postalCode: null, isBilling: false, isSite: false, access: null });
    engines.requests.reset();
    expect((await create(companyId, { ...minimal, line1: '2 High Street' })).status).toBe(201);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    const third = await create(companyId, { ...minimal, line1: '3 High Street', access: { name: 'Tenant' } });
    expect(third.body.access).toEqual({ name: 'Tenant', phone: null, email: null, notes: null });
    const items = (await list(companyId)).body.items;
    expect(items.map((a: { line1: string }) => a.line1)).toEqual(['1 High Street', '2 High Street', '3 High Street']);
  });

  it('answers 404 for an unknown company on list and create', async () => {
    const listed = await list(MISSING);
    expect(listed.status).toBe(404);
    expect(listed.body.code).toBe('NOT_FOUND');
    const created = await create(MISSING, minimal);
    expect(created.status).toBe(404);
    expect(created.body.code).toBe('NOT_FOUND');
  });

  it('lists an empty company as no items', async () => {
    const companyId = await newCompany();
    expect((await list(companyId)).body).toEqual({ items: [], nextCursor: null });
  });
});

describe('archived company', () => {
  it('refuses create, patch and delete with 409 COMPANY_ARCHIVED but still lists', async () => {
    const companyId = await newCompany();
    const { body: address } = await create(companyId, minimal);
    await archiveDirectly(companyId);
    for (const res of [await create(companyId, minimal), await patch(companyId, address.id, { city: 'Leeds' }), await remove(companyId, address.id)]) {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('COMPANY_ARCHIVED');
    }
    expect((await list(companyId)).body.items).toEqual([address]);
  });
});

describe('billing address', () => {
  it('marking a second address billing clears the first in one transaction', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, { ...minimal, isBilling: true })).body;
    const b = (await create(companyId, { ...minimal, line1: 'B' })).body;
    engines.requests.reset();
    const res = await patch(companyId, b.id, { isBilling: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: b.id, isBilling: true });
    expect(engines.requests.calls.filter((c) => c === 'TransactWriteItems')).toHaveLength(1);
    const items = (await list(companyId)).body.items;
    expect(items.map((x: { id: string; isBilling: boolean; version: number }) => [x.id, x.isBilling, x.version])).toEqual([
      [a.id, false, 2],
      [b.id, true, 2],
    ]);
    expect(await billingPointer(companyId)).toBe(b.id);
  });

  it('creating a billing address clears the previous one', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, { ...minimal, isBilling: true })).body;
    const b = (await create(companyId, { ...minimal, isBilling: true })).body;
    const items = (await list(companyId)).body.items;
    expect(items.find((x: { id: string }) => x.id === a.id).isBilling).toBe(false);
    expect(items.find((x: { id: string }) => x.id === b.id).isBilling).toBe(true);
    expect(await billingPointer(companyId)).toBe(b.id);
  });

  it('leaves exactly one billing address after concurrent billing creates', async () => {
    const companyId = await newCompany();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => create(companyId, { ...minimal, line1: `Unit ${i}`, isBilling: true })));
    for (const r of results) expect(r.status).toBe(201);
    expect(results.some((r) => r.status === 201)).toBe(true);
    const items = (await list(companyId)).body.items;
    expect(items).toHaveLength(results.filter((r) => r.status === 201).length);
    const billing = items.filter((x: { isBilling: boolean }) => x.isBilling);
    expect(billing).toHaveLength(1);
    expect(await billingPointer(companyId)).toBe(billing[0].id);
  });

  it('unmarking the billing address removes the pointer', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, { ...minimal, isBilling: true })).body;
    const res = await patch(companyId, a.id, { isBilling: false });
    expect(res.status).toBe(200);
    expect(res.body.isBilling).toBe(false);
    expect(await billingPointer(companyId)).toBeUndefined();
    expect((await list(companyId)).body.items[0].isBilling).toBe(false);
  });

  it('deleting the billing address removes the pointer; deleting another keeps it', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, { ...minimal, isBilling: true })).body;
    const b = (await create(companyId, minimal)).body;
    expect((await remove(companyId, b.id)).status).toBe(204);
    expect(await billingPointer(companyId)).toBe(a.id);
    const res = await remove(companyId, a.id);
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(await billingPointer(companyId)).toBeUndefined();
    expect((await list(companyId)).body.items).toEqual([]);
    expect((await remove(companyId, a.id)).status).toBe(404);
  });
});

describe('update', () => {
  it('changes only the sent fields; null clears optional fields and the access contact', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, { ...minimal, label: 'Site', postalCode: 'N1', isSite: true, access: { name: 'Agent', notes: 'Key safe' } })).body;
    const res = await patch(companyId, a.id, { label: null, city: 'Manchester', access: null, country: 'ie' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...a, label: null, city: 'Manchester', access: null, country: 'IE', version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect((await list(companyId)).body.items).toEqual([res.body]);
  });

  it('reads an address stored before addresses had versions as version 1, and edits it under If-Match "1"', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, minimal)).body;
    await db().send(new UpdateCommand({ TableName: tableName(), Key: keys.address(companyId, a.id), UpdateExpression: 'REMOVE version' }));
    expect((await list(companyId)).body.items[0].version).toBe(1);
    const res = await invoke(updateAddress, httpEvent({ route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id: companyId, addressId: a.id }, body: { city: 'Leeds' }, headers: { 'if-match': '"1"' } }));
    expect(res).toMatchObject({ status: 200, body: { city: 'Leeds', version: 2 } });
    expect((await list(companyId)).body.items[0]).toMatchObject({ city: 'Leeds', version: 2 });
  });

  it('answers with the address unchanged for a no-op patch', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, minimal)).body;
    const res = await patch(companyId, a.id, { city: 'London' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(a);
  });

  it('answers 404 for an address of another company, and for an unknown one', async () => {
    const owner = await newCompany();
    const other = await newCompany();
    const a = (await create(owner, minimal)).body;
    for (const res of [await patch(other, a.id, { city: 'Leeds' }), await remove(other, a.id), await patch(owner, MISSING, { city: 'Leeds' })]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    expect((await list(owner)).body.items).toEqual([a]);
  });
});

describe('with a numeric If-Match: the write is the check, no read before it', () => {
  const patchAt = (id: string, addressId: string, body: unknown, version: number) =>
    invoke(updateAddress, httpEvent({ route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id, addressId }, body, headers: { 'if-match': `"${version}"` } }));
  const removeAt = (id: string, addressId: string, version: number) =>
    invoke(deleteAddress, httpEvent({ route: 'DELETE /v1/companies/{id}/addresses/{addressId}', params: { id, addressId }, headers: { 'if-match': `"${version}"` } }));

  it('patches in one transaction and one read for the response; a stale version is 412 with the current one in one request', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, { ...minimal, access: { name: 'Reception' } })).body;
    engines.requests.reset();
    const res = await patchAt(companyId, a.id, { city: 'Leeds', access: { name: 'Front desk', phone: '1' } }, 1);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...a, city: 'Leeds', access: { name: 'Front desk', phone: '1', email: null, notes: null }, version: 2 });
    expect(res.headers.etag).toBe('"2"');
    expect(engines.requests.calls).toEqual(['TransactWriteItems', 'GetItem']);

    engines.requests.reset();
    const stale = await patchAt(companyId, a.id, { city: 'York' }, 1);
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'VERSION_MISMATCH', detail: expect.stringContaining('(2)') });
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await list(companyId)).body.items[0]).toMatchObject({ city: 'Leeds', version: 2 });
  });

  it('with Prefer: return=minimal, a patch is one transaction answered 204 with the new ETag', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, minimal)).body;
    engines.requests.reset();
    const res = await invoke(
      updateAddress,
      httpEvent({ route: 'PATCH /v1/companies/{id}/addresses/{addressId}', params: { id: companyId, addressId: a.id }, body: { city: 'Leeds' }, headers: { 'if-match': '"1"', prefer: 'return=minimal' } }),
    );
    expect(res).toMatchObject({ status: 204, headers: { etag: '"2"', 'preference-applied': 'return=minimal' } });
    expect(res.body).toBe('');
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await list(companyId)).body.items[0]).toMatchObject({ city: 'Leeds', version: 2 });
  });

  it('answers 404, 409 COMPANY_ARCHIVED and a no-op each in one request', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, minimal)).body;
    engines.requests.reset();
    expect((await patchAt(companyId, MISSING, { city: 'Leeds' }, 1)).status).toBe(404);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);

    engines.requests.reset();
    const same = await patchAt(companyId, a.id, { city: 'London', country: 'GB' }, 1);
    expect(same).toMatchObject({ status: 200, body: a });
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);

    await archiveDirectly(companyId);
    engines.requests.reset();
    const archived = await patchAt(companyId, a.id, { city: 'Leeds' }, 1);
    expect(archived).toMatchObject({ status: 409, body: { code: 'COMPANY_ARCHIVED' } });
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    expect((await list(companyId)).body.items).toEqual([a]);
  });

  it('reads first for a billing change; deletes in one transaction unless it is the billing address', async () => {
    const companyId = await newCompany();
    const plain = (await create(companyId, minimal)).body;
    const billing = (await create(companyId, { ...minimal, isBilling: true })).body;

    engines.requests.reset();
    expect((await removeAt(companyId, plain.id, 2)).status).toBe(412);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);
    engines.requests.reset();
    expect((await removeAt(companyId, plain.id, 1)).status).toBe(204);
    expect(engines.requests.calls).toEqual(['TransactWriteItems']);

    // The billing address: the one-request try finds it is the billing one, then the read path releases the pointer.
    expect((await removeAt(companyId, billing.id, 1)).status).toBe(204);
    expect(await billingPointer(companyId)).toBeUndefined();
    expect((await list(companyId)).body.items).toEqual([]);

    const again = (await create(companyId, minimal)).body;
    engines.requests.reset();
    const flagged = await patchAt(companyId, again.id, { isBilling: true }, 1);
    expect(flagged).toMatchObject({ status: 200, body: { isBilling: true, version: 2 } });
    expect(engines.requests.calls[0]).toBe('GetItem');
    expect(await billingPointer(companyId)).toBe(again.id);
  });
});

describe('validation and roles', () => {
  /** Error locations as `field.sub` for the body (from its JSON Pointer) and `<in>.<name>` elsewhere. */
  const paths = (res: { body: { errors: { in: string; path: string }[] } }) => res.body.errors.map((e: { in: string; path: string }) => (e.in === 'body' ? (e.path === '' ? '(root)' : e.path.slice(1).replaceAll('/', '.')) : `${e.in}.${e.path}`));

  it('rejects unknown fields, also inside access', async () => {
    const companyId = await newCompany();
    const top = await create(companyId, { ...minimal, colour: 'red' });
    expect(top.status).toBe(400);
    expect(top.body.code).toBe('VALIDATION_FAILED');
    expect(paths(top)).toContain('colour');
    const nested = await create(companyId, { ...minimal, access: { name: 'A', pin: '1234' } });
    expect(nested.status).toBe(400);
    expect(paths(nested)).toContain('access.pin');
  });

  it('checks the country against ISO 3166-1 and upper-cases it', async () => {
    const companyId = await newCompany();
    for (const country of ['XX', 'usa', 'G', '']) {
      const res = await create(companyId, { ...minimal, country });
      expect(res.status).toBe(400);
      expect(paths(res)).toContain('country');
    }
    const ok = await create(companyId, { ...minimal, country: 'gb' });
    expect(ok.status).toBe(201);
    expect(ok.body.country).toBe('GB');
  });

  it('requires line1, city and country, and a non-empty PATCH', async () => {
    const companyId = await newCompany();
    const missing = await create(companyId, { city: 'London', country: 'GB' });
    expect(missing.status).toBe(400);
    expect(paths(missing)).toContain('line1');
    const blank = await create(companyId, { ...minimal, line1: '   ' });
    expect(paths(blank)).toContain('line1');
    const a = (await create(companyId, minimal)).body;
    const empty = await patch(companyId, a.id, {});
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    expect((await patch(companyId, a.id, { line1: null })).status).toBe(400);
    expect((await patch(companyId, a.id, { access: { phone: '1' } })).status).toBe(400);
  });

  it('refuses a Technician with 403 FORBIDDEN_ROLE, but lets it list', async () => {
    const companyId = await newCompany();
    const res = await create(companyId, minimal, ['Technician']);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_ROLE');
    const listed = await invoke(listAddresses, httpEvent({ route: 'GET /v1/companies/{id}/addresses', params: { id: companyId }, groups: ['Technician'] }));
    expect(listed.status).toBe(200);
  });

  it('answers 400 for ids that are not ULIDs', async () => {
    const companyId = await newCompany();
    const a = (await create(companyId, minimal)).body;
    const bad = [await list('nope'), await create('nope', minimal), await patch(companyId, 'nope', { city: 'X' }), await remove('nope', a.id)];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect(paths(bad[2]!)).toContain('path.addressId');
  });
});

describe('explicit key prefixes', () => {
  it('lists addresses unaffected by another kind of item that sorts between the address prefix and the company item', async () => {
    const companyId = await newCompany();
    const address = await create(companyId, { line1: '1 Prefix Row', city: 'Leeds', country: 'GB' });
    expect(address.status).toBe(201);
    // A later module's items in the company's partition, sorting between 'ADDRESS#' and 'COMPANY', past 1 MB in all:
    // a range over the partition would read them and stop before the company item.
    const big = 'x'.repeat(390 * 1024);
    for (let i = 0; i < 3; i++) {
      await db().send(new PutCommand({ TableName: tableName(), Item: { pk: keys.company(companyId).pk, sk: `BOOKING#${i}`, type: 'Booking', blob: big } }));
    }
    const listed = await list(companyId);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([address.body.id]);
  });
});
