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
  'archivedAt',
  'archivedBy',
  'archiveReason',
  'counts',
  'integrations',
  'version',
  'createdAt',
  'updatedAt',
] as const;

export const COMPANY_COUNTS = ['contacts', 'tickets', 'openTickets', 'assets'] as const;
