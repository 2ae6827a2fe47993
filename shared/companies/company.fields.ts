/**
 * The company resource's fields (API.md) as plain lists, without zod: the repository maps a
 * stored item to them, and a Cognito trigger or worker that reads a company then loads neither
 * zod nor the schemas at cold start (docs/benchmarks.md §5). `company.schema.ts` checks, at
 * compile time, that its `companySchema` has exactly these fields and counts.
 */
export const COMPANY_RESOURCE_FIELDS = [
  'id',
  'name',
  'status',
  'primaryDomain',
  'phone',
  'website',
  'industry',
  'employeeCount',
  'accountManagerId',
  'notes',
  'tags',
  'primaryContactId',
  'defaultContractId',
  'currency',
  'hourlyRate',
  'billingContactId',
  'archivedAt',
  'archivedBy',
  'archiveReason',
  'counts',
  'outstandingBalance',
  'integrations',
  'externalIds',
  'version',
  'createdAt',
  'updatedAt',
] as const;

export const COMPANY_COUNTS = ['contacts', 'activeContacts', 'tickets', 'openTickets', 'assets'] as const;

/**
 * The company item's counters of what its sent, unpaid invoices still owe, one per currency,
 * in cents (`counts.owedCents_USD`): moved by every invoice write (shared/records/record.schema.ts),
 * shown as `outstandingBalance`.
 */
export const OWED_COUNTER_PREFIX = 'owedCents_';

/**
 * The company's fields that name one of its contacts: each must be one of its contacts while
 * set, and is cleared in the transaction that takes that contact out of the company (a move or
 * a delete, shared/contacts/contact.service.ts).
 */
export const COMPANY_CONTACT_ROLES = ['primaryContactId', 'billingContactId'] as const;
export type CompanyContactRole = (typeof COMPANY_CONTACT_ROLES)[number];
