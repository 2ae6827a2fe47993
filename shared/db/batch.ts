/**
 * BatchWriteItem and BatchGetItem in DynamoDB's page sizes, retrying what DynamoDB left
 * unprocessed with the `unprocessed` policy's jittered backoff; still unprocessed after its
 * attempts (a throttle that persists) is `429 THROTTLED`.
 */
import { BatchGetCommand, BatchWriteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './client';
import { ThrottledError } from '../http/errors';
import { backoff, retryPolicies } from './retry';

/** BatchWriteItem in pages of 25, retrying unprocessed items with backoff. */
export const batchPut = async (items: Record<string, unknown>[]): Promise<void> => {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length; attempt++) {
      const out = await db().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }));
      requests = (out.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
      if (!requests.length) break;
      if (attempt + 1 >= retryPolicies.unprocessed.attempts) throw new ThrottledError();
      await backoff(retryPolicies.unprocessed, attempt);
    }
  }
};

/**
 * BatchGetItem, retrying unprocessed keys; returns the items found. Strongly consistent unless
 * `consistent: false` (half the read units; for listings, which read a lagging index anyway).
 */
export const batchGet = async (keyList: Record<string, string>[], { consistent = true }: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keyList.length; i += 100) {
    let pending: Record<string, unknown>[] = keyList.slice(i, i + 100);
    for (let attempt = 0; pending.length; attempt++) {
      const out = await db().send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: consistent } } }));
      found.push(...(out.Responses?.[tableName()] ?? []));
      pending = (out.UnprocessedKeys?.[tableName()]?.Keys ?? []) as Record<string, unknown>[];
      if (!pending.length) break;
      if (attempt + 1 >= retryPolicies.unprocessed.attempts) throw new ThrottledError();
      await backoff(retryPolicies.unprocessed, attempt);
    }
  }
  return found;
};


/** Every item a Query matches, page after page (for workers and reports, never a request path's one read). */
export async function* queryAll(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db().send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield* out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}
