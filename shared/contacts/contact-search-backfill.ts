/**
 * Gives contacts written before the search index existed their token items: every contact (the
 * `CONTACTS` listing on GSI2, page by page), its tokens put at the version read. A contact changed
 * meanwhile is read again; one deleted meanwhile is skipped. Safe to run again, and while the API runs.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import { retryOnStaleRead } from '../db/optimistic';
import { retryPolicies } from '../db/retry';
import { conditionCheck } from '../db/update';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { getContact, type ContactRecord } from './contact.repository';
import { searchTokenWrites } from './contact-search';

const ATTEMPTS = 5;

/** One contact's tokens, under a check that it is still at the version they were built from. */
const indexOne = (first: ContactRecord): Promise<boolean> =>
  retryOnStaleRead(
    async (n) => {
      const c = n === 1 ? first : await getContact(first.id, true);
      if (!c) return false;
      try {
        await transact([
          { item: { ConditionCheck: conditionCheck(keys.contact(c.id), { expression: 'version = :v', values: { ':v': c.version } }) }, onConditionFailed: (old) => (old ? new StaleReadError() : new NotFoundError('contact')) },
          ...searchTokenWrites(undefined, c),
        ]);
        return true;
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
    },
    {
      policy: { ...retryPolicies.staleRead, attempts: ATTEMPTS },
      isStale: (err) => err instanceof StaleReadError || err instanceof PreconditionFailedError,
      onExhausted: () => {
        throw new Error(`Contact ${first.id} kept changing; run the backfill again`);
      },
    },
  );

/** Indexes every contact; returns how many were indexed. `onPage` reports progress. */
export const backfillContactSearch = async (onPage: (indexed: number) => void = () => {}): Promise<number> => {
  let indexed = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db().send(
      new QueryCommand({ TableName: tableName(), IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': keys.allContactsPartition }, Limit: 100, ExclusiveStartKey: start }),
    );
    for (const item of out.Items ?? []) if (await indexOne(item as unknown as ContactRecord)) indexed++;
    onPage(indexed);
    start = out.LastEvaluatedKey;
  } while (start);
  return indexed;
};
