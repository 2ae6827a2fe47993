/** A company's notification log (`keys.notification`), newest first: one Query of its partition's prefix, beside a key-only read that makes an unknown company `404`. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { requireCompany } from '../companies/company.repository';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';

const strip = ({ pk: _pk, sk: _sk, type: _t, expiresAt: _e, ...rest }: Record<string, unknown>) => rest;

export const listNotifications = async (companyId: string, limit: number, cursor?: string): Promise<Page<Record<string, unknown>>> => {
  const listing = `notifications:${companyId}`;
  const start = await decodeCursor(listing, cursor);
  const query = new QueryCommand({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.company(companyId).pk, ':prefix': keys.notificationPrefix },
    ScanIndexForward: false,
    Limit: limit,
    ExclusiveStartKey: start,
  });
  const [, out] = await Promise.all([requireCompany(companyId), db().send(query)]);
  return { items: (out.Items ?? []).map(strip), nextCursor: await encodeCursor(listing, out.LastEvaluatedKey) };
};
