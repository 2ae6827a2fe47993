/**
 * What a permanent delete does to everything tied to the company, as one declaration: each
 * kind says where the company's items of that kind are listed and what happens to each one
 * (`unassign`: company link cleared, record kept, moved to the "no company" listing;
 * `delete`). The deletion preview counts from it and the cleanup worker executes it, so a
 * module that adds a kind (SLA policies, projects, …) adds one entry here.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import { updateItem } from '../db/update';
import type { TxItem } from '../db/transact';
import { CONTACT_MARKERS } from '../contacts/contact-counts';
import { MAX_SEARCH_TOKENS, searchTokenWrites, type Searchable } from '../contacts/contact-search';
import { RECORD_KINDS } from '../records/record.schema';

export interface CleanupKind {
  /** The name in the preview and the job's progress. */
  kind: string;
  action: 'unassign' | 'delete';
  /** Where the company's items of this kind are: a GSI1 partition, or the company's own partition with a sort-key prefix. */
  listing: (companyId: string) => { index: 'gsi1'; partitions: string[] } | { index: null; partition: string; skPrefix: string };
  /** The idempotent write for one listed item (its first item's condition fails if it was done already), with what follows it. */
  write: (item: Record<string, unknown>, companyId: string, now: string) => TxItem[];
  /** Listed items per transaction (default 25): fewer where one item's write takes several. */
  page?: number;
}

/** `noCompanyList`: the item's bucket of the "no company" listing of its kind; `also`: more fields the kind sets. */
const unassign = (noCompanyList: (id: string) => string, also: Record<string, unknown> = {}) => (item: Record<string, unknown>, companyId: string, now: string): TxItem => ({
  item: {
    Update: updateItem(
      { pk: item.pk as string, sk: item.sk as string },
      { set: { ...also, companyId: null, gsi1pk: noCompanyList(String(item.id)), updatedAt: now }, add: { version: 1 } },
      { expression: 'companyId = :company', values: { ':company': companyId } },
    ),
  },
});

const remove = (item: Record<string, unknown>): TxItem[] => [
  { item: { Delete: { TableName: tableName(), Key: { pk: item.pk as string, sk: item.sk as string }, ConditionExpression: 'attribute_exists(pk)' } } },
];

export const cleanupKinds: readonly CleanupKind[] = [
  {
    kind: 'contacts',
    action: 'unassign',
    listing: (companyId) => ({ index: 'gsi1', partitions: keys.contactListPartitions(companyId) }),
    // The contact's search tokens move to the unassigned partitions in the same transaction (put whole, so a contact not yet backfilled gets them).
    // With no company it adds to no counter, so it is counted as it is (contacts/contact-counts.ts): the company and its counters are gone.
    write: (item, companyId, now) => [
      unassign((id) => keys.contactListBucket(null, id), Object.fromEntries(CONTACT_MARKERS.map((m) => [m, true])))(item, companyId, now),
      ...searchTokenWrites(item as unknown as Searchable, { ...(item as unknown as Searchable), companyId: null }),
    ],
    page: Math.floor(90 / (1 + MAX_SEARCH_TOKENS)),
  },
  ...RECORD_KINDS.map(
    (k): CleanupKind => ({
      kind: k.plural,
      action: 'unassign',
      listing: (companyId) => ({ index: 'gsi1', partitions: keys.recordsByCompanyPartitions(k.prefix, companyId) }),
      write: (item, companyId, now) => [unassign((id) => keys.recordsByCompanyBucket(k.prefix, null, id))(item, companyId, now)],
    }),
  ),
  {
    // Time entries are deleted; their contract-time items live in the company's partition (`companyData` below).
    kind: 'timeEntries',
    action: 'delete',
    listing: (companyId) => ({ index: 'gsi1', partitions: keys.timeEntriesByCompanyPartitions(companyId) }),
    write: remove,
  },
  {
    // Per-customer SLA policies are deleted; the SLA module lists them under this partition.
    kind: 'slaPolicies',
    action: 'delete',
    listing: (companyId) => ({ index: 'gsi1', partitions: [keys.slaPoliciesByCompany(companyId)] }),
    write: remove,
  },
  {
    kind: 'addresses',
    action: 'delete',
    listing: (companyId) => ({ index: null, partition: keys.company(companyId).pk, skPrefix: keys.addressPrefix }),
    write: remove,
  },
  {
    // Contracts go with their company (their invoices stay, unassigned, as records).
    kind: 'contracts',
    action: 'delete',
    listing: (companyId) => ({ index: 'gsi1', partitions: [keys.contractsOfCompany(companyId)] }),
    write: remove,
  },
  {
    // Installer tokens go with their company (a token of a deleted company was refused already: its company is gone).
    kind: 'installerTokens',
    action: 'delete',
    listing: (companyId) => ({ index: 'gsi1', partitions: [keys.installerTokensOfCompany(companyId)] }),
    write: remove,
  },
  {
    // What else lived in the company's partition: the billing pointer, the compliance organization, the registered devices' serial guards.
    kind: 'companyData',
    action: 'delete',
    listing: (companyId) => ({ index: null, partition: keys.company(companyId).pk, skPrefix: '' }),
    write: remove,
  },
];

/** One Query input per partition the kind is listed in (every bucket of an index list, or the company's own partition). */
const queryInputs = (k: CleanupKind, companyId: string) => {
  const l = k.listing(companyId);
  return l.index
    ? l.partitions.map((p) => ({ TableName: tableName(), IndexName: l.index, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': p } }))
    : [
        {
          TableName: tableName(),
          KeyConditionExpression: l.skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': l.partition, ...(l.skPrefix ? { ':prefix': l.skPrefix } : {}) },
          ConsistentRead: true,
        },
      ];
};

/**
 * Up to `limit` items of a kind still tied to the company, whole. From an index: its keys, then
 * the items (shared/db/index-read.ts), read on past entries the index still shows for items
 * already moved, so an empty answer means none is left.
 */
export const listRemaining = async (k: CleanupKind, companyId: string, limit: number): Promise<Record<string, unknown>[]> => {
  const l = k.listing(companyId);
  if (!l.index) {
    const out = await db().send(new QueryCommand({ ...queryInputs(k, companyId)[0], Limit: limit }));
    return out.Items ?? [];
  }
  const found: Record<string, unknown>[] = [];
  let after: Record<string, unknown> | undefined;
  do {
    const page = await readIndexPage({ index: l.index, partitions: l.partitions }, limit, after);
    found.push(...page.items);
    after = page.next;
  } while (after && found.length < limit);
  return found.slice(0, limit);
};

/** How many items of a kind are tied to the company: Select COUNT, page by page, over each partition it is listed in. */
export const countRemaining = async (k: CleanupKind, companyId: string): Promise<number> => {
  let total = 0;
  for (const input of queryInputs(k, companyId)) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db().send(new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start }));
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return total;
};

/** The kinds a preview reports (everything but the company's own bookkeeping items). */
export const reportedKinds = cleanupKinds.filter((k) => k.kind !== 'companyData');
