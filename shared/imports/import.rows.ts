/**
 * What each row of an import becomes (a write, a duplicate or an error), read with the API's
 * own schemas, and how the rows are cut into groups of one transaction each.
 */
import type * as z from 'zod';
import { claimBilling, putNewAddress } from '../addresses/address.repository';
import { createAddressBody } from '../addresses/address.schema';
import { newAddress } from '../addresses/address.service';
import { appendAudit, diff } from '../audit/audit.repository';
import { putNewCompany } from '../companies/company.repository';
import { createCompanyBody, EDITABLE_FIELDS } from '../companies/company.schema';
import { newCompany } from '../companies/company.service';
import { putNewContact } from '../contacts/contact.repository';
import { searchTokens } from '../contacts/contact-search';
import { createContactBody } from '../contacts/contact.schema';
import { newContact } from '../contacts/contact.service';
import { contactDelta } from '../contacts/contact-counts';
import { batchGet } from '../db/batch';
import type { CountDeltas } from '../db/counters';
import { keys, normalizeName } from '../db/keys';
import type { TxItem } from '../db/transact';
import type { Caller } from '../http/caller';
import { restoreNeutralized, type CsvRow } from './csv';
import type { StoredImport } from './import.repository';
import type { ImportType, RowError } from './import.schema';

/** What one row becomes: written items (and what they add to the counters of `companyId`), a duplicate, or an error. */
export type Outcome = { kind: 'write'; items: TxItem[]; companyId?: string; counts?: CountDeltas; key: string } | { kind: 'duplicate' } | { kind: 'error'; error: RowError };

// A group of rows is one transaction: at most 40 rows, 98 items (of DynamoDB's 100: the job's
// counters and the done marker take the other two) and 3 MB (of its 4 MB).
const GROUP_ROWS = 40;
export const GROUP_ITEMS = 98;
const GROUP_BYTES = 3 * 1024 * 1024;
/** A row above this is that row's error: its copy for errors.csv must fit one item (400 KB). */
const MAX_ROW_BYTES = 256 * 1024;
/** Keys, attribute names and the error message an item adds to the row's own bytes. */
const ITEM_OVERHEAD_BYTES = 2048;
/** What errors.csv keeps of a row too large to store: each cell cut to this many characters… */
const CUT_CELL_CHARS = 1000;
/** …and this many characters in all (later cells left empty, so the columns still line up). */
const CUT_ROW_CHARS = 32 * 1024;

/**
 * The most items a row's write can take, whatever the database holds: a contact, its email
 * guard and one item per search token of its names and email (putNewContact: counted from the
 * row itself, see `contactRowItems`); a company, its name guard (putNewCompany) and its audit
 * entry. An address adds itself and the billing pointer (putNewAddress, claimBilling with no
 * previous one). A duplicate takes none and an error one, so this is the row's upper bound.
 */
const COMPANY_ITEMS = 3;
const ADDRESS_ITEMS = 2;

/** A row's size as DynamoDB counts a list of strings (each element adds a few bytes). */
export const rowBytes = (fields: readonly string[]) => fields.reduce((n, f) => n + Buffer.byteLength(f) + 4, 0);

const cutFields = (fields: readonly string[]) => {
  let left = CUT_ROW_CHARS;
  return fields.map((f) => {
    const cell = f.slice(0, Math.min(CUT_CELL_CHARS, left));
    left -= cell.length;
    return cell;
  });
};

/** The row as uploaded, for errors.csv; cut if it is too large to store. */
export const storedFields = (fields: string[]) => (rowBytes(fields) > MAX_ROW_BYTES ? cutFields(fields) : fields);

/** A user's value quoted in a message, cut so the message stays small. */
const quoted = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);

const firstIssue = (error: z.ZodError, columns: Record<string, string>): Pick<RowError, 'field' | 'code' | 'message'> => {
  const issue = error.issues[0]!;
  const field = issue.path.length ? String(issue.path[0]) : null;
  return { field: field ? (columns[field] ?? field) : null, code: 'VALIDATION_FAILED', message: `${field ? `${columns[field] ?? field}: ` : ''}${issue.message}` };
};

/**
 * A blank cell is absent; a cell errors.csv neutralised (`'+44…`) is read back as it was; line
 * breaks typed in a spreadsheet cell (Alt+Enter) become one space, as every imported column is a
 * single-line field (other control characters are still refused by the API's schemas).
 */
const cellValue = (v: string | undefined) => {
  const text = v?.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ').trim();
  return text ? restoreNeutralized(text) : undefined;
};

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

export interface Context {
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

const contactRowSchema = createContactBody.omit({ companyId: true, sendInvite: true });

/** A contacts row read with the API's schema (the same read cuts the groups and writes the rows). */
const parseContactRow = (mapping: (string | undefined)[], fields: string[]) => {
  const v = valuesOf(mapping, fields);
  const names = v.firstName || v.lastName ? { firstName: v.firstName, lastName: v.lastName } : splitName(v.name);
  return { company: v.company, result: contactRowSchema.safeParse({ ...names, email: v.email, phone: v.phone, title: v.title }) };
};

/** Contacts: validation with the API's schema, company by name, duplicates by email within the group (the database's are found on commit). */
const contactOutcomes = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const now = new Date().toISOString();
  const parsed = rows.map((r) => ({ row: r, ...parseContactRow(ctx.mapping, r.fields) }));
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
    return { kind: 'write', items: putNewContact(contact), companyId, counts: companyId ? contactDelta(companyId, undefined, contact) : undefined, key: email };
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
export const outcomesOf = async (ctx: Context, rows: CsvRow[]): Promise<Outcome[]> => {
  const fits = rows.filter((r) => rowBytes(r.fields) <= MAX_ROW_BYTES);
  const outcomes = ctx.job.type === 'contacts' ? await contactOutcomes(ctx, fits) : await companyOutcomes(ctx, fits);
  const byRow = new Map(fits.map((r, i) => [r.row, outcomes[i]!]));
  return rows.map((r) => byRow.get(r.row) ?? tooLarge(r));
};

/** What a contacts row writes: its contact, email guard and search tokens, or one error item. */
const contactRowItems = (mapping: (string | undefined)[], fields: string[]) => {
  const { result } = parseContactRow(mapping, fields);
  return result.success ? 2 + searchTokens(result.data).length : 1;
};

/**
 * Cuts the file into groups, one transaction each, from the rows alone: what a group costs is
 * the most its rows could cost (each row's own items, a company counter per company named, the row's
 * bytes), never what the database holds. So every delivery, whatever others have committed,
 * cuts the same groups, and each group's done marker (keyed by its first row) is committed once.
 */
export const grouper = (type: ImportType, mapping: (string | undefined)[]) => {
  let rows: CsvRow[] = [];
  let items = 0;
  let bytes = 0;
  const companies = new Set<string>();
  const load = (row: CsvRow) => {
    const size = rowBytes(row.fields);
    if (size > MAX_ROW_BYTES) return { items: 1, bytes: rowBytes(cutFields(row.fields)) + ITEM_OVERHEAD_BYTES, company: undefined };
    const v = valuesOf(mapping, row.fields);
    const company = type === 'contacts' && v.company ? normalizeName(v.company) : undefined;
    const own = type === 'contacts' ? contactRowItems(mapping, row.fields) + (company && !companies.has(company) ? 1 : 0) : COMPANY_ITEMS + (hasAddress(v) ? ADDRESS_ITEMS : 0);
    return { items: own, bytes: size + ITEM_OVERHEAD_BYTES, company };
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
