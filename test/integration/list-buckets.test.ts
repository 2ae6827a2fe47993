/**
 * Upgrading data from before the keys-only indexes and the list buckets (issue 15), on DynamoDB
 * Local: a table with the old indexes (projection ALL) and items in the old unbucketed list
 * partitions is brought to the new shape by `createTable` (what `npm start` does with an old
 * `.local`), and `backfillListBuckets` moves every list entry into its bucket, after which the
 * routes list everything again. Run twice, it moves nothing.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createTable } from '../../infra/local/table';
import { listCompanies } from '../../shared/companies/company.repository';
import { listContacts } from '../../shared/contacts/contact.repository';
import { db, resetDbClient } from '../../shared/db/client';
import { readIndexKeys } from '../../shared/db/index-read';
import { keys, LIST_BUCKETS, normalizeName } from '../../shared/db/keys';
import { backfillListBuckets } from '../../shared/db/list-bucket-backfill';
import { ENV, resetEnvCache } from '../../shared/env';
import { listRecords } from '../../shared/records/record.repository';
import { recordKinds } from '../../shared/records/record.schema';
import { useEngines } from '../support/engines';

useEngines();
const run = Math.random().toString(36).slice(2, 8);
const newTable = process.env[ENV.TABLE_NAME]!;
const useTable = (name: string) => {
  process.env[ENV.TABLE_NAME] = name;
  resetEnvCache();
  resetDbClient();
};
afterAll(() => useTable(newTable));

const now = '2026-01-01T00:00:00.000Z';
const ulidLike = (n: number) => `01JOLD${run.toUpperCase().padEnd(6, '0')}${String(n).padStart(14, '0')}`;

/** Items as the code before issue 15 wrote them: one list partition each, no buckets. */
const oldItems = () => {
  const companies = Array.from({ length: 12 }, (_, i) => ({ id: ulidLike(i), name: `Old Co ${String(i).padStart(2, '0')}` }));
  const home = companies[0]!;
  const items: Record<string, unknown>[] = companies.map((c) => ({
    ...keys.company(c.id),
    gsi1pk: 'COMPANIES#active',
    gsi1sk: normalizeName(c.name),
    type: 'Company',
    id: c.id,
    name: c.name,
    status: 'active',
    counts: {},
    integrations: {},
    version: 1,
    createdAt: now,
    updatedAt: now,
  }));
  const contacts = Array.from({ length: 15 }, (_, i) => ({ id: ulidLike(100 + i), firstName: `F${i}`, lastName: `Last${String(i).padStart(2, '0')}`, companyId: i < 10 ? home.id : null }));
  for (const c of contacts) {
    const sk = `${normalizeName(c.lastName)}#${normalizeName(c.firstName)}#${c.id}`;
    items.push({
      ...keys.contact(c.id),
      gsi1pk: c.companyId ? `COMPANY#${c.companyId}#CONTACTS` : 'NOCOMPANY#CONTACTS',
      gsi1sk: sk,
      gsi2pk: 'CONTACTS',
      gsi2sk: sk,
      type: 'Contact',
      ...c,
      email: null,
      phone: null,
      title: null,
      status: 'active',
      counts: {},
      portal: { status: 'none' },
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
  }
  const tickets = Array.from({ length: 11 }, (_, i) => ulidLike(200 + i));
  for (const id of tickets) {
    items.push({ ...keys.record('TICKET', id), gsi1pk: `COMPANY#${home.id}#TICKETS`, gsi1sk: id, type: 'ticket', id, companyId: home.id, contactId: null, status: 'open', subject: 's', version: 1, createdAt: now, updatedAt: now });
  }
  return { items, companies, contacts, tickets, home };
};

describe('upgrading to keys-only indexes and list buckets', () => {
  it('recreates the old indexes keys-only, and the backfill moves every list entry into its bucket', async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const name = `clientele-before-buckets-${run}`;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          GlobalSecondaryIndexes: ['gsi1', 'gsi2'].map((i) => ({
            IndexName: i,
            KeySchema: [{ AttributeName: `${i}pk`, KeyType: 'HASH' }, { AttributeName: `${i}sk`, KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'ALL' },
          })),
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
      useTable(name);
      const old = oldItems();
      for (let i = 0; i < old.items.length; i += 25) await db().send(new BatchWriteCommand({ RequestItems: { [name]: old.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));

      expect(await createTable(endpoint, name)).toBe('upgraded');
      const shape = (await client.send(new DescribeTableCommand({ TableName: name }))).Table!;
      expect(shape.GlobalSecondaryIndexes!.map((g) => [g.IndexName, g.Projection?.ProjectionType, g.IndexStatus]).sort()).toEqual([
        ['gsi1', 'KEYS_ONLY', 'ACTIVE'],
        ['gsi2', 'KEYS_ONLY', 'ACTIVE'],
        ['gsi3', 'KEYS_ONLY', 'ACTIVE'],
      ]);
      // Its stream, of new images only, is made again with old images too (the webhook capture compares them).
      expect(shape.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
      expect(await createTable(endpoint, name)).toBe('existed');

      // Before the backfill the bucketed listings do not see the old entries.
      expect((await listContacts({ by: 'all' }, {}, 100)).items).toEqual([]);

      const steps: string[] = [];
      // 12 companies, 15 contacts in the all-contacts list and 15 in a company's or the unassigned list, 11 tickets.
      expect(await backfillListBuckets((p) => steps.push(p))).toBe(12 + 15 + 15 + 11);
      expect(steps).toEqual(['COMPANIES#active', 'CONTACTS', 'NOCOMPANY#CONTACTS', `COMPANY#${old.home.id}#CONTACTS`, `COMPANY#${old.home.id}#TICKETS`]);
      expect(await backfillListBuckets()).toBe(0);

      const companies = await listCompanies('active', 'old co', 100);
      expect(companies.items.map((c) => c.id)).toEqual(old.companies.map((c) => c.id));
      const all = await listContacts({ by: 'all' }, {}, 100);
      expect(all.items.map((c) => c.id)).toEqual(old.contacts.map((c) => c.id));
      const ofHome = await listContacts({ by: 'company', companyId: old.home.id }, {}, 100);
      expect(ofHome.items.map((c) => c.id)).toEqual(old.contacts.slice(0, 10).map((c) => c.id));
      const unassigned = await listContacts({ by: 'unassigned' }, {}, 100);
      expect(unassigned.items.map((c) => c.id)).toEqual(old.contacts.slice(10).map((c) => c.id));
      const tickets = await listRecords(recordKinds.ticket, { companyId: old.home.id }, undefined, 100);
      expect(tickets.items.map((t) => t.id)).toEqual([...old.tickets].reverse());
      // Spread: the 15 contacts sit in several of the all-contacts list's buckets.
      const perBucket = await Promise.all(keys.allContactsPartitions().map(async (p) => (await readIndexKeys({ index: 'gsi2', partitions: [p] }, 100)).keys.length));
      expect(perBucket).toHaveLength(LIST_BUCKETS);
      expect(perBucket.reduce((a, b) => a + b, 0)).toBe(15);
      expect(perBucket.filter((n) => n > 0).length).toBeGreaterThan(3);
    } finally {
      useTable(newTable);
      client.destroy();
    }
  });
});
