/** Record items (tickets, assets, invoices), generic over `RecordKind`; keys from `db/keys.ts`. */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { RecordKind } from './record.schema';

export type StoredRecord = Record<string, unknown> & { id: string; companyId: string | null; contactId?: string | null; version: number };

const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest }: Record<string, unknown>) => rest as StoredRecord;

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
  const partition = byCompany ? keys.recordsByCompany(kind.prefix, by.companyId) : keys.recordsByContact(kind.prefix, by.contactId);
  const listing = `${kind.plural}:${partition}:${status ?? ''}:${hide.join(',')}`;
  const index = byCompany ? 'gsi1' : 'gsi2';
  const filters: string[] = [];
  const values: Record<string, unknown> = { ':pk': partition };
  if (status) {
    filters.push('#status = :status');
    values[':status'] = status;
  }
  if (hide.length) {
    filters.push(`NOT #status IN (${hide.map((_, i) => `:hide${i}`).join(', ')})`);
    hide.forEach((h, i) => (values[`:hide${i}`] = h));
  }
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk`,
      ...(filters.length ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: await decodeCursor(listing, cursor),
    }),
  );
  return { items: (out.Items ?? []).map(fromItem), nextCursor: await encodeCursor(listing, out.LastEvaluatedKey) };
};

export const putNewRecord = (kind: RecordKind, r: StoredRecord): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.record(kind.prefix, r.id), ...keys.recordLists(kind.prefix, r), type: kind.name, ...r },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
});

/** The changed fields at the version read, with the listing keys that follow company and contact. */
export const updateRecordItem = (kind: RecordKind, before: StoredRecord, after: StoredRecord, changed: string[], opts: { expectContact?: string } = {}): TxItem => {
  const set: Record<string, unknown> = Object.fromEntries([...new Set([...changed, 'version', 'updatedAt'])].map((f) => [f, after[f] ?? null]));
  Object.assign(set, keys.recordLists(kind.prefix, after));
  const remove = kind.linksContact && !after.contactId ? ['gsi2pk', 'gsi2sk'] : [];
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
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.recordsByContact(kind.prefix, contactId) },
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map(fromItem);
};
