/**
 * CSV imports. The upload is stored and a job queued; the worker streams the file, validates
 * each row with the same schemas as the API, and writes a batch of rows, their errors, the
 * job's counters and a "rows a..b done" marker in one transaction, a few batches in flight at
 * once. A redelivered, killed or timed-out run skips the ranges already marked, so no row is
 * written twice or lost; duplicates are skipped and counted; a bad row never stops the rest.
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
import { enqueue, enqueueNow } from '../outbox/outbox';
import { csvLine, mapHeader, NotCsvError, readCsv, type CsvRow } from './csv';
import { batchGet } from '../db/batch';
import { allErrors, doneMarker, doneRanges, getImportWithErrors, getStoredImport, importCounters, readUpload, rowErrorItem, storeUpload, updateImport, type StoredImport } from './import.repository';
import { requiredColumns, TEMPLATE_COLUMNS, type ImportType, type RowError } from './import.schema';

export const template = (type: ImportType) => `${TEMPLATE_COLUMNS[type].join(',')}\r\n`;

export const createImport = async (caller: Caller, type: ImportType, body: Buffer) => {
  const id = ulid();
  await storeUpload(id, type, body, new Date().toISOString(), { sub: caller.sub, email: caller.email }, enqueue('imports', { importId: id }));
  return { id, type, status: 'queued' as const };
};

export const findImport = getImportWithErrors;

/** errors.csv: the original header plus `error`, then each failed row as uploaded. */
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

const BATCH_ITEM_BUDGET = 90;
const TIME_RESERVE_MS = 60_000;

const firstIssue = (error: z.ZodError, columns: Record<string, string>): { field: string | null; message: string } => {
  const issue = error.issues[0]!;
  const field = issue.path.length ? String(issue.path[0]) : null;
  return { field: field ? (columns[field] ?? field) : null, message: `${field ? `${columns[field] ?? field}: ` : ''}${issue.message}` };
};

const blankToUndefined = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Reads a row's canonical columns. */
const valuesOf = (mapping: (string | undefined)[], fields: string[]) => {
  const out: Record<string, string | undefined> = {};
  mapping.forEach((column, i) => {
    if (column) out[column] = blankToUndefined(fields[i]);
  });
  return out;
};

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

/** Contacts: validation with the API's schema, company by name, duplicates by email within the file (the database's are found on commit). */
const contactOutcomes = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const now = new Date().toISOString();
  const parsed = rows.map((r) => {
    const v = valuesOf(ctx.mapping, r.fields);
    const names = v.firstName || v.lastName ? { firstName: v.firstName, lastName: v.lastName } : splitName(v.name);
    const input = { ...names, email: v.email, phone: v.phone, title: v.title };
    return { row: r, company: v.company, result: createContactBody.omit({ companyId: true, sendInvite: true }).safeParse(input) };
  });
  await resolveCompanies(ctx, parsed.flatMap((p) => (p.result.success && p.company ? [p.company] : [])));
  // Emails already in the database are found by the batch's transaction (see `commit`); earlier rows of the file here.
  const seen = new Set<string>();
  return parsed.map(({ row, company, result }): Outcome => {
    const columns = { firstName: 'firstName', lastName: 'lastName', email: 'email', phone: 'phone', title: 'title' };
    if (!result.success) return { kind: 'error', error: { row: row.row, ...firstIssue(result.error, columns) } };
    const email = result.data.email;
    if (seen.has(email)) return { kind: 'duplicate' };
    let companyId: string | undefined;
    if (company) {
      const found = ctx.companies.get(normalizeName(company));
      if (!found) return { kind: 'error', error: { row: row.row, field: 'company', message: `company: no company is named "${company}"` } };
      if (found.status !== 'active') return { kind: 'error', error: { row: row.row, field: 'company', message: `company: "${company}" is archived` } };
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
    const hasAddress = Boolean(v.line1 || v.city || v.postalCode || v.country);
    const address = hasAddress ? createAddressBody.safeParse({ line1: v.line1, city: v.city, region: v.region, postalCode: v.postalCode, country: v.country, isBilling: true, isSite: true }) : undefined;
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

const countsOf = (outcomes: Outcome[]) => ({
  processed: outcomes.length,
  created: outcomes.filter((o) => o.kind === 'write').length,
  duplicates: outcomes.filter((o) => o.kind === 'duplicate').length,
  failed: outcomes.filter((o) => o.kind === 'error').length,
});

const fieldsOf = (rows: CsvRow[], row: number) => rows.find((r) => r.row === row)?.fields ?? [];

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
  return { items, owners };
};

const cancellationReasons = (err: unknown) => (err instanceof TransactionCanceledException ? (err.CancellationReasons ?? []) : undefined);

const MAX_COMMIT_ATTEMPTS = 10;

/**
 * Commits a batch with its counters and done marker (last, so a replayed batch is recognised).
 * Rows are not checked beforehand: the transaction's conditions are the check. If some fail
 * (an email or name already taken, a company archived or removed), the cancellation reasons
 * name each one; those rows become duplicates or errors and the rest commit again, so a batch
 * costs one more transaction whatever number of its rows collide.
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
        if (o.companyId && gone.has(o.companyId)) return { kind: 'error', error: { row: batch.rows[i]!.row, field: 'company', message: 'company: archived or removed during the import' } };
        return taken.has(i) ? { kind: 'duplicate' } : o;
      });
    }
  }
};

/** Batches committing at once: transactions are the import's round trips, so a few overlap. */
const IN_FLIGHT = 4;

const BATCH_ROWS = 40;

/** Runs (or resumes) an import; `continue` when it handed over to a new message before the Lambda timeout. */
export const runImport = async (importId: string, remainingMs: () => number): Promise<'completed' | 'failed' | 'continue' | 'skipped'> => {
  const job = await getStoredImport(importId);
  if (!job || job.status === 'completed' || job.status === 'failed') return 'skipped';
  const fail = async (message: string) => {
    await updateImport(importId, { status: 'failed', failure: message, completedAt: new Date().toISOString() });
    return 'failed' as const;
  };
  const createdBy = job.createdBy ?? { sub: 'import', email: null };
  // Commits in flight never reject (a failure is kept aside), so they can always be awaited.
  const inFlight: Promise<void>[] = [];
  try {
    const rows = readCsv(readUpload(importId, job.chunks));
    const first = await rows.next();
    if (first.done || !('header' in first.value)) return await fail('The file has no header row.');
    const header = first.value.header;
    const mapping = mapHeader(job.type, header);
    const missing = requiredColumns(job.type, new Set(mapping.filter((m): m is string => !!m)));
    if (missing.length) return await fail(`Missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. Download the template to see the expected header.`);
    if (job.totalRows === null) {
      // A first, cheap pass counts the rows so progress has a total.
      let total = 0;
      for await (const r of readCsv(readUpload(importId, job.chunks))) if ('row' in r) total++;
      job.totalRows = total;
      await updateImport(importId, { totalRows: total, header, status: 'running' });
    }
    const ctx: Context = { job, mapping, actor: createdBy, companies: new Map() };
    const done = await doneRanges(importId);
    const isDone = (row: number) => done.some((d) => row >= d.first && row <= d.last);
    let failure: unknown;
    const submit = async (batch: Batch) => {
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      if (failure) throw failure;
      // A failed commit is remembered, not thrown here, so none is left unobserved.
      inFlight.push(commit(ctx, batch).catch((err: unknown) => void (failure ??= err)));
    };
    const settle = async () => {
      await Promise.all(inFlight.splice(0));
      if (failure) throw failure;
    };
    let pending: CsvRow[] = [];
    const flush = async () => {
      if (!pending.length) return;
      const outcomes = job.type === 'contacts' ? await contactOutcomes(ctx, pending) : await companyOutcomes(ctx, pending);
      // Keep each transaction within DynamoDB's 100 items: split the batch by its item count.
      let rowsPart: CsvRow[] = [];
      let outcomesPart: Outcome[] = [];
      let budget = 1;
      const companiesInPart = new Set<string>();
      for (const [i, o] of outcomes.entries()) {
        const cost = (o.kind === 'write' ? o.items.length : o.kind === 'error' ? 1 : 0) + (o.kind === 'write' && o.companyId && !companiesInPart.has(o.companyId) ? 1 : 0);
        if (budget + cost > BATCH_ITEM_BUDGET && rowsPart.length) {
          await submit({ rows: rowsPart, outcomes: outcomesPart });
          rowsPart = [];
          outcomesPart = [];
          budget = 1;
          companiesInPart.clear();
        }
        rowsPart.push(pending[i]!);
        outcomesPart.push(o);
        budget += cost;
        if (o.kind === 'write' && o.companyId) companiesInPart.add(o.companyId);
      }
      if (rowsPart.length) await submit({ rows: rowsPart, outcomes: outcomesPart });
      pending = [];
    };
    for await (const r of rows) {
      if (!('row' in r) || isDone(r.row)) continue; // committed by an earlier run
      pending.push(r);
      if (pending.length >= BATCH_ROWS) {
        await flush();
        if (remainingMs() < TIME_RESERVE_MS) {
          await settle();
          await enqueueNow('imports', { importId });
          return 'continue';
        }
      }
    }
    await flush();
    await settle();
    await updateImport(importId, { status: 'completed', completedAt: new Date().toISOString() });
    return 'completed';
  } catch (err) {
    await Promise.all(inFlight.splice(0));
    if (err instanceof NotCsvError) return fail(err.message);
    if ((err as { code?: string }).code?.startsWith('CSV_')) return fail(`The file is not valid CSV: ${(err as Error).message}`);
    logger.error('Import failed, will be retried', { importId, error: err as Error });
    throw err;
  }
};
