/**
 * Import items, all in the job's partition: the job (`IMPORT`), the uploaded file in chunks
 * (`CHUNK#0001`…, read back one at a time so the worker streams it), and one item per failed
 * row (`IMPORTERROR#<row>`, written in the transaction of the batch that found it).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchPut, queryAll } from '../db/batch';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { queuedLeaseAttributes } from '../jobs/lease-timing';
import { importSchema, type ImportJob, type ImportType, type RowError } from './import.schema';

type JobError = NonNullable<ImportJob['error']>;

/** DynamoDB items hold 400 KB; chunks stay well under it. */
export const CHUNK_BYTES = 300 * 1024;
/** Uploads and their errors are kept for 30 days. */
export const IMPORT_TTL_SECONDS = 30 * 24 * 3600;

export interface StoredImport extends Omit<ImportJob, 'errors'> {
  chunks: number;
  /** Original header, for errors.csv. */
  header: string[] | null;
  /** Who uploaded it: the actor of the audit entries of imported companies. */
  createdBy: { sub: string; email: string | null } | null;
}

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
    header: null,
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
  ({ ...Object.fromEntries([...FIELDS, 'chunks', 'header', 'createdBy'].map((f) => [f, item[f] ?? null])), type: item.importType }) as StoredImport;

export const getStoredImport = async (id: string): Promise<StoredImport | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.importJob(id), ConsistentRead: true }));
  return out.Item ? toStored(out.Item) : undefined;
};

/** The job and its first 100 row errors: one Query (`IMPORT` sorts before `IMPORTERROR#…`). */
export const getImportWithErrors = async (id: string): Promise<ImportJob | undefined> => {
  const out = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.importPartition(id), ':prefix': 'IMPORT' },
      Limit: 101,
    }),
  );
  const [jobItem, ...errorItems] = out.Items ?? [];
  if (!jobItem || jobItem.sk !== 'IMPORT') return undefined;
  const job = toStored(jobItem);
  const errors: RowError[] = errorItems.map((e) => ({ row: e.row as number, field: (e.field as string) ?? null, code: (e.code as string) ?? 'VALIDATION_FAILED', message: e.message as string }));
  if (job.error) errors.unshift({ row: 0, field: null, ...job.error });
  const { chunks: _c, header: _h, createdBy: _b, ...resource } = job;
  return { ...resource, errors };
};

/** Every error item, page by page, for errors.csv. */
export async function* allErrors(id: string): AsyncGenerator<{ row: number; message: string; fields: string[] }> {
  const items = queryAll({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': keys.importPartition(id), ':prefix': 'IMPORTERROR#' } });
  for await (const e of items) yield { row: e.row as number, message: e.message as string, fields: e.fields as string[] };
}

export const rowErrorItem = (id: string, e: RowError & { fields: string[] }): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.importError(id, e.row), type: 'ImportError', ...e, expiresAt: expiry() } } },
});

/** A batch's outcome counters, in the batch's transaction (ADD: batches may commit in any order). */
export const importCounters = (id: string, counts: { processed: number; created: number; duplicates: number; failed: number }): TxItem => ({
  item: {
    Update: {
      TableName: tableName(),
      Key: keys.importJob(id),
      UpdateExpression: 'SET #status = :running ADD processedRows :p, created :c, skippedDuplicates :d, failed :f',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':running': 'running', ':p': counts.processed, ':c': counts.created, ':d': counts.duplicates, ':f': counts.failed },
    },
  },
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

/**
 * Sets fields of a job that has not ended; false if it has (another delivery finished it
 * first), so a late run never turns `completed` back into `running` or `failed`.
 */
const updateUnfinished = async (id: string, set: Partial<StoredImport>): Promise<boolean> => {
  const entries = Object.entries(set);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.importJob(id),
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ConditionExpression: '#status IN (:queued, :running)',
        ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])), '#status': 'status' },
        ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])), ':queued': 'queued', ':running': 'running' },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
};

/** The first pass's results: the job is running, with its total and header. */
export const startImport = (id: string, totalRows: number, header: string[]) => updateUnfinished(id, { status: 'running', totalRows, header });

export const completeImport = (id: string) => updateUnfinished(id, { status: 'completed', completedAt: new Date().toISOString() });

export const failImport = (id: string, error: JobError) => updateUnfinished(id, { status: 'failed', error, completedAt: new Date().toISOString() });
