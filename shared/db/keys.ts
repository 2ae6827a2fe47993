/**
 * Every key value of the single table is built here, and nowhere else. Prefixes are upper-case
 * entity names; `docs/data-model.md` lists the access pattern each one serves.
 */
import type { CompanyStatus } from '../companies/company.schema';

/** Case-, width- and spacing-insensitive form of a name, for uniqueness and prefix search. */
export const normalizeName = (name: string): string => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

export const keys = {
  company: (id: string) => ({ pk: `COMPANY#${id}`, sk: 'COMPANY' }),
  /** Companies by status, sorted by lower-cased name (GSI1). */
  companyList: (status: CompanyStatus, name: string) => ({ gsi1pk: `COMPANIES#${status}`, gsi1sk: normalizeName(name) }),
  companyListPartition: (status: CompanyStatus) => `COMPANIES#${status}`,
  /** Uniqueness guard: one item per company name, written in the same transaction as the company. */
  companyName: (name: string) => ({ pk: `COMPANYNAME#${normalizeName(name)}`, sk: 'COMPANYNAME' }),
  /** Audit entries of one company, oldest to newest by ULID; kept after the company is deleted. */
  auditPartition: (companyId: string) => `AUDIT#COMPANY#${companyId}`,
  audit: (companyId: string, entryId: string) => ({ pk: `AUDIT#COMPANY#${companyId}`, sk: `AUDIT#${entryId}` }),
  /** A creating request's recorded outcome, for Idempotency-Key replays (24 h TTL). */
  idempotency: (scope: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: 'IDEMPOTENCY' }),
  /** Delivery record of one outgoing email, so a redelivered queue message sends it once (TTL). */
  mail: (mailId: string) => ({ pk: `MAIL#${mailId}`, sk: 'MAIL' }),
} as const;
