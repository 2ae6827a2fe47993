/** Company: request bodies, query and the resource as API.md defines them. */
import * as z from 'zod';
import { amountString, currencyCode } from '../billing/contract.schema';
import { type HasExactly, id, isoTime, multiline, pageOf, text, pageQuery, patchBody } from '../common/schemas';
import { externalIdsSchema } from '../crm/crm.schema';
import type { COMPANY_COUNTS, COMPANY_RESOURCE_FIELDS } from './company.fields';

export const COMPANY_STATUSES = ['active', 'archived'] as const;
export type CompanyStatus = (typeof COMPANY_STATUSES)[number];

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'Must be a domain name such as example.com');

/** The editable fields; every one but `name` is optional, and every one but `name` and `currency` may be `null`. */
const editable = {
  primaryDomain: domain.nullable(),
  phone: text(50).nullable(),
  website: z.url({ protocol: /^https?$/ }).max(2048).nullable(),
  industry: text(100).nullable(),
  employeeCount: z.number().int().min(0).max(10_000_000).nullable(),
  accountManagerId: text(128).nullable().meta({ description: 'A staff user\'s id from `GET /v1/staff`, else `400 UNKNOWN_STAFF_USER`' }),
  notes: multiline(10_000).nullable(),
  tags: z
    .array(text(50).min(1))
    .max(50)
    .refine((t) => new Set(t.map((s) => s.toLowerCase())).size === t.length, 'Tags must be unique')
    .nullable(),
  currency: currencyCode.meta({ description: 'ISO 4217, upper case, a currency with 2 decimal places; default: the MSP\'s (the stack\'s `defaultCurrency`, USD)' }),
  hourlyRate: amountString.nullable().meta({ description: 'The company\'s hourly rate in its currency (time beyond a contract\'s included hours without an overage rate)' }),
};

/** PATCH only: the contact invoices are sent to instead of the primary contact; one of the company's contacts (a new company has none yet). */
const billingContactId = id.nullable().meta({ description: "One of the company's contacts (`409 CONTACT_NOT_IN_COMPANY`); invoices go to it instead of the primary contact. Cleared when it leaves the company or is deleted." });

const name = text(200).min(1, 'Name is required');

export const createCompanyBody = z.strictObject({ name, ...z.object(editable).partial().shape }).meta({ id: 'CreateCompany' });
export type CreateCompanyInput = z.output<typeof createCompanyBody>;

export const updateCompanyBody = patchBody(createCompanyBody.extend({ billingContactId }))
  .meta({ id: 'UpdateCompany' });
export type UpdateCompanyInput = z.output<typeof updateCompanyBody>;

export const listCompaniesQuery = z.object({
  status: z.enum(COMPANY_STATUSES).default('active'),
  q: z.string().trim().min(1).max(200).optional(),
  ...pageQuery,
});

const counts = z.object({
  contacts: z.number().int(),
  activeContacts: z.number().int().meta({ description: 'The contacts whose `status` is `active`: what a `per_user` contract line bills when it has no `quantity`' }),
  tickets: z.number().int(),
  openTickets: z.number().int(),
  assets: z.number().int(),
});

export const companySchema = z
  .object({
    id,
    name: z.string(),
    status: z.enum(COMPANY_STATUSES),
    primaryDomain: z.string().nullable(),
    phone: z.string().nullable(),
    website: z.string().nullable(),
    industry: z.string().nullable(),
    employeeCount: z.number().int().nullable(),
    accountManagerId: z.string().nullable(),
    notes: z.string().nullable(),
    tags: z.array(z.string()),
    primaryContactId: id.nullable(),
    defaultContractId: id.nullable().meta({ description: 'The active contract new tickets of the company take when given none (`PUT /v1/companies/{id}/default-contract`)' }),
    currency: z.string(),
    hourlyRate: z.string().nullable(),
    billingContactId: id.nullable(),
    archivedAt: isoTime.nullable(),
    archivedBy: z.string().nullable(),
    archiveReason: z.string().nullable(),
    counts,
    outstandingBalance: z
      .array(z.object({ currency: z.string(), amount: z.string() }))
      .meta({ description: 'What its sent, unpaid invoices still owe, per currency (alphabetical; none owed: empty); exact after concurrent payments' }),
    integrations: z.object({
      m365: z.object({ tenantId: z.string(), lastSyncAt: isoTime.nullable(), lastSyncStatus: z.string().nullable() }).nullable(),
      quickbooks: z
        .object({ customerId: z.string(), active: z.boolean(), syncStatus: z.enum(['pending', 'synced', 'failed']), lastError: z.string().nullable() })
        .nullable(),
    }),
    externalIds: externalIdsSchema,
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Company' });
export type Company = z.output<typeof companySchema>;
/** Compiles only while `company.fields.ts` lists exactly the schema's fields and counts (the repository maps items with those lists). */
export const companyFieldsListed: HasExactly<Company, (typeof COMPANY_RESOURCE_FIELDS)[number]> = true;
export const companyCountsListed: HasExactly<Company['counts'], (typeof COMPANY_COUNTS)[number]> = true;

export const companyPageSchema = pageOf(companySchema, 'CompanyPage');

/** The fields a create or update may set, in API order (audit diffs follow it). */
export const EDITABLE_FIELDS = ['name', ...Object.keys(editable), 'billingContactId'] as (keyof UpdateCompanyInput)[];
