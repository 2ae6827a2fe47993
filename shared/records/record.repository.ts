/** Record items (tickets, assets, invoices), generic over `RecordKind`; keys from `db/keys.ts`. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { companyReference } from '../companies/company.repository';
import { contactReference } from '../contacts/contact.repository';
import { db, tableName } from '../db/client';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { RecordKind } from './record.schema';

export type StoredRecord = Record<string, unknown> & { id: string; companyId: string | null; contactId?: string | null; version: number };

/** A record as stored, without its table and index keys. */
export const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, gsi3pk: _e, gsi3sk: _f, type: _t, ...rest }: Record<string, unknown>) => rest as StoredRecord;

export const getRecord = async (kind: RecordKind, id: string, consistent = false): Promise<StoredRecord | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.record(kind.prefix, id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/** A company's (GSI1) or a contact's (GSI2) records, newest first, in one Query; `status` filters the page. */
export const listRecords = async (
  kind: RecordKind,
  by: { companyId: string } | { contactId: string },
  status: string | undefined,
  limit: number,
  cursor?: string,
  /** Statuses never listed (the portal does not show draft invoices). */
  hide: readonly string[] = [],
): Promise<Page<StoredRecord>> => {
  const byCompany = 'companyId' in by;
  // By company: the list's GSI1 buckets, merged newest first; by contact: one GSI2 partition.
  const partitions = byCompany ? keys.recordsByCompanyPartitions(kind.prefix, by.companyId) : [keys.recordsByContact(kind.prefix, by.contactId)];
  const listing = `${kind.plural}:${byCompany ? `company:${by.companyId}` : `contact:${by.contactId}`}:${status ?? ''}:${hide.join(',')}`;
  const page = await readIndexPage({ index: byCompany ? 'gsi1' : 'gsi2', partitions, descending: true }, limit, await decodeCursor(listing, cursor));
  // Status filters the page, as a FilterExpression would (after `limit` were read).
  const items = page.items.filter((r) => (!status || r.status === status) && !hide.includes(String(r.status)));
  return { items: items.map(fromItem), nextCursor: await encodeCursor(listing, page.next) };
};

/**
 * Records on the kind's own index (`kind.watch`, a ticket's SLA clock on GSI3), across companies:
 * soonest due first, each re-checked against the query (the index lags the items).
 */
export const listWatched = async (kind: RecordKind, query: Record<string, unknown>, limit: number, cursor?: string): Promise<Page<StoredRecord>> => {
  const watch = kind.watch!;
  const l = watch.listing(query);
  const listing = `${kind.plural}:watch:${l.partitions[0]}:${l.partitions.length}:${l.below ?? ''}`;
  const page = await readIndexPage({ index: 'gsi3', partitions: l.partitions, below: l.below }, limit, await decodeCursor(listing, cursor));
  return { items: page.items.map(fromItem).filter((r) => watch.matches(r, query)), nextCursor: await encodeCursor(listing, page.next) };
};

export const putNewRecord = (kind: RecordKind, r: StoredRecord): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.record(kind.prefix, r.id), ...keys.recordLists(kind.prefix, r), ...kind.watch?.keys(r), type: kind.name, ...r },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
});

/** The API resource: the kind's documented fields only. */
export const toResource = (kind: RecordKind, r: StoredRecord) => {
  const defaults = kind.defaults?.() ?? {};
  return Object.fromEntries(Object.keys(kind.schema.shape).map((f) => [f, r[f] ?? defaults[f] ?? null]));
};

/** A new record of `kind` from its input: every documented field, defaults, id, version 1. */
export const newRecord = (kind: RecordKind, input: Record<string, unknown>, extra: Record<string, unknown> = {}): StoredRecord => {
  const now = new Date().toISOString();
  return {
    ...Object.fromEntries(Object.keys(kind.schema.shape).map((f) => [f, null])),
    ...kind.defaults?.(),
    ...(kind.name === 'asset' ? { source: 'manual' } : {}),
    ...input,
    ...(kind.name === 'invoice' && input.balance === undefined ? { balance: input.total } : {}),
    ...Object.fromEntries((kind.markers ?? []).map((m) => [m, true])),
    ...extra,
    id: ulid(),
    companyId: input.companyId as string,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
};

/**
 * The items that create `record`: the record, and its company (and contact) with their
 * counters and guards (the company must exist and be active), for the caller's transaction.
 */
export const newRecordItems = (kind: RecordKind, record: StoredRecord): TxItem[] => {
  const counts = kind.counts(record);
  return [
    putNewRecord(kind, record),
    companyReference(record.companyId!, counts.company, { into: true }),
    ...(record.contactId ? [contactReference(record.contactId, record.companyId, counts.contact)] : []),
  ];
};

/** The changed fields at the version read, with the listing keys that follow company and contact. */
export const updateRecordItem = (kind: RecordKind, before: StoredRecord, after: StoredRecord, changed: string[], opts: { expectContact?: string } = {}): TxItem => {
  const set: Record<string, unknown> = Object.fromEntries([...new Set([...changed, 'version', 'updatedAt'])].map((f) => [f, after[f] ?? null]));
  Object.assign(set, keys.recordLists(kind.prefix, after));
  const remove = kind.linksContact && !after.contactId ? ['gsi2pk', 'gsi2sk'] : [];
  if (kind.watch) {
    // The kind's own index entry (a ticket's SLA clock): set while it has one, removed when not.
    const watch = kind.watch.keys(after);
    Object.assign(set, watch);
    remove.push(...kind.watch.attributes.filter((a) => !(a in watch)));
  }
  const condition = {
    expression: `attribute_exists(pk) AND version = :expected${opts.expectContact ? ' AND contactId = :expectContact' : ''}`,
    values: { ':expected': before.version, ...(opts.expectContact ? { ':expectContact': opts.expectContact } : {}) },
  };
  return {
    item: { Update: updateItem(keys.record(kind.prefix, before.id), { set, remove }, condition) },
    onConditionFailed: (old) => {
      if (!old) return new NotFoundError(kind.name);
      if (opts.expectContact) return new StaleReadError();
      return new PreconditionFailedError(Number(old.version));
    },
  };
};

/** Up to `limit` records still linked to a contact (GSI2), read consistently enough to retry on. */
export const recordsOfContact = async (kind: RecordKind, contactId: string, limit: number): Promise<StoredRecord[]> => {
  const page = await readIndexPage({ index: 'gsi2', partitions: [keys.recordsByContact(kind.prefix, contactId)] }, limit);
  return page.items.map(fromItem);
};
