/**
 * CSV imports. The upload is stored and a job queued; the worker streams the file, validates
 * each row with the same schemas as the API, and writes a group of rows, their errors, the
 * job's counters and a "rows a..b done" marker in one transaction, a few groups in flight at
 * once. Groups are cut from the file alone, so every delivery cuts the same ones: a
 * redelivered, concurrent, killed or timed-out run finds each group committed at most once,
 * and no row is written or counted twice or lost. Duplicates are skipped and counted; a bad
 * row never stops the rest; a file that cannot be read fails the job at once with a `code`.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { companyReference } from '../companies/company.repository';
import { sumDeltas, type CountDeltas } from '../db/counters';
import { transact, type TxItem } from '../db/transact';
import type { Caller } from '../http/caller';
import { jobKinds } from '../jobs/job-kinds';
import { withLease, type Lease } from '../jobs/lease';
import { logger } from '../logger';
import { enqueue } from '../outbox/outbox';
import { csvLine, ImportFileError, mapHeader, readCsv, type CsvRow } from './csv';
import { allErrors, completeImport, doneMarker, doneRanges, failImport, getImportWithErrors, getStoredImport, importCounters, readUpload, rowErrorItems, startImport, storeUpload, type StoredImport, type StoredRowError } from './import.repository';
import { grouper, GROUP_ITEMS, outcomesOf, rowBytes, storedFields, type Context, type Outcome } from './import.rows';
import { requiredColumns, TEMPLATE_COLUMNS, type ImportJob, type ImportType } from './import.schema';

export const template = (type: ImportType) => `${TEMPLATE_COLUMNS[type].join(',')}\r\n`;

export const createImport = async (caller: Caller, type: ImportType, body: Buffer) => {
  const id = ulid();
  await storeUpload(id, type, body, new Date().toISOString(), { sub: caller.sub, email: caller.email }, enqueue('imports', { importId: id }));
  return { id, type, status: 'queued' as const };
};

export const findImport = getImportWithErrors;

/** errors.csv: the original header plus `error`, then each failed row as uploaded; formulas neutralised (csvLine). */
export async function* errorsCsv(job: StoredImport, header: string[] | null): AsyncGenerator<string> {
  yield `${csvLine([...(header ?? TEMPLATE_COLUMNS[job.type]), 'error'])}\r\n`;
  for await (const e of allErrors(job.id)) yield `${csvLine([...e.fields, e.message])}\r\n`;
}

// ── the worker ──────────────────────────────────────────────────────────────────────────

interface Batch {
  rows: CsvRow[];
  outcomes: Outcome[];
}

const TIME_RESERVE_MS = 60_000;

/** The header is kept (for errors.csv) in an item of its own, which holds at most 400 KB. */
export const MAX_HEADER_BYTES = 64 * 1024;

const countsOf = (outcomes: Outcome[]) => ({
  processed: outcomes.length,
  created: outcomes.filter((o) => o.kind === 'write').length,
  duplicates: outcomes.filter((o) => o.kind === 'duplicate').length,
  failed: outcomes.filter((o) => o.kind === 'error').length,
});

const fieldsOf = (rows: CsvRow[], row: number) => storedFields(rows.find((r) => r.row === row)?.fields ?? []);

/** Whose condition an item of a batch's transaction carries: a row's writes, or a company's counter. */
type Owner = { row: number } | { companyId: string } | null;

/**
 * The items of some rows (their writes, the company counters summed to one item per company,
 * their errors in one item), and for each item whose condition it is. Failed conditions are
 * read back from the cancellation reasons, so the items carry no `onConditionFailed` verdicts
 * of their own.
 */
const itemsOf = (ctx: Context, rows: CsvRow[], outcomes: Outcome[]): { items: TxItem[]; owners: Owner[] } => {
  const items: TxItem[] = [];
  const owners: Owner[] = [];
  const perCompany = new Map<string, CountDeltas>();
  const errors: StoredRowError[] = [];
  for (const [i, o] of outcomes.entries()) {
    if (o.kind === 'write') {
      for (const { item } of o.items) items.push({ item }), owners.push({ row: i });
      if (o.companyId) perCompany.set(o.companyId, sumDeltas(perCompany.get(o.companyId) ?? {}, o.counts ?? {}));
    } else if (o.kind === 'error') errors.push({ ...o.error, fields: fieldsOf(rows, o.error.row) });
  }
  for (const item of rowErrorItems(ctx.job.id, errors)) items.push(item), owners.push(null);
  for (const [companyId, deltas] of perCompany) {
    items.push({ item: companyReference(companyId, deltas, { into: true }).item });
    owners.push({ companyId });
  }
  // The group was cut on the most its rows could take (grouper); more is a bug in its per-row count, not a bad file.
  if (items.length > GROUP_ITEMS) throw new Error(`Import group of rows ${rows[0]!.row}-${rows[rows.length - 1]!.row} has ${items.length} items, more than it was cut for`);
  return { items, owners };
};

const cancellationReasons = (err: unknown) => (err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : undefined);

const MAX_COMMIT_ATTEMPTS = 10;

/**
 * Commits a group with its counters and done marker (last, so a replayed group is recognised).
 * Rows are not checked beforehand: the transaction's conditions are the check. If some fail
 * (an email or name already taken, a company archived or removed), the cancellation reasons
 * name each one; those rows become duplicates or errors and the rest commit again, so a group
 * costs one more transaction whatever number of its rows collide. If the marker's condition
 * failed, another delivery committed this very group: nothing is written or counted again.
 */
const commit = async (ctx: Context, batch: Batch): Promise<void> => {
  let outcomes = batch.outcomes;
  for (let attempt = 1; ; attempt++) {
    const { items, owners } = itemsOf(ctx, batch.rows, outcomes);
    items.push(importCounters(ctx.job.id, countsOf(outcomes)), doneMarker(ctx.job.id, batch.rows[0]!.row, batch.rows[batch.rows.length - 1]!.row));
    try {
      await transact(items);
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const failed = (reasons ?? []).flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
      if (!failed.length) throw err;
      if (failed.includes(items.length - 1)) return; // committed by an earlier delivery
      const taken = new Set<number>();
      const gone = new Set<string>();
      for (const i of failed) {
        const owner = owners[i];
        if (owner && 'row' in owner) taken.add(owner.row);
        else if (owner) gone.add(owner.companyId);
      }
      if ((!taken.size && !gone.size) || attempt >= MAX_COMMIT_ATTEMPTS) throw err;
      outcomes = outcomes.map((o, i): Outcome => {
        if (o.kind !== 'write') return o;
        if (o.companyId && gone.has(o.companyId)) return { kind: 'error', error: { row: batch.rows[i]!.row, field: 'company', code: 'COMPANY_ARCHIVED', message: 'company: archived or removed during the import' } };
        return taken.has(i) ? { kind: 'duplicate' } : o;
      });
    }
  }
};

/** Groups committing at once: transactions are the import's round trips, so a few overlap. */
const IN_FLIGHT = 4;

type JobError = NonNullable<ImportJob['error']>;

/**
 * The failures a retry cannot change, which end the job now: the file's own, and DynamoDB
 * refusing a request as invalid (the same rows would be refused on every delivery). Anything
 * else (throttling, a network fault, a crash) is thrown, so SQS delivers the message again.
 */
const permanentFailure = (err: unknown): JobError | undefined => {
  if (err instanceof ImportFileError) return { code: err.code, message: err.message };
  const invalid = (err as Error | undefined)?.name === 'ValidationException' || (cancellationReasons(err) ?? []).some((r) => r.Code === 'ValidationError');
  if (invalid) return { code: 'INTERNAL', message: 'The import stopped on rows it could not store; the rows committed until then stay imported. It has been logged.' };
  return undefined;
};

/** Runs (or resumes) an import under its lease; `continue` when it handed over to a new message before the Lambda timeout. */
export const runImport = (importId: string, remainingMs: () => number) => withLease(jobKinds.import, importId, (lease) => runLeased(importId, remainingMs, lease));

const runLeased = async (importId: string, remainingMs: () => number, lease: Lease): Promise<'completed' | 'failed' | 'continue' | 'skipped'> => {
  const job = await getStoredImport(importId);
  if (!job || job.status === 'completed' || job.status === 'failed') return 'skipped';
  try {
    return await importRows(job, remainingMs, lease);
  } catch (err) {
    const failure = permanentFailure(err);
    if (!failure) {
      logger.error('Import failed, will be retried', { importId, error: err as Error });
      throw err;
    }
    if (failure.code === 'INTERNAL') logger.error('Import refused by DynamoDB', { importId, error: err as Error });
    else logger.info('Import file refused', { importId, code: failure.code });
    return (await failImport(importId, failure)) ? 'failed' : 'skipped';
  }
};

const importRows = async (job: StoredImport, remainingMs: () => number, lease: Lease): Promise<'completed' | 'continue' | 'skipped'> => {
  const importId = job.id;
  // Commits in flight never reject (a failure is kept aside), so they can always be awaited.
  const inFlight: Promise<void>[] = [];
  try {
    const rows = readCsv(readUpload(importId, job.chunks));
    const first = await rows.next();
    if (first.done || !('header' in first.value)) throw new ImportFileError('CSV_EMPTY', 'The file has no header row. Download the template to see the expected header.');
    const header = first.value.header;
    if (rowBytes(header) > MAX_HEADER_BYTES) throw new ImportFileError('CSV_HEADER_TOO_LARGE', `The header line is ${Math.ceil(rowBytes(header) / 1024)} KB (${header.length} columns); it may hold at most ${MAX_HEADER_BYTES / 1024} KB. Keep only the columns of the template and upload the file again.`);
    const mapping = mapHeader(job.type, header);
    const missing = requiredColumns(job.type, new Set(mapping.filter((m): m is string => !!m)));
    if (missing.length) throw new ImportFileError('CSV_MISSING_COLUMNS', `Missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. Download the template to see the expected header.`);
    if (job.totalRows === null) {
      // A first, cheap pass counts the rows so progress has a total (and finds a broken file before anything is written).
      let total = 0;
      for await (const r of readCsv(readUpload(importId, job.chunks))) if ('row' in r) total++;
      if (!(await startImport(importId, total, header))) return 'skipped';
      job.totalRows = total;
    }
    const ctx: Context = { job, mapping, actor: job.createdBy ?? { sub: 'import', email: null }, companies: new Map() };
    const done = new Set((await doneRanges(importId)).map((d) => d.first));
    let failure: unknown;
    const submit = async (group: CsvRow[]) => {
      if (done.has(group[0]!.row)) return false; // committed by an earlier run
      const outcomes = await outcomesOf(ctx, group);
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      if (failure) throw failure;
      // A failed commit is remembered, not thrown here, so none is left unobserved.
      inFlight.push(commit(ctx, { rows: group, outcomes }).catch((err: unknown) => void (failure ??= err)));
      return true;
    };
    const settle = async () => {
      await Promise.all(inFlight.splice(0));
      if (failure) throw failure;
    };
    const groups = grouper(job.type, mapping);
    for await (const r of rows) {
      if (!('row' in r)) continue;
      const closed = groups.add(r);
      if (closed && (await submit(closed)) && remainingMs() < TIME_RESERVE_MS) {
        await settle();
        await lease.handOver(enqueue('imports', { importId }));
        return 'continue';
      }
    }
    const last = groups.rest();
    if (last.length) await submit(last);
    await settle();
    return (await completeImport(importId)) ? 'completed' : 'skipped';
  } catch (err) {
    await Promise.all(inFlight.splice(0));
    throw err;
  }
};
