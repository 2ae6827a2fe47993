/**
 * Writes per partition, measured: what a run (the 50,000-row import, the 10,000-user sync)
 * wrote to each partition key of the table and of its indexes, read back from the table's own
 * change stream (every committed write is one stream record, whoever made it, the import
 * worker's process included).
 *
 * For the indexes the same run is counted two ways: as the table is (`KEYS_ONLY`, list
 * partitions in buckets: an index partition is written only when an item enters it, leaves it
 * or moves within it) and as it was before issue 15 (`ALL`: every change of an item it lists is
 * also written to the index; one partition per list, the buckets counted together). An item's previous index keys are those the reader last saw; an item first
 * seen in a MODIFY (written before the mark) is taken to have kept its keys.
 *
 * Rates are reported per 1,000 rows (or users) of the run, which does not depend on how fast
 * this machine's DynamoDB Local is, and as the peak writes in one second on this machine.
 */
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { table } from '../shared/db/table';

export interface PartitionFigure {
  /** `table` or an index name; `<index> (ALL)` for the same run counted as if the index projected ALL. */
  where: string;
  key: string;
  writes: number;
  perThousand: number;
  peakPerSecond: number;
}

export interface PartitionRun {
  label: string;
  units: number;
  records: number;
  top: PartitionFigure[];
}

interface Mark {
  client: DynamoDBStreamsClient;
  streamArn: string;
  iterators: Map<string, string | undefined>;
}

const shardsOf = async (client: DynamoDBStreamsClient, streamArn: string) => {
  const shards = [];
  let start: string | undefined;
  do {
    const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
    shards.push(...(out.StreamDescription?.Shards ?? []));
    start = out.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
};

/** Remembers where the stream ends now: what `readSince` returns starts after this. */
export const markStream = async (endpoint: string, region: string, tableName: string): Promise<Mark> => {
  const client = new DynamoDBStreamsClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const streamArn = (await client.send(new ListStreamsCommand({ TableName: tableName }))).Streams?.[0]?.StreamArn;
  if (!streamArn) throw new Error(`Table ${tableName} has no stream`);
  const iterators = new Map<string, string | undefined>();
  for (const s of await shardsOf(client, streamArn)) {
    if (s.SequenceNumberRange?.EndingSequenceNumber) continue; // closed: nothing new will land there
    iterators.set(s.ShardId!, (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.ShardId!, ShardIteratorType: 'LATEST' }))).ShardIterator);
  }
  return { client, streamArn, iterators };
};

/** Every stream record committed since the mark, shards opened since included. */
const readSince = async (mark: Mark): Promise<_Record[]> => {
  const records: _Record[] = [];
  const read = async (iterator: string | undefined) => {
    while (iterator) {
      const out = await mark.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      records.push(...(out.Records ?? []));
      if (!out.Records?.length) break; // an open shard's end: its iterator never runs out
      iterator = out.NextShardIterator;
    }
  };
  for (const it of mark.iterators.values()) await read(it);
  for (const s of await shardsOf(mark.client, mark.streamArn)) {
    if (mark.iterators.has(s.ShardId!)) continue;
    await read((await mark.client.send(new GetShardIteratorCommand({ StreamArn: mark.streamArn, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator);
  }
  mark.client.destroy();
  return records.sort((a, b) => (BigInt(a.dynamodb?.SequenceNumber ?? '0') < BigInt(b.dynamodb?.SequenceNumber ?? '0') ? -1 : 1));
};

const str = (v: { S?: string } | undefined) => v?.S;

/** A bucketed list partition (shared/db/keys.ts: `<list>#<n>`) → the one partition it was before buckets. */
const BUCKETED = /^(COMPANIES#[a-z]+|CONTACTS|(?:COMPANY#[0-9A-Z]{26}|NOCOMPANY)#[A-Z]+S)#\d+$/;
const unbucketed = (key: string | undefined) => key?.replace(BUCKETED, '$1');

/** Counts the writes since `mark` per partition key; the `top` busiest of each place. */
export const partitionsSince = async (mark: Mark, label: string, units: number, top = 4): Promise<PartitionRun> => {
  const records = await readSince(mark);
  // place → key → second → writes
  const tally = new Map<string, Map<string, Map<number, number>>>();
  const count = (where: string, key: string | undefined, second: number) => {
    if (!key) return;
    const byKey = tally.get(where) ?? new Map<string, Map<number, number>>();
    tally.set(where, byKey);
    const bySecond = byKey.get(key) ?? new Map<number, number>();
    byKey.set(key, bySecond);
    bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
  };
  const lastKeys = new Map<string, Record<string, { pk?: string; sk?: string }>>();
  for (const r of records) {
    const d = r.dynamodb ?? {};
    const second = Math.floor((d.ApproximateCreationDateTime?.getTime() ?? 0) / 1000);
    const itemKey = `${str(d.Keys?.[table.partitionKey])}\u0000${str(d.Keys?.[table.sortKey])}`;
    count('table', str(d.Keys?.[table.partitionKey]), second);
    const before = lastKeys.get(itemKey);
    const after: Record<string, { pk?: string; sk?: string }> = {};
    for (const index of table.indexes) {
      const now = r.eventName === 'REMOVE' ? {} : { pk: str(d.NewImage?.[index.partitionKey]), sk: str(d.NewImage?.[index.sortKey]) };
      after[index.name] = now;
      const old = before ? before[index.name]! : r.eventName === 'INSERT' ? {} : now;
      const listedBefore = !!(old.pk && old.sk);
      const listedNow = !!(now.pk && now.sk);
      const moved = old.pk !== now.pk || old.sk !== now.sk;
      // KEYS_ONLY: entering, leaving or moving; a move is a delete and a put.
      if (moved) {
        if (listedBefore) count(index.name, old.pk, second);
        if (listedNow) count(index.name, now.pk, second);
      }
      // ALL: the same, plus every change of an item it lists.
      if (listedBefore && (unbucketed(old.pk) !== unbucketed(now.pk) || old.sk !== now.sk || !listedNow)) count(`${index.name} (ALL)`, unbucketed(old.pk), second);
      if (listedNow) count(`${index.name} (ALL)`, unbucketed(now.pk), second);
    }
    if (r.eventName === 'REMOVE') lastKeys.delete(itemKey);
    else lastKeys.set(itemKey, after);
  }
  const figures: PartitionFigure[] = [];
  for (const [where, byKey] of tally) {
    const rows = [...byKey].map(([key, bySecond]) => {
      const writes = [...bySecond.values()].reduce((a, b) => a + b, 0);
      return { where, key, writes, perThousand: Math.round((writes / units) * 1000 * 10) / 10, peakPerSecond: Math.max(...bySecond.values()) };
    });
    figures.push(...rows.sort((a, b) => b.writes - a.writes).slice(0, top));
  }
  const order = (w: string) => (w === 'table' ? 0 : w.endsWith('(ALL)') ? 2 : 1);
  figures.sort((a, b) => order(a.where) - order(b.where) || a.where.localeCompare(b.where) || b.writes - a.writes);
  return { label, units, records: records.length, top: figures };
};
