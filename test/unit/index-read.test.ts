/**
 * Keys-only index reads (shared/db/index-read.ts) against a DynamoDB whose index lags its items,
 * a fault DynamoDB Local cannot show (its indexes are up to date at once): an in-memory table and
 * index behind aws-sdk-client-mock. Covers the merge of a bucketed list (pages across buckets,
 * names that tie, empty buckets), its cursor (one position, signed; tampered → 400), newest-first
 * merges, the drop of entries whose item moved or went, and BatchGetItem's unprocessed keys.
 */
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listContacts } from '../../shared/contacts/contact.repository';
import { resetDbClient } from '../../shared/db/client';
import { compareKeys, readIndexPage } from '../../shared/db/index-read';
import { keys, LIST_BUCKETS, listBucket } from '../../shared/db/keys';
import { retryClock } from '../../shared/db/retry';
import { resetSigningKey } from '../../shared/crypto/signing';
import { ENV, resetEnvCache } from '../../shared/env';
import { BadRequestError } from '../../shared/http/errors';

const ddb = mockClient(DynamoDBDocumentClient);
type Item = Record<string, unknown>;

/** The table's items, and each index's entries as last written (tests change items without them to make the index lag). */
let items: Map<string, Item>;
let index: { gsi1: Item[]; gsi2: Item[] };
let calls: string[];
let unprocessedOnce: boolean;

const id = (k: Item) => `${String(k.pk)}|${String(k.sk)}`;
const put = (item: Item) => {
  items.set(id(item), item);
  for (const name of ['gsi1', 'gsi2'] as const) {
    index[name] = index[name].filter((e) => id(e) !== id(item));
    if (item[`${name}pk`]) index[name].push({ pk: item.pk, sk: item.sk, [`${name}pk`]: item[`${name}pk`], [`${name}sk`]: item[`${name}sk`] });
  }
};

const query = (input: QueryCommandInput) => {
  calls.push('Query');
  const name = input.IndexName as 'gsi1' | 'gsi2';
  const [pkA, skA] = [`${name}pk`, `${name}sk`];
  const v = input.ExpressionAttributeValues!;
  const cond = input.KeyConditionExpression!;
  const inRange = (sk: string) => (cond.includes('begins_with') ? sk.startsWith(String(v[':range'])) : cond.includes('<') ? compareKeys(sk, String(v[':range'])) < 0 : true);
  const dir = input.ScanIndexForward === false ? -1 : 1;
  let rows = index[name].filter((e) => e[pkA] === v[':pk'] && inRange(String(e[skA]))).sort((a, b) => dir * compareKeys(String(a[skA]), String(b[skA])));
  const start = input.ExclusiveStartKey;
  if (start) {
    expect(start[pkA]).toBe(v[':pk']);
    rows = rows.filter((e) => dir * compareKeys(String(e[skA]), String(start[skA])) > 0);
  }
  const page = rows.slice(0, input.Limit);
  return { Items: page, ...(rows.length > page.length ? { LastEvaluatedKey: page[page.length - 1] } : {}) };
};

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', [ENV.TABLE_NAME]: 'index-read', [ENV.SIGNING_KEY]: randomBytes(32).toString('base64url') });
  resetEnvCache();
  resetDbClient();
  resetSigningKey();
});
beforeEach(() => {
  ddb.reset();
  items = new Map();
  index = { gsi1: [], gsi2: [] };
  calls = [];
  unprocessedOnce = false;
  ddb.on(QueryCommand).callsFake(query);
  ddb.on(BatchGetCommand).callsFake((input) => {
    calls.push('BatchGetItem');
    const req = input.RequestItems!['index-read']!;
    expect(req.Keys!.length).toBeLessThanOrEqual(100);
    let ask = req.Keys!;
    let left: Item[] = [];
    if (unprocessedOnce) {
      unprocessedOnce = false;
      left = ask.slice(1);
      ask = ask.slice(0, 1);
    }
    return {
      Responses: { 'index-read': ask.flatMap((k: Item) => (items.has(id(k)) ? [items.get(id(k))!] : [])) },
      ...(left.length ? { UnprocessedKeys: { 'index-read': { Keys: left } } } : {}),
    };
  });
  vi.spyOn(retryClock, 'sleep').mockImplementation(async () => {});
});
afterEach(() => vi.restoreAllMocks());

let seq = 0;
const contactId = () => `01JCONTACT${String(seq++).padStart(16, '0')}`;
const contact = (lastName: string, firstName: string, extra: Item = {}): Item => {
  const c = { id: contactId(), firstName, lastName, email: null, phone: null, title: null, companyId: null, status: 'active', version: 1, ...extra } as Item & { id: string; companyId: string | null };
  const item = { ...keys.contact(c.id), ...keys.contactLists(c as never), type: 'Contact', ...c };
  put(item);
  return item;
};
const sortKey = (c: Item) => String(c.gsi2sk);

/** Every page of the all-contacts list, with the requests each cost. */
const allPages = async (limit: number, status?: 'active' | 'inactive') => {
  const pages: { ids: string[]; calls: string[]; cursor: string | null }[] = [];
  let cursor: string | undefined;
  do {
    calls = [];
    const page = await listContacts({ by: 'all' }, { status }, limit, cursor);
    pages.push({ ids: page.items.map((c) => c.id), calls, cursor: page.nextCursor });
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return pages;
};

describe('bucketed lists', () => {
  it('spreads ids over every bucket', () => {
    const counts = Array(LIST_BUCKETS).fill(0);
    for (let i = 0; i < 10_000; i++) counts[listBucket(`01J${i.toString(36).padStart(23, '0')}`)]++;
    // A fair hash: every bucket within 10 % of 1,000.
    for (const n of counts) expect(Math.abs(n - 1000)).toBeLessThan(100);
    expect(listBucket('01JABC')).toBe(listBucket('01JABC'));
  });

  it('pages across buckets in name order, each contact once, a Query per bucket and one BatchGetItem per page', async () => {
    const names = ['Young', 'adams', 'Miller', 'Öz', 'Zhang', 'brown', 'Ng', 'Lee', 'Diaz', 'Kim', 'Baker', 'Evans', 'Price', 'Gray', 'Hall', 'Ito', 'Jones', 'Khan', 'Owen', 'Ross', 'Shaw', 'Tan', 'Vega', 'Wong', 'Cho'];
    const made = names.map((n, i) => contact(n, `F${i}`));
    expect(new Set(made.map((c) => c.gsi2pk)).size).toBeGreaterThan(5);
    const pages = await allPages(7);
    const expected = [...made].sort((a, b) => compareKeys(sortKey(a), sortKey(b))).map((c) => c.id);
    expect(pages.flatMap((p) => p.ids)).toEqual(expected);
    expect(pages.map((p) => p.ids.length)).toEqual([7, 7, 7, 4]);
    expect(pages.at(-1)!.cursor).toBeNull();
    for (const p of pages) expect(p.calls).toEqual([...Array(LIST_BUCKETS).fill('Query'), 'BatchGetItem']);
  });

  it('orders contacts of the same name by id, across buckets and page boundaries', async () => {
    const twins = Array.from({ length: 12 }, () => contact('Smith', 'Jo'));
    expect(new Set(twins.map((c) => c.gsi2pk)).size).toBeGreaterThan(3);
    contact('Smit', 'Zed');
    contact('Smithers', 'Al');
    const pages = await allPages(1);
    const order = pages.flatMap((p) => p.ids);
    expect(order).toHaveLength(14);
    expect(order.slice(1, 13)).toEqual(twins.map((c) => c.id).sort());
    expect(new Set(order).size).toBe(14);
  });

  it('lists a few contacts in mostly empty buckets in one page, and an empty list with no BatchGetItem', async () => {
    calls = [];
    const none = await listContacts({ by: 'all' }, {}, 50);
    expect(none).toEqual({ items: [], nextCursor: null });
    expect(calls).toEqual(Array(LIST_BUCKETS).fill('Query'));
    const two = [contact('B', 'x'), contact('A', 'y')];
    const pages = await allPages(50);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.ids).toEqual([two[1]!.id, two[0]!.id]);
    expect(pages[0]!.cursor).toBeNull();
  });

  it('refuses a tampered cursor or one from another listing with 400 INVALID_CURSOR', async () => {
    for (let i = 0; i < 5; i++) contact(`N${i}`, 'x');
    const first = await listContacts({ by: 'all' }, {}, 2);
    const cursor = first.nextCursor!;
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}${cursor.slice(-1)}`;
    for (const bad of [tampered, 'garbage']) {
      const err = await listContacts({ by: 'all' }, {}, 2, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
    }
    const foreign = await listContacts({ by: 'unassigned' }, {}, 2, cursor).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
    const inactiveListing = await listContacts({ by: 'all' }, { status: 'inactive' }, 2, cursor).catch((e: unknown) => e);
    expect(inactiveListing).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
    expect((await listContacts({ by: 'all' }, {}, 2, cursor)).items).toHaveLength(2);
  });

  it('keeps the cursor to one position, well under the 2,048 characters a cursor may have, whatever the names', async () => {
    const long = 'Ω'.repeat(100);
    for (let i = 0; i < 3 * LIST_BUCKETS; i++) contact(`${long}${i}`, long);
    const page = await listContacts({ by: 'all' }, {}, 5);
    expect(page.nextCursor!.length).toBeLessThan(2048);
  });

  it('merges newest first when the list sorts descending', async () => {
    const recs = Array.from({ length: 9 }, (_, i) => {
      const rid = `01JREC${String(i).padStart(20, '0')}`;
      const r = { ...keys.record('TICKET', rid), ...keys.recordLists('TICKET', { id: rid, companyId: 'C1' }), id: rid };
      put(r);
      return rid;
    });
    const listing = { index: 'gsi1' as const, partitions: keys.recordsByCompanyPartitions('TICKET', 'C1'), descending: true };
    const first = await readIndexPage(listing, 4);
    const second = await readIndexPage(listing, 4, first.next);
    const third = await readIndexPage(listing, 4, second.next);
    expect([...first.items, ...second.items, ...third.items].map((r) => r.id)).toEqual([...recs].reverse());
    expect(third.next).toBeUndefined();
  });
});

describe('stale index entries', () => {
  it('drops entries whose item was deleted, moved to another list or renamed, and keeps the order of the rest', async () => {
    const [a, b, c, d, e] = ['Able', 'Baker', 'Cole', 'Dunn', 'Eads'].map((n) => contact(n, 'x'));
    // Changed behind the index: deleted; moved to a company (its GSI1 list changes, GSI2 stays); renamed (its sort key moves).
    items.delete(id(b!));
    const moved = { ...c!, companyId: 'CO1', ...keys.contactLists({ ...(c as Parameters<typeof keys.contactLists>[0]), companyId: 'CO1' }) };
    items.set(id(c!), moved);
    const renamed = { ...d!, lastName: 'Zed', ...keys.contactLists({ ...(d as Parameters<typeof keys.contactLists>[0]), lastName: 'Zed' }) };
    items.set(id(d!), renamed);

    const all = await listContacts({ by: 'all' }, {}, 50);
    // c is still in the all-contacts list at the same position; d's entry is at its old name, so it is dropped until the index catches up.
    expect(all.items.map((x) => x.id)).toEqual([a!.id, c!.id, e!.id]);
    const unassigned = await listContacts({ by: 'unassigned' }, {}, 50);
    expect(unassigned.items.map((x) => x.id)).toEqual([a!.id, e!.id]);
  });

  it('filters by status on the items read (a page may come back short, its cursor still goes on)', async () => {
    for (let i = 0; i < 6; i++) contact(`S${i}`, 'x', { status: i % 2 ? 'inactive' : 'active' });
    const pages = await allPages(3, 'active');
    expect(pages.flatMap((p) => p.ids)).toHaveLength(3);
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  it('retries the keys BatchGetItem leaves unprocessed, and keeps the index order', async () => {
    const made = ['Q', 'R', 'S', 'T'].map((n) => contact(n, 'x'));
    unprocessedOnce = true;
    calls = [];
    const page = await listContacts({ by: 'all' }, {}, 10);
    expect(page.items.map((x) => x.id)).toEqual(made.map((c) => c.id));
    expect(calls.filter((x) => x === 'BatchGetItem')).toHaveLength(2);
  });
});
