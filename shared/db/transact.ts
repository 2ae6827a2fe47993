/**
 * One TransactWriteItems call where each item names the error its failed condition means, so
 * services write `{ put, onConditionFailed: () => new ConflictError(...) }` and never parse
 * cancellation reasons themselves.
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { db } from './client';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface TxItem {
  item: TransactItem;
  /** What a failed condition on this item means; receives the item as it was (ALL_OLD). */
  onConditionFailed?: (old: Record<string, unknown> | undefined) => Error;
}

const MAX_CONFLICT_RETRIES = 3;

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
      // Another transaction touched the same items at the same moment: try again.
      if (reasons.some((r) => r.Code === 'TransactionConflict') && attempt < MAX_CONFLICT_RETRIES) {
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
        continue;
      }
      throw err;
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
