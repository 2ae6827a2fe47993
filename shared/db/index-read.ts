/**
 * Every read of an index goes through here. Both indexes project keys only (shared/db/table.ts),
 * so a listing is: one Query per partition it reads for the index keys, merged in sort order when
 * the list is bucketed (shared/db/keys.ts `LIST_BUCKETS`), then the listed items themselves in one
 * BatchGetItem (a page is at most 100 keys). The index is eventually consistent: an entry whose
 * item is gone, or whose item no longer lists there at that position (moved, archived, renamed),
 * is dropped.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch';
import { db, tableName } from './client';
import { table, type IndexName } from './table';

export interface IndexListing {
  index: IndexName;
  /** The partitions listed together: one, or every bucket of a bucketed list. */
  partitions: readonly string[];
  /** Only sort keys that start with this (`begins_with`). */
  prefix?: string;
  /** Only sort keys below this (`<`). */
  below?: string;
  /** Only sort keys from the first through the second, both included (`BETWEEN`). */
  between?: readonly [string, string];
  /** Newest (highest sort key) first. */
  descending?: boolean;
}

type Key = Record<string, unknown>;

const attrs = (index: IndexName) => {
  const i = table.indexes.find((x) => x.name === index)!;
  return { pk: i.partitionKey, sk: i.sortKey };
};

/** Byte order, as DynamoDB sorts string keys (UTF-8), not JavaScript's UTF-16 order. */
export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The sort-key part of a listing's key condition, with its values. */
const rangeOf = (l: IndexListing, sk: string): { condition: string; values: Record<string, string> } => {
  if (l.between) return { condition: ` AND ${sk} BETWEEN :from AND :to`, values: { ':from': l.between[0], ':to': l.between[1] } };
  if (l.prefix !== undefined) return { condition: ` AND begins_with(${sk}, :range)`, values: { ':range': l.prefix } };
  if (l.below !== undefined) return { condition: ` AND ${sk} < :range`, values: { ':range': l.below } };
  return { condition: '', values: {} };
};

const queryKeys = (l: IndexListing, partition: string, limit: number, start: Key | undefined) => {
  const a = attrs(l.index);
  const range = rangeOf(l, a.sk);
  return db().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: l.index,
      KeyConditionExpression: `${a.pk} = :pk${range.condition}`,
      ExpressionAttributeValues: { ':pk': partition, ...range.values },
      ScanIndexForward: !l.descending,
      Limit: limit,
      // The buckets share one sort order, so the last key listed is every bucket's position: the same key in this bucket's partition.
      ExclusiveStartKey: start ? { ...start, [a.pk]: partition } : undefined,
    }),
  );
};

/**
 * The index keys of one page: each partition's next `limit` keys after `after` (one Query each,
 * side by side), merged in sort order, the first `limit` taken. `next` is the key of the last one
 * taken when any partition has more (the cursor), else undefined. Every bucket of a list sorts
 * by the same key, so one position serves them all: entries up to it are listed in every bucket.
 */
export const readIndexKeys = async (l: IndexListing, limit: number, after?: Key): Promise<{ keys: Key[]; next?: Key }> => {
  const a = attrs(l.index);
  const sortOf = (k: Key) => String(k[a.sk]);
  const order = (x: Key, y: Key) => (l.descending ? -1 : 1) * compareKeys(sortOf(x), sortOf(y));
  const outs = await Promise.all(l.partitions.map((p) => queryKeys(l, p, limit, after)));
  // A partition that stopped early (LastEvaluatedKey) is known only up to its last key: nothing past it may be listed yet.
  const frontiers = outs.filter((o) => o.LastEvaluatedKey && o.Items?.length).map((o) => o.Items![o.Items!.length - 1]);
  const frontier = frontiers.sort(order)[0];
  const merged = outs.flatMap((o) => o.Items ?? []).sort(order);
  const listable = frontier ? merged.filter((k) => order(k, frontier) <= 0) : merged;
  const taken = listable.slice(0, limit);
  const more = merged.length > taken.length || outs.some((o) => o.LastEvaluatedKey);
  const last = taken[taken.length - 1];
  const keyOf = (k: Key): Key => ({ [table.partitionKey]: k[table.partitionKey], [table.sortKey]: k[table.sortKey], [a.pk]: k[a.pk], [a.sk]: k[a.sk] });
  const at = last ?? frontier;
  return { keys: taken, next: more && at ? keyOf(at) : undefined };
};

/**
 * The items the index keys list, in their order, from one BatchGetItem (per 100 keys), without
 * those whose item is gone or no longer lists there (its index key moved since: the index lags).
 * Eventually consistent, like the index itself: half the read units of a consistent read, and
 * every writer that acts on a listed item does so under a condition on the item it read.
 */
export const getListed = async (index: IndexName, entries: Key[]): Promise<Record<string, unknown>[]> => {
  if (!entries.length) return [];
  const a = attrs(index);
  const id = (k: Key) => `${String(k[table.partitionKey])}\u0000${String(k[table.sortKey])}`;
  const unique = [...new Map(entries.map((e) => [id(e), { [table.partitionKey]: e[table.partitionKey], [table.sortKey]: e[table.sortKey] } as Record<string, string>])).values()];
  const found = new Map((await batchGet(unique, { consistent: false })).map((item) => [id(item), item]));
  return entries.flatMap((e) => {
    const item = found.get(id(e));
    return item && item[a.pk] === e[a.pk] && item[a.sk] === e[a.sk] ? [item] : [];
  });
};

/** One page of a listing: its index keys (`readIndexKeys`), then the items (`getListed`). */
export const readIndexPage = async (l: IndexListing, limit: number, after?: Key): Promise<{ items: Record<string, unknown>[]; next?: Key }> => {
  const { keys, next } = await readIndexKeys(l, limit, after);
  return { items: await getListed(l.index, keys), next };
};

/** Every item of a listing, page after page (for workers and scripts, never a request's one read). */
export async function* readIndexAll(l: IndexListing, pageSize = 100): AsyncGenerator<Record<string, unknown>> {
  let after: Key | undefined;
  do {
    const page = await readIndexPage(l, pageSize, after);
    yield* page.items;
    after = page.next;
  } while (after);
}
