/**
 * Import items, all in the job's partition: the job (`IMPORT`: status, counters, nothing else
 * large, since every group's transaction updates it), the CSV header for errors.csv (`HEADER`),
 * the uploaded file in chunks (`CHUNK#0001`…, read back one at a time so the worker streams it),
 * one "rows a..b done" marker per committed group (`DONE#<first row>`), and a group's failed rows
 * in one item (`IMPORTERRORS#<first failed row>`, written in that group's transaction).
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { batchGet, batchPut, queryAll } from '../db/batch';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { updateItem, type Condition } from '../db/update';
import { queuedLeaseAttributes } from '../jobs/lease-timing';
import { importSchema, type ImportJob, type ImportType, type RowError } from './import.schema';

type JobError = NonNullable<ImportJob['error']>;

/** DynamoDB items hold 400 KB; chunks stay well under it. */
export const CHUNK_BYTES = 300 * 1024;
/** A group's failed rows go in one item up to this size, in more when they hold more (a row may be 256 KB). */
const ERRORS_ITEM_BYTES = 300 * 1024;
/** Uploads and their errors are kept for 30 days. */
export const IMPORT_TTL_SECONDS = 30 * 24 * 3600;

export interface StoredImport extends Omit<ImportJob, 'errors'> {
  chunks: number;
  /** Who uploaded it: the actor of the audit entries of imported companies. */
  createdBy: { sub: string; email: string | null } | null;
}

/** A failed row as errors.csv shows it: the error and the row as uploaded. */
export type StoredRowError = RowError & { fields: string[] };

const FIELDS = Object.keys(importSchema.shape).filter((f) => f !== 'errors');
const expiry = () => Math.floor(Date.now() / 1000) + IMPORT_TTL_SECONDS;

/**
 * Stores the upload in chunks, then the job that points at them (chunks first: a job never names
 * missing data) in one transaction with `queued`, the outbox item that starts the worker.
 */
export const storeUpload = async (id: string, type: ImportType, body: Buffer, now: string, createdBy: StoredImport['createdBy'], queued: TxItem): Promise<StoredImport> => {
  const chunks: Record<string, unknown>[] = [];
  for (let offset = 0, n = 1; offset < body.length; offset += CHUNK_BYTES, n++) {
    chunks.push({ ...keys.importChunk(id, n), type: 'ImportChunk', data: body.subarray(offset, offset + CHUNK_BYTES), expiresAt: expiry() });
  }
  await batchPut(chunks);
  const job: StoredImport = {
    id,
    type,
    status: 'queued',
    totalRows: null,
    processedRows: 0,
    created: 0,
    skippedDuplicates: 0,
    failed: 0,
    createdAt: now,
    completedAt: null,
    chunks: chunks.length,
    error: null,
    createdBy,
  };
  await transact([{ item: { Put: { TableName: tableName(), Item: { ...keys.importJob(id), ...job, type: 'Import', importType: type, expiresAt: expiry(), ...queuedLeaseAttributes('import', id) }, ConditionExpression: 'attribute_not_exists(pk)' } } }, queued]);
  return job;
};

/** The uploaded file, one chunk at a time. */
export async function* readUpload(id: string, chunks: number): AsyncGenerator<Buffer> {
  for (let n = 1; n <= chunks; n++) {
    const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.importChunk(id, n), ConsistentRead: true }));
    if (!out.Item) throw new Error(`Chunk ${n} of import ${id} is missing`);
    yield Buffer.from(out.Item.data as Uint8Array);
  }
}

const toStored = (item: Record<string, unknown>): StoredImport =>
  ({ ...Object.fromEntries([...FIELDS, 'chunks', 'createdBy'].map((f) => [f, item[f] ?? null])), type: item.importType }) as StoredImport;

export const getStoredImport = async (id: string): Promise<StoredImport | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.importJob(id), ConsistentRead: true }));
  return out.Item ? toStored(out.Item) : undefined;
};

/** The job and its CSV header (null until the worker has read the file), in one BatchGetItem: what errors.csv starts from. */
export const getImportWithHeader = async (id: string): Promise<(StoredImport & { header: string[] | null }) | undefined> => {
  const found = await batchGet([keys.importJob(id), keys.importHeader(id)]);
  const job = found.find((i) => i.sk === keys.importJob(id).sk);
  if (!job) return undefined;
  return { ...toStored(job), header: (found.find((i) => i.sk === keys.importHeader(id).sk)?.header as string[] | undefined) ?? null };
};

/** A group's error item holds `errors`; an item written before issue 15 held one row's error itself (read for the 30 days they are kept). */
const errorsOf = (item: Record<string, unknown>): StoredRowError[] => (Array.isArray(item.errors) ? (item.errors as StoredRowError[]) : [item as unknown as StoredRowError]);

/** The first 100 row errors, in row order. */
const FIRST_ERRORS = 100;

/**
 * The job and its first 100 row errors: one Query (`IMPORT` sorts before `IMPORTERRORS#…`, and
 * each error item holds at least one error, so 101 items always hold them); a further page only
 * if DynamoDB's 1 MB page ended first (error items of large rows).
 */
export const getImportWithErrors = async (id: string): Promise<ImportJob | undefined> => {
  const items: Record<string, unknown>[] = [];
  const errors: RowError[] = [];
  let start: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const out = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.importPartition(id), ':prefix': 'IMPORT' },
        Limit: FIRST_ERRORS + 1 - items.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      items.push(item);
      if (item.sk !== 'IMPORT') for (const e of errorsOf(item)) errors.push({ row: e.row, field: e.field ?? null, code: e.code ?? 'VALIDATION_FAILED', message: e.message });
    }
    start = out.LastEvaluatedKey;
  } while (start && errors.length < FIRST_ERRORS && items.length <= FIRST_ERRORS);
  const [jobItem] = items;
  if (!jobItem || jobItem.sk !== 'IMPORT') return undefined;
  const job = toStored(jobItem);
  const shown = errors.slice(0, FIRST_ERRORS);
  if (job.error) shown.unshift({ row: 0, field: null, ...job.error });
  const { chunks: _c, createdBy: _b, ...resource } = job;
  return { ...resource, errors: shown };
};

/** Every row error in row order, page by page, for errors.csv. */
export async function* allErrors(id: string): AsyncGenerator<{ row: number; message: string; fields: string[] }> {
  // `IMPORTERROR` covers the group items (`IMPORTERRORS#…`) and the one-row items written before them (`IMPORTERROR#…`).
  const items = queryAll({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': keys.importPartition(id), ':prefix': keys.importErrorPrefix } });
  for await (const item of items) for (const e of errorsOf(item)) yield { row: e.row, message: e.message, fields: e.fields };
}

const errorBytes = (e: StoredRowError) => e.fields.reduce((n, f) => n + Buffer.byteLength(f) + 4, 0) + Buffer.byteLength(e.message) + 200;

/**
 * A group's failed rows (in row order) as items of its transaction: one item, or a few when
 * they hold more than an item may (never more items than rows, which is what the group was cut for).
 */
export const rowErrorItems = (id: string, errors: StoredRowError[]): TxItem[] => {
  const parts: StoredRowError[][] = [];
  let bytes = Infinity;
  for (const e of errors) {
    const size = errorBytes(e);
    if (bytes + size > ERRORS_ITEM_BYTES) parts.push([]), (bytes = 0);
    parts[parts.length - 1]!.push(e);
    bytes += size;
  }
  return parts.map((part) => ({ item: { Put: { TableName: tableName(), Item: { ...keys.importErrors(id, part[0]!.row), type: 'ImportErrors', errors: part, expiresAt: expiry() } } } }));
};

/** A batch's outcome counters, in the batch's transaction (ADD: batches may commit in any order); the job's only write per group. */
export const importCounters = (id: string, counts: { processed: number; created: number; duplicates: number; failed: number }): TxItem => ({
  item: { Update: updateItem(keys.importJob(id), { set: { status: 'running' }, add: { processedRows: counts.processed, created: counts.created, skippedDuplicates: counts.duplicates, failed: counts.failed } }) },
});

/** "Rows first..last are done", in the batch's transaction; its condition makes a replayed batch a no-op. */
export const doneMarker = (id: string, first: number, last: number): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.importDone(id, first), type: 'ImportDone', lastRow: last, expiresAt: expiry() },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
});

/** Every committed range of rows: a resumed run skips them. */
export const doneRanges = async (id: string): Promise<{ first: number; last: number }[]> => {
  const ranges: { first: number; last: number }[] = [];
  const items = queryAll({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :done)', ExpressionAttributeValues: { ':pk': keys.importPartition(id), ':done': 'DONE#' }, ConsistentRead: true });
  for await (const d of items) ranges.push({ first: Number(String(d.sk).slice(5)), last: d.lastRow as number });
  return ranges;
};

/** The job has not ended: a late run never turns `completed` back into `running` or `failed`. */
const unfinished: Condition = { expression: '#status IN (:queued, :running)', names: { '#status': 'status' }, values: { ':queued': 'queued', ':running': 'running' } };

/** Sets fields of a job that has not ended; false if it has (another delivery finished it first). */
const updateUnfinished = async (id: string, set: Record<string, unknown>): Promise<boolean> => {
  try {
    await db().send(new UpdateCommand(updateItem(keys.importJob(id), { set }, unfinished)));
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
};

/**
 * The first pass's results: the header in its own item (first: every delivery reads the same
 * header from the same file, so writing it again is harmless), then the job running with its total.
 */
export const startImport = async (id: string, totalRows: number, header: string[]) => {
  await db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.importHeader(id), type: 'ImportHeader', header, expiresAt: expiry() } }));
  return updateUnfinished(id, { status: 'running', totalRows });
};

export const completeImport = (id: string) => updateUnfinished(id, { status: 'completed', completedAt: new Date().toISOString() });

export const failImport = (id: string, error: JobError) => updateUnfinished(id, { status: 'failed', error, completedAt: new Date().toISOString() });
