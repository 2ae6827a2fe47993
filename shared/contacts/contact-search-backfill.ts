/**
 * Gives contacts written before the search index existed their token items: every contact (the
 * `CONTACTS` listing on GSI2, page by page), its tokens put at the version read. A contact changed
 * meanwhile is read again; one deleted meanwhile is skipped. Safe to run again, and while the API runs.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
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
