/** Test-only shortcuts: states the API reaches another way, written straight to the table, and whole listings read through the API. */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../shared/db/client';
import { keys } from '../../shared/db/keys';
import { call } from './http-event';

/** Sets a company's status (and its listing partition) directly, as an archive or restore would. */
export const setCompanyStatus = (id: string, status: 'active' | 'archived') =>
  db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.company(id),
      UpdateExpression: 'SET #s = :s, gsi1pk = :pk',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':pk': keys.companyListBucket(status, id) },
    }),
  );

export const archiveDirectly = (id: string) => setCompanyStatus(id, 'archived');

/** Every contact of a company, page after page, through `GET /v1/companies/{id}/contacts`. */
export const allContactsOf = async <T = Record<string, any>>(companyId: string): Promise<T[]> => {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await call({ route: 'GET /v1/companies/{id}/contacts', params: { id: companyId }, query: { limit: '100', ...(cursor ? { cursor } : {}) } });
    all.push(...(page.body.items as T[]));
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
};

/** A contract's unbilled time entries, as its month items (`UnbilledTime`) hold them. */
export const unbilledEntries = async (companyId: string, contractId: string) =>
  (
    (
      await db().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': keys.company(companyId).pk, ':p': keys.unbilledTimePrefix(contractId) },
          ConsistentRead: true,
        }),
      )
    ).Items ?? []
  ).flatMap((item) => Object.entries(item).flatMap(([k, v]) => (k.startsWith('e_') ? [{ entryId: k.slice(2), ...(v as object) }] : [])));
