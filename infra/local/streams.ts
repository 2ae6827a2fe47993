/**
 * Local Lambda event source mappings for the table's stream: each consumer of
 * `shared/streams.ts` reads DynamoDB Local's stream (DescribeStream, GetShardIterator,
 * GetRecords) every shard in lineage order, builds the DynamoDBStreamEvent Lambda would deliver,
 * drops the records its filter rejects and calls its handler. As on AWS with
 * `ReportBatchItemFailures`, a reported (or thrown) failure is retried from the first failed
 * record, up to the consumer's `retryAttempts`. Under `npm start` each shard's position is kept
 * in a checkpoint file, so a restart neither loses nor repeats what was read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  TrimmedDataAccessException,
  type AttributeValue as SdkAttributeValue,
  type _Record,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { streamConsumers, type FilterPattern, type StreamConsumerDef } from '../../shared/streams';
import { functionNameOf, loadHandler, localContext } from './handlers';

export interface StreamReaders {
  /** Resolves once every consumer has read its stream to the end after this call (and handled what it read). */
  flush: () => Promise<void>;
  stop: () => Promise<void>;
}

export interface StreamReaderOptions {
  endpoint: string;
  region: string;
  tableName: string;
  /** Pause between reads of the stream; short, so a queued message follows its commit quickly. */
  intervalMs?: number;
  /** Where each consumer keeps its shard positions (`<dir>/stream-<consumer>.json`); none: start from the oldest record. */
  checkpointDir?: string;
  /** The consumers to run, by name (default: every one of `shared/streams.ts`). */
  consumers?: readonly string[];
  log?: (line: string) => void;
}

// ── the event Lambda builds ───────────────────────────────────────────────────────────────

/** The SDK decodes binary values; a Lambda event carries them base64-encoded, like the rest of the JSON. */
const toEventValue = (v: SdkAttributeValue): AttributeValue => {
  // DynamoDB Local's stream writes an empty map as `{}` (the SDK reads it as an unknown member);
  // DynamoDB's, and so Lambda's event, carries `{ "M": {} }`.
  if (Object.values(v).every((x) => x === undefined)) return { M: {} };
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M !== undefined) return { M: toEventImage(v.M) };
  if (v.L !== undefined) return { L: v.L.map(toEventValue) };
  return v as AttributeValue;
};
const toEventImage = (image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> => Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toEventValue(v)]));

const toEventRecord = (r: _Record, region: string, streamArn: string): DynamoDBRecord => {
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) : undefined,
      ...(d.Keys ? { Keys: toEventImage(d.Keys) } : {}),
      ...(d.NewImage ? { NewImage: toEventImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toEventImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  };
};

/**
 * Lambda's event filtering for the patterns `shared/streams.ts` uses: every field of the pattern
 * must be present, an object recurses, and a list names the values allowed. Anything richer
 * (prefix, numeric, exists…) is refused at start rather than matched wrongly.
 */
export const filterMatcher = (pattern: FilterPattern): ((record: unknown) => boolean) => {
  const check = (p: FilterPattern | readonly string[], path: string): void => {
    if (Array.isArray(p)) {
      if (!p.every((v) => typeof v === 'string')) throw new Error(`Filter ${path}: only lists of exact string values are supported locally`);
    } else for (const [k, v] of Object.entries(p)) check(v, `${path}.${k}`);
  };
  check(pattern, '$');
  const matches = (p: FilterPattern | readonly string[], value: unknown): boolean =>
    Array.isArray(p)
      ? typeof value === 'string' && p.includes(value)
      : typeof value === 'object' && value !== null && Object.entries(p).every(([k, v]) => matches(v, (value as Record<string, unknown>)[k]));
  return (record) => matches(pattern, record);
};

// ── one consumer's mapping ──────────────────────────────────────────────────────────────────

interface ShardState {
  parent?: string;
  /** The last sequence number handed to the consumer. */
  position?: string;
  closed: boolean;
  iterator?: string;
}

interface Checkpoint {
  streamArn: string;
  shards: Record<string, { position?: string; closed: boolean }>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

const mapping = (def: StreamConsumerDef, client: DynamoDBStreamsClient, opts: StreamReaderOptions, stopping: AbortSignal) => {
  const matches = filterMatcher(def.filter);
  const name = functionNameOf(def.handler);
  const checkpointFile = opts.checkpointDir ? `${opts.checkpointDir}/stream-${def.name}.json` : undefined;
  const saved: Checkpoint | undefined = checkpointFile && existsSync(checkpointFile) ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as Checkpoint) : undefined;
  let streamArn: string | undefined;
  let shards = new Map<string, ShardState>();
  const save = () => {
    if (!checkpointFile || !streamArn) return;
    const out: Checkpoint = { streamArn, shards: Object.fromEntries([...shards].map(([id, s]) => [id, { position: s.position, closed: s.closed }])) };
    writeFileSync(checkpointFile, `${JSON.stringify(out)}\n`);
  };
  const opt = { abortSignal: stopping };

  /**
   * The handler on one batch, as Lambda runs it: retried from the first failed record, then given
   * up (on AWS: to the on-failure queue). False when stopped before the batch was settled.
   */
  const deliver = async (records: DynamoDBRecord[]): Promise<boolean> => {
    const fn = await loadHandler(def.handler);
    let pending = records;
    for (let attempt = 0; pending.length && !stopping.aborted; attempt++) {
      let failed: Set<string>;
      try {
        const event: DynamoDBStreamEvent = { Records: pending };
        const result = (await fn(event, localContext(name, def.timeoutSeconds, crypto.randomUUID()))) as DynamoDBBatchResponse | undefined;
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        opts.log?.(`stream ${def.name}: ${name} threw, the batch will be retried: ${(err as Error).message}`);
        failed = new Set([pending[0]!.dynamodb!.SequenceNumber!]);
      }
      if (!failed.size) return true;
      // Lambda resumes from the lowest failed sequence number; one it does not know fails the whole batch.
      const from = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      pending = pending.slice(Math.max(0, from));
      if (attempt >= def.retryAttempts) {
        opts.log?.(`stream ${def.name}: delivery failed: ${pending.length} record(s) given up after ${def.retryAttempts} retries (on AWS they go to the on-failure queue)`);
        return true;
      }
      opts.log?.(`stream ${def.name}: ${failed.size} of ${records.length} record(s) failed and will be retried`);
      await sleep(Math.min(2000, 100 * 2 ** attempt), stopping);
    }
    return !stopping.aborted;
  };

  const iteratorFor = async (shardId: string, s: ShardState): Promise<string | undefined> => {
    const from = s.position ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: s.position } : { ShardIteratorType: 'TRIM_HORIZON' as const };
    try {
      return (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...from }), opt)).ShardIterator;
    } catch (err) {
      if (!(err instanceof TrimmedDataAccessException)) throw err;
      return (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }), opt)).ShardIterator;
    }
  };

  /** Reads one shard up to its end (for now), handing each page to the consumer. */
  const readShard = async (shardId: string, s: ShardState) => {
    for (;;) {
      s.iterator ??= await iteratorFor(shardId, s);
      if (!s.iterator) {
        s.closed = true;
        return save();
      }
      let out;
      try {
        out = await client.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: def.batchSize }), opt);
      } catch (err) {
        if (!(err instanceof ExpiredIteratorException)) throw err;
        s.iterator = undefined; // idle for 15 minutes: a new one from the position
        continue;
      }
      const records = out.Records ?? [];
      if (records.length) {
        // Records the filter rejects never reach the function, and are not retried.
        // Stopped half-way: the position stays, so the next start reads these records again.
        if (!(await deliver(records.map((r) => toEventRecord(r, opts.region, streamArn!)).filter(matches)))) return;
        s.position = records.at(-1)!.dynamodb!.SequenceNumber;
      }
      s.iterator = out.NextShardIterator;
      if (!s.iterator) s.closed = true; // a closed shard, read to its end
      if (records.length || s.closed) save();
      if (!records.length || s.closed) return;
    }
  };

  const listShards = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }), opt);
      all.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return all;
  };

  /** One pass: find the stream and its shards (new ones appear over time), then read each whose parent is done. */
  return async () => {
    if (!streamArn) {
      const streams = (await client.send(new ListStreamsCommand({ TableName: opts.tableName }), opt)).Streams ?? [];
      // The newest stream is the table's current one (labels are creation times).
      streamArn = streams.sort((a, b) => (a.StreamLabel ?? '').localeCompare(b.StreamLabel ?? '')).at(-1)?.StreamArn;
      if (!streamArn) throw new Error(`table ${opts.tableName} has no stream`);
      if (saved?.streamArn === streamArn) shards = new Map(Object.entries(saved.shards).map(([id, s]) => [id, { ...s }]));
    }
    const listed = await listShards();
    for (const shard of listed) {
      if (!shards.has(shard.ShardId!)) shards.set(shard.ShardId!, { parent: shard.ParentShardId, closed: false });
      else shards.get(shard.ShardId!)!.parent = shard.ParentShardId;
    }
    // A checkpointed shard the stream no longer has (trimmed after 24 hours) has nothing left to read.
    for (const id of shards.keys()) if (!listed.some((s) => s.ShardId === id)) shards.delete(id);
    // In lineage order: a child only after its parent is read to its end (or is gone from the stream).
    for (let progressed = true; progressed && !stopping.aborted; ) {
      progressed = false;
      for (const [id, s] of shards) {
        if (s.closed || stopping.aborted) continue;
        const parent = s.parent ? shards.get(s.parent) : undefined;
        if (parent && !parent.closed) continue;
        await readShard(id, s);
        if (s.closed) progressed = true;
      }
    }
  };
};

// ── the readers ─────────────────────────────────────────────────────────────────────────────

export const startStreamReaders = (opts: StreamReaderOptions): StreamReaders => {
  const client = new DynamoDBStreamsClient({ endpoint: opts.endpoint, region: opts.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const stopping = new AbortController();
  const interval = opts.intervalMs ?? 150;
  let started = 0;
  let done = 0;
  const waiters: { target: number; resolve: () => void }[] = [];
  let wake: AbortController = new AbortController();

  const running = streamConsumers.filter((c) => !opts.consumers || opts.consumers.includes(c.name));
  const passes = running.map((def) => mapping(def, client, opts, stopping.signal));
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      started++;
      for (const [i, pass] of passes.entries()) {
        try {
          await pass();
        } catch (err) {
          if (!stopping.signal.aborted) opts.log?.(`stream ${running[i]!.name}: read failed: ${(err as Error).message}`);
        }
      }
      done++;
      for (const w of waiters.filter((x) => x.target <= done)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      wake = new AbortController();
      await sleep(interval, AbortSignal.any([stopping.signal, wake.signal]));
    }
  })();

  return {
    flush: () =>
      stopping.signal.aborted
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            // A pass that starts after this call: whatever was committed before it is read.
            waiters.push({ target: started + 1, resolve });
            wake.abort();
          }),
    stop: async () => {
      stopping.abort();
      await loop;
      for (const w of waiters.splice(0)) w.resolve();
      client.destroy();
    },
  };
};
