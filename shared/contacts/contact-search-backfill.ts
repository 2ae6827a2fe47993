/**
 * Gives contacts written before the search index existed their token items: every contact (the
 * `CONTACTS` listing on GSI2, page by page), its tokens put at the version read. A contact changed
 * meanwhile is read again; one deleted meanwhile is skipped. Safe to run again, and while the API runs.
 */
import { tableName } from '../db/client';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { getContact, type ContactRecord } from './contact.repository';
import { searchTokenWrites } from './contact-search';

const ATTEMPTS = 5;

/** One contact's tokens, under a check that it is still at the version they were built from. */
const indexOne = async (first: ContactRecord): Promise<boolean> => {
  let c: ContactRecord | undefined = first;
  for (let attempt = 0; c && attempt < ATTEMPTS; attempt++) {
    try {
      await transact([
        {
          item: { ConditionCheck: { TableName: tableName(), Key: keys.contact(c.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': c.version } } },
          onConditionFailed: (old) => (old ? new StaleReadError() : new NotFoundError('contact')),
        },
        ...searchTokenWrites(undefined, c),
      ]);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      if (!(err instanceof StaleReadError || err instanceof PreconditionFailedError)) throw err;
      c = await getContact(c.id, true);
    }
  }
  if (c) throw new Error(`Contact ${c.id} kept changing; run the backfill again`);
  return false;
};

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
