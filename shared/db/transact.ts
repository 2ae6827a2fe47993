/**
 * One TransactWriteItems call where each item names the error its failed condition means, so
 * services write `{ put, onConditionFailed: () => new ConflictError(...) }` and never parse
 * cancellation reasons themselves.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError, ThrottledError } from '../http/errors';
import { db } from './client';
import { backoff, retryPolicies } from './retry';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface TxItem {
  item: TransactItem;
  /** What a failed condition on this item means; receives the item as it was (ALL_OLD). */
  onConditionFailed?: (old: Record<string, unknown> | undefined) => Error;
}

/** Cancellation reasons that say DynamoDB throttled an item of the transaction. */
const THROTTLE_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/**
 * Commits the items in one transaction. A failed condition is reported at once as its item's
 * error. A conflict with another transaction, or a throttled item, is retried with the policy's
 * jittered backoff (shared/db/retry.ts); if it persists the caller gets `409 CONCURRENT_CHANGE`
 * or `429 THROTTLED`, never the SDK's exception.
 */
export const transact = async (items: TxItem[]): Promise<void> => {
  const TransactItems = items.map(({ item, onConditionFailed }) => withOldValues(item, !!onConditionFailed));
  for (let attempt = 0; ; attempt++) {
    try {
      await db().send(new TransactWriteCommand({ TransactItems }));
      return;
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const reasons = err.CancellationReasons ?? [];
      // A condition that failed is a verdict; report the first one, in the order the service listed them.
      for (const [i, reason] of reasons.entries()) {
        if (reason.Code === 'ConditionalCheckFailed') {
          const handler = items[i]?.onConditionFailed;
          const old = reason.Item ? unmarshall(reason.Item) : undefined;
          if (handler) throw handler(old);
          throw err;
        }
      }
      const kind = reasons.some((r) => r.Code === 'TransactionConflict') ? 'conflict' : reasons.some((r) => THROTTLE_REASONS.has(r.Code ?? '')) ? 'throttle' : undefined;
      if (!kind) throw err;
      if (attempt + 1 < retryPolicies[kind].attempts) {
        await backoff(retryPolicies[kind], attempt);
        continue;
      }
      if (kind === 'throttle') throw new ThrottledError();
      throw new ConflictError('CONCURRENT_CHANGE', 'The record is being changed by another request; try again.');
    }
  }
};

const withOldValues = (item: TransactItem, wanted: boolean): TransactItem => {
  if (!wanted) return item;
  if (item.Put) return { Put: { ...item.Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.Update) return { Update: { ...item.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.Delete) return { Delete: { ...item.Delete, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  if (item.ConditionCheck) return { ConditionCheck: { ...item.ConditionCheck, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  return item;
};
