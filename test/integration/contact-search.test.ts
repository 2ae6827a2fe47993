/**
 * Contact search on a real DynamoDB Local: `q` is one Query of the search index (plus the page's
 * contacts in one BatchGetItem), pages are full and list each contact once, accents and case
 * fold, and the index follows every create, rename, move, status change and delete.
 */
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { foldForSearch, searchTokens } from '../../shared/contacts/contact-search';
import { backfillContactSearch } from '../../shared/contacts/contact-search-backfill';
import { db, tableName } from '../../shared/db/client';
import { call } from '../helpers/http-event';
import { useEngines } from '../support/engines';

const engines = useEngines();

const run = Math.random().toString(36).slice(2, 8);
let n = 0;

const company = async () => (await call({ route: 'POST /v1/companies', body: { name: `Search Co ${run} ${++n}` } })).body as { id: string };
const contact = async (body: Record<string, unknown>) => {
  const res = await call({ route: 'POST /v1/contacts', body: { email: `c.${run}.${++n}@example.com`, ...body } });
  expect(res.status).toBe(201);
  return res.body as { id: string; firstName: string; lastName: string };
};
type Listed = { status: number; body: { items: { id: string }[]; nextCursor: string | null } };
const search = async (query: Record<string, string>): Promise<Listed> => call({ route: 'GET /v1/contacts', query });
const ids = (res: Listed) => res.body.items.map((c) => c.id);

/** Every search token item of a contact, straight from the table. */
const tokenItemsOf = async (contactId: string, tokens: string[]) => {
  const found: Record<string, unknown>[] = [];
  for (const t of tokens) {
    const out = await db().send(
      new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)', ExpressionAttributeValues: { ':pk': `CONTACTSEARCH#${[...t][0]}`, ':t': t } }),
    );
    found.push(...(out.Items ?? []).filter((i) => i.contactId === contactId));
  }
  return found;
};

describe('contact search', () => {
  it('folds names and emails into tokens', () => {
    expect(foldForSearch('  Zoë   ÉLAN ')).toBe('zoe elan');
    expect(searchTokens({ firstName: 'Mary Ann', lastName: 'van der Berg', email: 'mary@x.example' })).toEqual([
      'ann van der berg',
      'berg',
      'der berg',
      'mary ann van der berg',
      'mary@x.example',
      'van der berg',
    ]);
    // "john" is a prefix of "john smith", so it is not a token of its own.
    expect(searchTokens({ firstName: 'John', lastName: 'Smith', email: 'john@x.example' })).toEqual(['john smith', 'john@x.example', 'smith']);
  });

  it('pages are full, list each contact once and end with a null cursor; each page is one Query and one BatchGetItem', async () => {
    // Each contact matches twice (full name, then email), its two tokens side by side in the index.
    const prefix = `qx${run}c`;
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await contact({ firstName: `${prefix}${i}`, lastName: 'Lee', email: `${prefix}${i}.x@example.com` })).id);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      engines.requests.reset();
      const res = await search({ q: prefix.toUpperCase(), limit: '3', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(engines.requests.calls).toEqual(['Query', 'BatchGetItem']);
      pages.push(ids(res));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(made);
  });

  it('matches any case and any accents, on first name, last name, a later word, the full name and the email', async () => {
    const c = await contact({ firstName: 'Zoë', lastName: `Émile-${run} de la Peña`, email: `z.${run}@Example.com` });
    for (const q of [`ZOE EMILE-${run}`, `émile-${run}`, `EMILE-${run} de la pena`, 'zoë émile', `z.${run}`, `Z.${run}@example.c`]) {
      expect(ids(await search({ q })), q).toContain(c.id);
    }
    expect(ids(await search({ q: `la peña`, limit: '100' }))).toContain(c.id);
  });

  it('follows a rename, a move, a status change and a delete', async () => {
    const a = await company();
    const b = await company();
    const c = await contact({ firstName: 'Renée', lastName: `Old${run}`, companyId: a.id });
    expect(ids(await search({ q: `old${run}`, companyId: a.id }))).toEqual([c.id]);

    const renamed = await call({ route: 'PATCH /v1/contacts/{id}', params: { id: c.id }, body: { lastName: `New${run}`, companyId: b.id } });
    expect(renamed.status).toBe(200);
    expect(ids(await search({ q: `old${run}` }))).toEqual([]);
    expect(ids(await search({ q: `new${run}` }))).toEqual([c.id]);
    expect(ids(await search({ q: `new${run}`, companyId: a.id }))).toEqual([]);
    expect(ids(await search({ q: `new${run}`, companyId: b.id }))).toEqual([c.id]);
    expect(ids((await call({ route: 'GET /v1/companies/{id}/contacts', params: { id: b.id }, query: { q: 'RENEE' } }) as Listed))).toEqual([c.id]);

    expect((await call({ route: 'POST /v1/contacts/{id}/deactivate', params: { id: c.id } })).status).toBe(200);
    expect(ids(await search({ q: `new${run}`, status: 'active' }))).toEqual([]);
    expect(ids(await search({ q: `new${run}`, status: 'inactive' }))).toEqual([c.id]);

    expect((await call({ route: 'DELETE /v1/contacts/{id}', params: { id: c.id } })).status).toBe(204);
    expect(ids(await search({ q: `new${run}` }))).toEqual([]);
    expect(await tokenItemsOf(c.id, [`renee new${run}`, `new${run}`])).toEqual([]);
  });

  it('searches the unassigned contacts in their own partitions', async () => {
    const co = await company();
    const loner = await contact({ firstName: 'Ula', lastName: `Un${run}` });
    const member = await contact({ firstName: 'Ula', lastName: `Un${run}x`, companyId: co.id });
    expect(ids(await search({ q: `un${run}`, unassigned: 'true' }))).toEqual([loner.id]);
    expect(ids(await search({ q: `un${run}` })).sort()).toEqual([loner.id, member.id].sort());
  });

  it('backfills contacts written before the index existed, at the version read', async () => {
    const c = await contact({ firstName: 'Old', lastName: `Timer${run}` });
    // As before the index: the contact without its token items.
    for (const item of await tokenItemsOf(c.id, searchTokens({ ...c, email: null }))) {
      await db().send(new DeleteCommand({ TableName: tableName(), Key: { pk: item.pk, sk: item.sk } }));
    }
    expect(ids(await search({ q: `timer${run}` }))).toEqual([]);
    expect(await backfillContactSearch()).toBeGreaterThanOrEqual(1);
    expect(ids(await search({ q: `timer${run}` }))).toEqual([c.id]);
    expect(ids(await search({ q: `old timer${run}` }))).toEqual([c.id]);
  });
});
