/**
 * Moves items written before the list buckets (issue 15) into them: every entry still in an
 * unbucketed list partition (`COMPANIES#<status>`, `CONTACTS`, `COMPANY#<id>#CONTACTS`,
 * `NOCOMPANY#CONTACTS`, `COMPANY#<id>#<KIND>S`, `NOCOMPANY#<KIND>S`) gets the bucket its id
 * hashes to, with one UpdateItem on the condition that it is still in the old partition: an item
 * the API changed meanwhile already has its bucket, and one deleted meanwhile is skipped. Like
 * the contact search backfill (shared/contacts/contact-search-backfill.ts), it walks a listing
 * page by page, writes each item under a condition, and is safe to run again and while the API
 * runs. Keys only: it reads no item, only the index.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RECORD_KINDS } from '../records/record.schema';
import { COMPANY_STATUSES } from '../companies/company.schema';
import { db, tableName } from './client';
import { readIndexAll, readIndexKeys } from './index-read';
import { keys } from './keys';
import type { IndexName } from './table';

/** Updates in flight at once: one old partition loses an entry per update, so this bounds its write rate (~8 per 10 ms). */
const IN_FLIGHT = 8;

/** The id an item's partition key names (`COMPANY#<id>`, `CONTACT#<id>`, `TICKET#<id>`, …). */
const idOf = (pk: string) => pk.slice(pk.indexOf('#') + 1);

/** Every entry of one old partition into its bucket; returns how many moved. */
const moveAll = async (index: IndexName, partition: string): Promise<number> => {
  const pkAttr = `${index}pk`;
  let moved = 0;
  let idle = 0;
  // Each page's moves leave the old partition, so the next read starts from its beginning again.
  for (;;) {
    const { keys: entries } = await readIndexKeys({ index, partitions: [partition] }, 100);
    if (!entries.length) return moved;
    let progress = 0;
    for (let i = 0; i < entries.length; i += IN_FLIGHT) {
      const results = await Promise.all(
        entries.slice(i, i + IN_FLIGHT).map(async (e) => {
          try {
            await db().send(
              new UpdateCommand({
                TableName: tableName(),
                Key: { pk: e.pk, sk: e.sk },
                UpdateExpression: 'SET #list = :bucket',
                ConditionExpression: '#list = :old',
                ExpressionAttributeNames: { '#list': pkAttr },
                ExpressionAttributeValues: { ':bucket': keys.unbucketed.bucketOf(partition, idOf(String(e.pk))), ':old': partition },
              }),
            );
            return 1;
          } catch (err) {
            // Changed or deleted since the index was read: already in its bucket, or gone.
            if (err instanceof ConditionalCheckFailedException) return 0;
            throw err;
          }
        }),
      );
      const n = results.reduce<number>((a, b) => a + b, 0);
      moved += n;
      progress += n;
    }
    // Nothing moved: the index still shows entries whose items already moved (it lags); wait for it.
    if (progress) idle = 0;
    else if (++idle > 120) throw new Error(`${partition}: the index still lists items that moved a minute ago; run the backfill again`);
    else await new Promise((r) => setTimeout(r, 500));
  }
};

/** Moves every unbucketed list entry into its bucket; `onStep` reports each partition done. Returns how many items moved. */
export const backfillListBuckets = async (onStep: (partition: string, moved: number) => void = () => {}): Promise<number> => {
  let total = 0;
  const step = async (index: IndexName, partition: string) => {
    const n = await moveAll(index, partition);
    total += n;
    if (n) onStep(partition, n);
  };
  for (const status of COMPANY_STATUSES) await step('gsi1', keys.unbucketed.companies(status));
  await step('gsi2', keys.unbucketed.allContacts);
  const perCompany = async (companyId: string | null) => {
    await step('gsi1', keys.unbucketed.contacts(companyId));
    for (const k of RECORD_KINDS) await step('gsi1', keys.unbucketed.records(k.prefix, companyId));
  };
  await perCompany(null);
  for (const status of COMPANY_STATUSES) for await (const c of readIndexAll({ index: 'gsi1', partitions: keys.companyListPartitions(status) })) await perCompany(String(c.id));
  return total;
};
