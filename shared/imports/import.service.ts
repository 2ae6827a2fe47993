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
import type * as z from 'zod';
import { claimBilling, putNewAddress } from '../addresses/address.repository';
import { createAddressBody } from '../addresses/address.schema';
import { newAddress } from '../addresses/address.service';
import { appendAudit, diff } from '../audit/audit.repository';
import { companyReference, putNewCompany } from '../companies/company.repository';
import { createCompanyBody, EDITABLE_FIELDS } from '../companies/company.schema';
import { newCompany } from '../companies/company.service';
import { putNewContact } from '../contacts/contact.repository';
import { createContactBody } from '../contacts/contact.schema';
import { newContact } from '../contacts/contact.service';
import { keys, normalizeName } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import type { Caller } from '../http/caller';
import { logger } from '../logger';
import { sendToQueue } from '../queue/send';
import { csvLine, ImportFileError, mapHeader, readCsv, restoreNeutralized, type CsvRow } from './csv';
import { batchGet } from '../db/batch';
import { allErrors, completeImport, doneMarker, doneRanges, failImport, getImportWithErrors, getStoredImport, importCounters, readUpload, rowErrorItem, startImport, storeUpload, type StoredImport } from './import.repository';
import { requiredColumns, TEMPLATE_COLUMNS, type ImportJob, type ImportType, type RowError } from './import.schema';

export const template = (type: ImportType) => `${TEMPLATE_COLUMNS[type].join(',')}\r\n`;

export const createImport = async (caller: Caller, type: ImportType, body: Buffer) => {
  const id = ulid();
  await storeUpload(id, type, body, new Date().toISOString(), { sub: caller.sub, email: caller.email });
  await sendToQueue('imports', { importId: id });
  return { id, type, status: 'queued' as const };
};

export const findImport = getImportWithErrors;

/** errors.csv: the original header plus `error`, then each failed row as uploaded; formulas neutralised (csvLine). */
export async function* errorsCsv(job: StoredImport): AsyncGenerator<string> {
  yield `${csvLine([...(job.header ?? TEMPLATE_COLUMNS[job.type]), 'error'])}\r\n`;
  for await (const e of allErrors(job.id)) yield `${csvLine([...e.fields, e.message])}\r\n`;
}

// ── the worker ──────────────────────────────────────────────────────────────────────────

/** What one row becomes: written items, a duplicate, or an error. */
type Outcome = { kind: 'write'; items: TxItem[]; companyId?: string; key: string } | { kind: 'duplicate' } | { kind: 'error'; error: RowError };

interface Batch {
  rows: CsvRow[];
  outcomes: Outcome[];
}

const TIME_RESERVE_MS = 60_000;

// A group of rows is one transaction: at most 40 rows, 90 items (of DynamoDB's 100, leaving
// room for the counters and the done marker) and 3 MB (of its 4 MB).
const GROUP_ROWS = 40;
const GROUP_ITEMS = 90;
const GROUP_BYTES = 3 * 1024 * 1024;
/** A row above this is that row's error: its copy for errors.csv must fit one item (400 KB). */
export const MAX_ROW_BYTES = 256 * 1024;
/** The header is kept on the job item (for errors.csv), beside its other fields. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Keys, attribute names and the error message an item adds to the row's own bytes. */
const ITEM_OVERHEAD_BYTES = 2048;
/** What errors.csv keeps of a row too large to store: each cell cut to this many characters… */
const CUT_CELL_CHARS = 1000;
/** …and this many characters in all (later cells left empty, so the columns still line up). */
const CUT_ROW_CHARS = 32 * 1024;

/**
 * The most items a row's write can take, whatever the database holds: a contact and its email
 * guard (putNewContact); a company, its name guard (putNewCompany) and its audit entry. An
 * address adds itself and the billing pointer (putNewAddress, claimBilling with no previous
 * one). A duplicate takes none and an error one, so this is the row's upper bound.
 */
const WRITE_ITEMS: Record<ImportType, number> = { contacts: 2, companies: 3 };
const ADDRESS_ITEMS = 2;

/** A row's size as DynamoDB counts a list of strings (each element adds a few bytes). */
const rowBytes = (fields: readonly string[]) => fields.reduce((n, f) => n + Buffer.byteLength(f) + 4, 0);

const cutFields = (fields: readonly string[]) => {
  let left = CUT_ROW_CHARS;
  return fields.map((f) => {
    const cell = f.slice(0, Math.min(CUT_CELL_CHARS, left));
    left -= cell.length;
    return cell;
  });
};

/** A user's value quoted in a message, cut so the message stays small. */
const quoted = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);

const firstIssue = (error: z.ZodError, columns: Record<string, string>): Pick<RowError, 'field' | 'code' | 'message'> => {
  const issue = error.issues[0]!;
  const field = issue.path.length ? String(issue.path[0]) : null;
  return { field: field ? (columns[field] ?? field) : null, code: 'VALIDATION_FAILED', message: `${field ? `${columns[field] ?? field}: ` : ''}${issue.message}` };
};

/** A blank cell is absent; a cell errors.csv neutralised (`'+44…`) is read back as it was. */
const cellValue = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : restoreNeutralized(v.trim()));

/** Reads a row's canonical columns. */
const valuesOf = (mapping: (string | undefined)[], fields: string[]) => {
  const out: Record<string, string | undefined> = {};
  mapping.forEach((column, i) => {
    if (column) out[column] = cellValue(fields[i]);
  });
  return out;
};

const hasAddress = (v: Record<string, string | undefined>) => Boolean(v.line1 || v.city || v.postalCode || v.country);

/** "Jane van der Berg" → Jane / van der Berg. */
const splitName = (name: string | undefined) => {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  return parts.length < 2 ? { firstName: parts[0], lastName: undefined } : { firstName: parts[0], lastName: parts.slice(1).join(' ') };
};

interface Context {
  job: StoredImport;
  mapping: (string | undefined)[];
  actor: Pick<Caller, 'sub' | 'email'>;
  /** Company names already resolved in this run. */
  companies: Map<string, { id: string; status: string } | null>;
}

const resolveCompanies = async (ctx: Context, names: string[]) => {
  const missing = [...new Set(names.map(normalizeName))].filter((n) => !ctx.companies.has(n));
  if (!missing.length) return;
  const guards = await batchGet(missing.map((n) => keys.companyName(n)));
  const idByName = new Map(guards.map((g) => [String(g.pk).slice('COMPANYNAME#'.length), g.companyId as string]));
  const companies = await batchGet([...idByName.values()].map((id) => keys.company(id)));
  const statusById = new Map(companies.map((c) => [c.id as string, c.status as string]));
  for (const n of missing) {
    const id = idByName.get(n);
    ctx.companies.set(n, id && statusById.has(id) ? { id, status: statusById.get(id)! } : null);
  }
};

/** A value that could be a company's name; anything longer names no company and is not looked up (its key would be too long). */
const companyName = createCompanyBody.shape.name;

/** Contacts: validation with the API's schema, company by name, duplicates by email within the group (the database's are found on commit). */
const contactOutcomes = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const now = new Date().toISOString();
  const parsed = rows.map((r) => {
    const v = valuesOf(ctx.mapping, r.fields);
    const names = v.firstName || v.lastName ? { firstName: v.firstName, lastName: v.lastName } : splitName(v.name);
    const input = { ...names, email: v.email, phone: v.phone, title: v.title };
    return { row: r, company: v.company, result: createContactBody.omit({ companyId: true, sendInvite: true }).safeParse(input) };
  });
  await resolveCompanies(ctx, parsed.flatMap((p) => (p.result.success && p.company && companyName.safeParse(p.company).success ? [p.company] : [])));
  // Emails already in the database are found by the group's transaction (see `commit`); earlier rows of the group here.
  const seen = new Set<string>();
  return parsed.map(({ row, company, result }): Outcome => {
    const columns = { firstName: 'firstName', lastName: 'lastName', email: 'email', phone: 'phone', title: 'title' };
    if (!result.success) return { kind: 'error', error: { row: row.row, ...firstIssue(result.error, columns) } };
    const email = result.data.email;
    if (seen.has(email)) return { kind: 'duplicate' };
    let companyId: string | undefined;
    if (company) {
      const found = ctx.companies.get(normalizeName(company));
      if (!found) return { kind: 'error', error: { row: row.row, field: 'company', code: 'UNKNOWN_COMPANY', message: `company: no company is named ${quoted(company)}` } };
      if (found.status !== 'active') return { kind: 'error', error: { row: row.row, field: 'company', code: 'COMPANY_ARCHIVED', message: `company: ${quoted(company)} is archived` } };
      companyId = found.id;
    }
    seen.add(email);
    const contact = newContact({ ...result.data, companyId: companyId ?? null }, now, 'csv');
    return { kind: 'write', items: putNewContact(contact), companyId, key: email };
  });
};

/** Companies: the API's create schema, duplicates by name (the guard items, and earlier rows), an optional billing and site address. */
const companyOutcomes = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const now = new Date().toISOString();
  const parsed = rows.map((r) => {
    const v = valuesOf(ctx.mapping, r.fields);
    const employeeCount = v.employeeCount === undefined ? undefined : /^\d+$/.test(v.employeeCount.replace(/[,\s]/g, '')) ? Number(v.employeeCount.replace(/[,\s]/g, '')) : v.employeeCount;
    const company = createCompanyBody.safeParse({ name: v.name, primaryDomain: v.primaryDomain, phone: v.phone, website: v.website, industry: v.industry, employeeCount });
    const address = hasAddress(v) ? createAddressBody.safeParse({ line1: v.line1, city: v.city, region: v.region, postalCode: v.postalCode, country: v.country, isBilling: true, isSite: true }) : undefined;
    return { row: r, company, address };
  });
  await resolveCompanies(ctx, parsed.flatMap((p) => (p.company.success ? [p.company.data.name] : [])));
  const seen = new Set<string>();
  return parsed.map(({ row, company, address }): Outcome => {
    if (!company.success) return { kind: 'error', error: { row: row.row, ...firstIssue(company.error, {}) } };
    if (address && !address.success) return { kind: 'error', error: { row: row.row, ...firstIssue(address.error, {}) } };
    const key = normalizeName(company.data.name);
    if (ctx.companies.get(key) || seen.has(key)) return { kind: 'duplicate' };
    seen.add(key);
    const c = newCompany(company.data, now);
    ctx.companies.set(key, { id: c.id, status: 'active' });
    const items = [...putNewCompany(c), appendAudit({ companyId: c.id, actor: ctx.actor, action: 'company.created', reason: `CSV import ${ctx.job.id}`, changes: diff({}, c, EDITABLE_FIELDS), at: now })];
    if (address?.success) {
      const a = newAddress(address.data);
      items.push(putNewAddress(c.id, a), ...claimBilling(c.id, a.id, undefined));
    }
    return { kind: 'write', items, key };
  });
};

const tooLarge = (row: CsvRow): Outcome => ({
  kind: 'error',
  error: {
    row: row.row,
    field: null,
    code: 'ROW_TOO_LARGE',
    message: `The row is ${Math.ceil(rowBytes(row.fields) / 1024)} KB; a row may hold at most ${MAX_ROW_BYTES / 1024} KB. Its cells are cut to ${CUT_CELL_CHARS} characters in errors.csv.`,
  },
});

/** Each row's outcome, in order; a row too large to store is its own error and is not read further. */
const outcomesOf = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const fits = rows.filter((r) => rowBytes(r.fields) <= MAX_ROW_BYTES);
  const outcomes = ctx.job.type === 'contacts' ? await contactOutcomes(ctx, fits) : await companyOutcomes(ctx, fits);
  const byRow = new Map(fits.map((r, i) => [r.row, outcomes[i]!]));
  return rows.map((r) => byRow.get(r.row) ?? tooLarge(r));
};

/**
 * Cuts the file into groups, one transaction each, from the rows alone: what a group costs is
 * the most its rows could cost (WRITE_ITEMS, a company counter per company named, the row's
 * bytes), never what the database holds. So every delivery, whatever others have committed,
 * cuts the same groups, and each group's done marker (keyed by its first row) is committed once.
 */
const grouper = (type: ImportType, mapping: (string | undefined)[]) => {
  let rows: CsvRow[] = [];
  let items = 0;
  let bytes = 0;
  const companies = new Set<string>();
  const load = (row: CsvRow) => {
    const size = rowBytes(row.fields);
    if (size > MAX_ROW_BYTES) return { items: 1, bytes: rowBytes(cutFields(row.fields)) + ITEM_OVERHEAD_BYTES, company: undefined };
    const v = valuesOf(mapping, row.fields);
    const company = type === 'contacts' && v.company ? normalizeName(v.company) : undefined;
    const extra = type === 'contacts' ? (company && !companies.has(company) ? 1 : 0) : hasAddress(v) ? ADDRESS_ITEMS : 0;
    return { items: WRITE_ITEMS[type] + extra, bytes: size + ITEM_OVERHEAD_BYTES, company };
  };
  return {
    /** Adds a row; returns the group it closed, if it did not fit in the open one. */
    add(row: CsvRow): CsvRow[] | undefined {
      let l = load(row);
      let closed: CsvRow[] | undefined;
      if (rows.length && (rows.length >= GROUP_ROWS || items + l.items > GROUP_ITEMS || bytes + l.bytes > GROUP_BYTES)) {
        closed = rows;
        rows = [];
        items = bytes = 0;
        companies.clear();
        l = load(row);
      }
      rows.push(row);
      items += l.items;
      bytes += l.bytes;
      if (l.company) companies.add(l.company);
      return closed;
    },
    /** The last group. */
    rest: () => rows,
  };
};

const countsOf = (outcomes: Outcome[]) => ({
  processed: outcomes.length,
  created: outcomes.filter((o) => o.kind === 'write').length,
  duplicates: outcomes.filter((o) => o.kind === 'duplicate').length,
  failed: outcomes.filter((o) => o.kind === 'error').length,
});

/** The row as uploaded, for errors.csv; cut if it is too large to store. */
const fieldsOf = (rows: CsvRow[], row: number) => {
  const fields = rows.find((r) => r.row === row)?.fields ?? [];
  return rowBytes(fields) > MAX_ROW_BYTES ? cutFields(fields) : fields;
};

/** Whose condition an item of a batch's transaction carries: a row's writes, or a company's counter. */
type Owner = { row: number } | { companyId: string } | null;

/**
 * The items of some rows (their writes, the company counters, one item per company, their
 * errors), and for each item whose condition it is. Failed conditions are read back from the
 * cancellation reasons, so the items carry no `onConditionFailed` verdicts of their own.
 */
const itemsOf = (ctx: Context, rows: CsvRow[], outcomes: Outcome[]): { items: TxItem[]; owners: Owner[] } => {
  const items: TxItem[] = [];
  const owners: Owner[] = [];
  const perCompany = new Map<string, number>();
  for (const [i, o] of outcomes.entries()) {
    if (o.kind === 'write') {
      for (const { item } of o.items) items.push({ item }), owners.push({ row: i });
      if (o.companyId) perCompany.set(o.companyId, (perCompany.get(o.companyId) ?? 0) + 1);
    } else if (o.kind === 'error') {
      items.push(rowErrorItem(ctx.job.id, { ...o.error, fields: fieldsOf(rows, o.error.row) }));
      owners.push(null);
    }
  }
  for (const [companyId, n] of perCompany) {
    items.push({ item: companyReference(companyId, { contacts: n }, { into: true }).item });
    owners.push({ companyId });
  }
  // The group was cut on the most its rows could take (grouper); more is a bug in WRITE_ITEMS, not a bad file.
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
  if (invalid) return { code: 'INTERNAL', message: 'The import stopped on rows it could not store; the rows before them are imported. It has been logged.' };
  return undefined;
};

/** Runs (or resumes) an import; `continue` when it handed over to a new message before the Lambda timeout. */
export const runImport = async (importId: string, remainingMs: () => number): Promise<'completed' | 'failed' | 'continue' | 'skipped'> => {
  const job = await getStoredImport(importId);
  if (!job || job.status === 'completed' || job.status === 'failed') return 'skipped';
  try {
    return await importRows(job, remainingMs);
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

const importRows = async (job: StoredImport, remainingMs: () => number): Promise<'completed' | 'continue' | 'skipped'> => {
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
        await sendToQueue('imports', { importId });
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
