/**
 * Gives contacts written before the search index existed their token items: every contact (the
 * `CONTACTS` listing on GSI2, page by page), its tokens put at the version read. A contact changed
 * meanwhile is read again; one deleted meanwhile is skipped. Safe to run again, and while the API runs.
 */
import { readIndexAll } from '../db/index-read';
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
  for await (const item of readIndexAll({ index: 'gsi2', partitions: keys.allContactsPartitions() })) {
    if (await indexOne(item as unknown as ContactRecord)) indexed++;
    if (indexed % 100 === 0) onPage(indexed);
  }
  onPage(indexed);
  return indexed;
};
