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
import { sendToQueue } from '../queue/send';
import { csvLine, mapHeader, NotCsvError, readCsv, type CsvRow } from './csv';
import { batchGet } from '../db/batch';
import { allErrors, doneMarker, doneRanges, getImportWithErrors, getStoredImport, importCounters, readUpload, rowErrorItem, storeUpload, updateImport, type StoredImport } from './import.repository';
import { requiredColumns, TEMPLATE_COLUMNS, type ImportType, type RowError } from './import.schema';

export const template = (type: ImportType) => `${TEMPLATE_COLUMNS[type].join(',')}\r\n`;

export const createImport = async (caller: Caller, type: ImportType, body: Buffer) => {
  const id = ulid();
  await storeUpload(id, type, body, new Date().toISOString(), { sub: caller.sub, email: caller.email });
  await sendToQueue('imports', { importId: id });
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

/** Contacts: validation with the API's schema, company by name, duplicates by email (the guard items, and earlier rows). */
const contactOutcomes = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const now = new Date().toISOString();
  const parsed = rows.map((r) => {
    const v = valuesOf(ctx.mapping, r.fields);
    const names = v.firstName || v.lastName ? { firstName: v.firstName, lastName: v.lastName } : splitName(v.name);
    const input = { ...names, email: v.email, phone: v.phone, title: v.title };
    return { row: r, company: v.company, result: createContactBody.omit({ companyId: true, sendInvite: true }).safeParse(input) };
  });
  await resolveCompanies(ctx, parsed.flatMap((p) => (p.result.success && p.company ? [p.company] : [])));
  const emails = parsed.flatMap((p) => (p.result.success ? [p.result.data.email] : []));
  const taken = new Set((await batchGet([...new Set(emails)].map((e) => keys.contactEmail(e)))).map((g) => String(g.pk).slice('CONTACTEMAIL#'.length)));
  const seen = new Set<string>();
  return parsed.map(({ row, company, result }): Outcome => {
    const columns = { firstName: 'firstName', lastName: 'lastName', email: 'email', phone: 'phone', title: 'title' };
    if (!result.success) return { kind: 'error', error: { row: row.row, ...firstIssue(result.error, columns) } };
    const email = result.data.email;
    if (taken.has(email) || seen.has(email)) return { kind: 'duplicate' };
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

/** The items of some rows: their writes, the company counters (one item per company), their errors. */
const itemsOf = (ctx: Context, rows: CsvRow[], outcomes: Outcome[]): TxItem[] => {
  const items: TxItem[] = [];
  const perCompany = new Map<string, number>();
  for (const o of outcomes) {
    if (o.kind === 'write') {
      items.push(...o.items);
      if (o.companyId) perCompany.set(o.companyId, (perCompany.get(o.companyId) ?? 0) + 1);
    } else if (o.kind === 'error') items.push(rowErrorItem(ctx.job.id, { ...o.error, fields: fieldsOf(rows, o.error.row) }));
  }
  for (const [companyId, n] of perCompany) items.push(companyReference(companyId, { contacts: n }, { into: true }));
  return items;
};

const isConditionFailure = (err: unknown) => err instanceof TransactionCanceledException && (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');

const markerFailed = (err: unknown, items: TxItem[]) => {
  const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
  return reasons[items.length - 1]?.Code === 'ConditionalCheckFailed';
};

/**
 * Commits a batch with its counters and done marker (last, so a replayed batch is recognised).
 * If a row's condition fails (an email or name taken, a company archived, since the batch was
 * checked), the rows are committed one by one, and the one that fails is counted as a
 * duplicate or an error.
 */
const commit = async (ctx: Context, batch: Batch): Promise<void> => {
  const items = [...itemsOf(ctx, batch.rows, batch.outcomes), importCounters(ctx.job.id, countsOf(batch.outcomes)), doneMarker(ctx.job.id, batch.rows[0]!.row, batch.rows[batch.rows.length - 1]!.row)];
  try {
    await transact(items);
    return;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    if (markerFailed(err, items)) return; // committed by an earlier delivery
  }
  for (const [i, row] of batch.rows.entries()) {
    let outcome = batch.outcomes[i]!;
    const step = async (o: Outcome) => {
      const rowItems = [...itemsOf(ctx, [row], [o]), importCounters(ctx.job.id, countsOf([o])), doneMarker(ctx.job.id, row.row, row.row)];
      try {
        await transact(rowItems);
      } catch (err) {
        if (isConditionFailure(err) && markerFailed(err, rowItems)) return;
        throw err;
      }
    };
    try {
      await step(outcome);
    } catch (err) {
      if (!isConditionFailure(err) || outcome.kind !== 'write') throw err;
      // Taken meanwhile (a duplicate) or its company archived meanwhile (an error).
      const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
      const guardFailed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed') <= 1;
      outcome = guardFailed ? { kind: 'duplicate' } : { kind: 'error', error: { row: row.row, field: 'company', message: 'company: archived or removed during the import' } };
      await step(outcome);
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
          await sendToQueue('imports', { importId });
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
