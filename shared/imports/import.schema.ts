/** Imports: the job resource, the upload query, and the columns each type reads (with the aliases other systems export). */
import * as z from 'zod';
import { id, isoTime } from '../common/schemas';

export const IMPORT_TYPES = ['contacts', 'companies'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

/** The `imports` queue message: which import to run (or resume). */
export const importMessage = z.strictObject({ importId: id });

export const createImportQuery = z.object({ type: z.enum(IMPORT_TYPES) });
export const templateParams = z.object({ template: z.enum(['contacts.csv', 'companies.csv']) });
export const csvBody = z.string().meta({ description: 'The CSV file (UTF-8, with or without BOM; `,` or `;`; CRLF or LF)' });

/**
 * A row's error; `code`: `VALIDATION_FAILED`, `UNKNOWN_COMPANY`, `COMPANY_ARCHIVED` or
 * `ROW_TOO_LARGE` (more than a stored item holds), or for `row: 0` the job's own failure code.
 */
export const rowErrorSchema = z.object({ row: z.number().int(), field: z.string().nullable(), code: z.string(), message: z.string() });
export type RowError = z.output<typeof rowErrorSchema>;

/** Why a job failed (API.md: "A job that fails carries { code, message }"); the codes are `FileErrorCode` (csv.ts) and `INTERNAL_ERROR`. */
export const jobErrorSchema = z.object({ code: z.string(), message: z.string() });

export const importSchema = z
  .object({
    id,
    type: z.enum(IMPORT_TYPES),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    totalRows: z.number().int().nullable(),
    processedRows: z.number().int(),
    created: z.number().int(),
    skippedDuplicates: z.number().int(),
    failed: z.number().int(),
    /** The first 100 row errors; `errors.csv` has them all. A job-level failure has `row: 0`. */
    errors: z.array(rowErrorSchema),
    /** Set when `status` is `failed`: the file could not be read as a whole. */
    error: jobErrorSchema.nullable(),
    createdAt: isoTime,
    completedAt: isoTime.nullable(),
  })
  .meta({ id: 'Import' });
export type ImportJob = z.output<typeof importSchema>;

export const importAccepted = z.object({ id, type: z.enum(IMPORT_TYPES), status: z.literal('queued') }).meta({ id: 'ImportAccepted' });

/** The template header of each type, as API.md gives it. */
export const TEMPLATE_COLUMNS: Record<ImportType, readonly string[]> = {
  contacts: ['firstName', 'lastName', 'email', 'phone', 'title', 'company'],
  companies: ['name', 'primaryDomain', 'phone', 'website', 'industry', 'employeeCount', 'line1', 'city', 'region', 'postalCode', 'country'],
};

/** Header spellings seen in exports from other systems, compared without case, spaces, `_`, `-` or `.`. */
export const COLUMN_ALIASES: Record<ImportType, Record<string, readonly string[]>> = {
  contacts: {
    firstName: ['firstname', 'first', 'givenname', 'forename'],
    lastName: ['lastname', 'last', 'surname', 'familyname'],
    name: ['name', 'fullname', 'displayname', 'contactname', 'contact'],
    email: ['email', 'emailaddress', 'mail', 'e-mail', 'primaryemail', 'workemail', 'emailaddress1'],
    phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'mobilephone', 'mobilenumber', 'cell', 'cellphone', 'businessphone', 'workphone'],
    title: ['title', 'jobtitle', 'position', 'role'],
    company: ['company', 'companyname', 'organization', 'organisation', 'account', 'accountname', 'client', 'customer'],
  },
  companies: {
    name: ['name', 'companyname', 'company', 'organization', 'organisation', 'accountname', 'client', 'customer', 'customername'],
    primaryDomain: ['primarydomain', 'domain', 'emaildomain'],
    phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mainphone'],
    website: ['website', 'web', 'url', 'homepage', 'site'],
    industry: ['industry', 'sector'],
    employeeCount: ['employeecount', 'employees', 'numberofemployees', 'staff', 'headcount'],
    line1: ['line1', 'address', 'address1', 'addressline1', 'street', 'streetaddress'],
    city: ['city', 'town'],
    region: ['region', 'state', 'county', 'province'],
    postalCode: ['postalcode', 'postcode', 'zip', 'zipcode'],
    country: ['country', 'countrycode'],
  },
};

/** Columns that must be present; for contacts a single `name` column stands in for first and last name. */
export const requiredColumns = (type: ImportType, present: Set<string>): string[] => {
  if (type === 'companies') return ['name'].filter((c) => !present.has(c));
  const missing = ['email'].filter((c) => !present.has(c));
  if (!present.has('name') && !(present.has('firstName') && present.has('lastName'))) missing.push(...['firstName', 'lastName'].filter((c) => !present.has(c)));
  return missing;
};
