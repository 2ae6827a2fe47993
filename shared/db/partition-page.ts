/** One page of a partition's items whose sort keys start with a prefix, newest (highest key) first, with a signed cursor bound to the listing. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { db, tableName } from './client';

export const pagePartition = async (listing: string, pk: string, prefix: string, limit: number, cursor?: string): Promise<Page<Record<string, unknown>>> => {
  const start = await decodeCursor(listing, cursor);
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: start,
    }),
  );
  return { items: out.Items ?? [], nextCursor: await encodeCursor(listing, out.LastEvaluatedKey) };
};
