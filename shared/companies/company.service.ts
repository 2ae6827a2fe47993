/**
 * Company rules: creation with a unique name, edits with optimistic concurrency, and an audit
 * entry in the same transaction as every change. An account manager is a staff user of the
 * directory (checked before the write); a billing contact is one of the company's contacts
 * (checked in the write).
 */
import { ulid } from 'ulid';
import { appendAudit, diff, sentChanges } from '../audit/audit.repository';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { answerAtVersion, versionBase, type Answer, type VersionOnly } from '../http/concurrency';
import { NotFoundError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { mspCurrency } from '../billing/msp-defaults';
import { contactReference } from '../contacts/contact.repository';
import type { TxItem } from '../db/transact';
import { requireStaffUser } from '../staff/staff-directory';
import { companyArchived, companyFromItem, getCompany, listCompanies, putNewCompany, updateCompanyAtVersion, updateCompanyFields, type InternalAttributes } from './company.repository';
import { EDITABLE_FIELDS, type Company, type CompanyStatus, type CreateCompanyInput, type UpdateCompanyInput } from './company.schema';

const definedOnly = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The fields a create or update body sets, as company fields: the ones sent (`tags: null` clears them to `[]`). */
export const requestedFields = (input: UpdateCompanyInput | CreateCompanyInput): Partial<Company> =>
  definedOnly({ ...input, ...(input.tags === null ? { tags: [] } : {}) }) as Partial<Company>;

export const companyLocation = (id: string) => `/v1/companies/${id}`;

export const newCompany = (input: CreateCompanyInput, now: string, id = ulid()): Company => ({
  id,
  name: input.name,
  status: 'active',
  primaryDomain: input.primaryDomain ?? null,
  phone: input.phone ?? null,
  website: input.website ?? null,
  industry: input.industry ?? null,
  employeeCount: input.employeeCount ?? null,
  accountManagerId: input.accountManagerId ?? null,
  notes: input.notes ?? null,
  tags: input.tags ?? [],
  primaryContactId: null,
  defaultContractId: null,
  currency: input.currency ?? mspCurrency(),
  hourlyRate: input.hourlyRate ?? null,
  billingContactId: null,
  archivedAt: null,
  archivedBy: null,
  archiveReason: null,
  counts: { contacts: 0, activeContacts: 0, tickets: 0, openTickets: 0, assets: 0 },
  outstandingBalance: [],
  integrations: { m365: null, quickbooks: null },
  externalIds: {},
  version: 1,
  createdAt: now,
  updatedAt: now,
});

/**
 * `400 UNKNOWN_STAFF_USER` for an account manager who is not in the staff directory. Checked
 * before the write (Cognito is not in the transaction): a user removed in that instant can
 * still be set, as one removed a minute later stays set; `GET /v1/staff` shows who is current.
 */
export const checkAccountManager = async (accountManagerId: string | null | undefined) => {
  if (accountManagerId) await requireStaffUser(accountManagerId, 'accountManagerId');
};

/** A billing contact being set must be a contact of the company when the write commits (`409 CONTACT_NOT_IN_COMPANY`, `400 UNKNOWN_CONTACT`). */
export const billingContactCheck = (companyId: string, billingContactId: string | null | undefined): TxItem[] =>
  billingContactId ? [contactReference(billingContactId, companyId, {}, 'billingContactId')] : [];

/** What an audited company write may add: attributes kept off the resource, and the reason its audit entry gives. */
export interface CompanyWriteExtras {
  internal?: InternalAttributes;
  reason?: string;
}

/** The items that create `company`: the item and its name guard (`409 COMPANY_NAME_TAKEN`), and its `company.created` audit entry. */
export const createCompanyItems = (caller: Pick<Caller, 'sub' | 'email'>, company: Company, now: string, extras: CompanyWriteExtras = {}): TxItem[] => [
  ...putNewCompany(company, extras.internal),
  appendAudit({ companyId: company.id, actor: caller, action: 'company.created', changes: diff({}, company, EDITABLE_FIELDS), reason: extras.reason, at: now }),
];

export const createCompany = async (caller: Caller, input: CreateCompanyInput, idempotency?: IdempotencyContext): Promise<Company> => {
  await checkAccountManager(input.accountManagerId);
  const now = new Date().toISOString();
  const company = newCompany(input, now);
  await transact([
    ...recordIdempotent(idempotency, { status: 201, body: company, headers: { location: companyLocation(company.id), etag: `"${company.version}"` } }),
    ...createCompanyItems(caller, company, now),
  ]);
  return company;
};

/**
 * The items of a change to `before` (read at its version; the write holds only while it is
 * still at it and active): the fields of `requested` that differ (of the editable ones and
 * `alsoCompared`), a billing contact's check, the audit entry. Nothing differs: undefined
 * (nothing to write, nothing to audit).
 */
export const changeCompanyItems = (
  caller: Pick<Caller, 'sub' | 'email'>,
  before: Company,
  requested: Partial<Company>,
  now: string,
  extras: CompanyWriteExtras & { alsoCompared?: (keyof Company)[] } = {},
): { after: Company; items: TxItem[] } | undefined => {
  const changes = diff(before, { ...before, ...requested }, [...(EDITABLE_FIELDS as (keyof Company)[]), ...(extras.alsoCompared ?? [])]);
  const changed = Object.keys(changes) as (keyof Company)[];
  if (changed.length === 0) return undefined;
  const after: Company = { ...before, ...requested, version: before.version + 1, updatedAt: now };
  return {
    after,
    items: [
      ...updateCompanyFields(before, after, changed, extras.internal),
      ...(changed.includes('billingContactId') ? billingContactCheck(before.id, after.billingContactId) : []),
      appendAudit({ companyId: before.id, actor: caller, action: 'company.updated', changes, version: { from: before.version, to: after.version }, reason: extras.reason, at: now }),
    ],
  };
};

export const findCompany = async (id: string): Promise<Company> => {
  const company = await getCompany(id);
  if (!company) throw new NotFoundError('company');
  return company;
};

export const searchCompanies = (status: CompanyStatus, q: string | undefined, limit: number, cursor?: string): Promise<Page<Company>> =>
  listCompanies(status, q, limit, cursor);

/**
 * Applies a partial update at the version it is based on (`If-Match`, or the one read): a
 * stale `If-Match` is 412, a race lost without one is 409 CONCURRENT_CHANGE (shared/http/concurrency.ts).
 */
export const updateCompany = async (caller: Caller, id: string, input: UpdateCompanyInput, ifMatch: number | '*' | undefined, answer: Answer = 'representation'): Promise<Company | VersionOnly> => {
  const requested = requestedFields(input);
  await checkAccountManager(requested.accountManagerId);
  // A rename moves the name guard, which needs the old name: it reads first.
  if (typeof ifMatch === 'number' && !('name' in requested) && Object.keys(requested).length > 0) return updateCompanyWithoutRead(caller, id, requested, ifMatch, answer);
  const base = versionBase(ifMatch);
  const before = await getCompany(id, true);
  if (!before) throw new NotFoundError('company');
  base.check(before.version);
  if (before.status === 'archived') throw companyArchived();

  const change = changeCompanyItems(caller, before, requested, new Date().toISOString());
  if (!change) return before; // nothing to write, nothing to audit
  await base.write(transact(change.items));
  return change.after;
};

/**
 * `If-Match: "n"` and no rename: one transaction, no read before it. The update is built from
 * the request (the sent fields, version n + 1) and its condition is the whole check (exists, at
 * n, active, something differs); the audit entry records what was sent (`to`, no `from`: the
 * old values were never read) and the versions. A failed condition answers from the old item
 * DynamoDB returns with it: 404, 412 with the current version, 409 COMPANY_ARCHIVED, or, when
 * nothing would change, 200 with the company as it is (nothing written, nothing audited). The
 * response is read once after the commit (TransactWriteItems returns no item), unless the
 * client asked for no representation (`Prefer: return=minimal`): then the change is one request.
 */
const updateCompanyWithoutRead = async (caller: Caller, id: string, requested: Partial<Company>, ifMatch: number, answer: Answer): Promise<Company | VersionOnly> => {
  const now = new Date().toISOString();
  return answerAtVersion(
    ifMatch,
    answer,
    () =>
      transact([
        updateCompanyAtVersion(id, ifMatch, requested, now),
        ...billingContactCheck(id, requested.billingContactId),
        appendAudit({ companyId: id, actor: caller, action: 'company.updated', changes: sentChanges(requested), version: { from: ifMatch, to: ifMatch + 1 }, at: now }),
      ]),
    companyFromItem,
    () => readAfterWrite(id),
  );
};

/**
 * The company just written at a named version, for the response: one strongly consistent
 * GetItem. A write by someone else in between shows as a later version, which is the current
 * state (its ETag says which); gone in between (only a permanent delete of an archived
 * company removes it) is 404.
 */
const readAfterWrite = async (id: string): Promise<Company> => {
  const company = await getCompany(id, true);
  if (!company) throw new NotFoundError('company');
  return company;
};

/** One primary contact per company, which must be one of its contacts (checked in the same transaction). */
export const setPrimaryContact = async (caller: Caller, id: string, contactId: string, ifMatch: number | '*' | undefined, answer: Answer = 'representation'): Promise<Company | VersionOnly> => {
  if (typeof ifMatch === 'number') return setPrimaryContactWithoutRead(caller, id, contactId, ifMatch, answer);
  const base = versionBase(ifMatch);
  const before = await getCompany(id, true);
  if (!before) throw new NotFoundError('company');
  base.check(before.version);
  if (before.status === 'archived') throw companyArchived();
  if (before.primaryContactId === contactId) return before;
  const now = new Date().toISOString();
  const after: Company = { ...before, primaryContactId: contactId, version: before.version + 1, updatedAt: now };
  await base.write(
    transact([
      ...updateCompanyFields(before, after, ['primaryContactId']),
      contactReference(contactId, id, {}),
      appendAudit({ companyId: id, actor: caller, action: 'company.updated', changes: diff(before, after, ['primaryContactId']), version: { from: before.version, to: after.version }, at: now }),
    ]),
  );
  return after;
};

/** The same with `If-Match: "n"`: one transaction (the company at n and active, the contact one of its own), then the read for the response unless the client asked for none. */
const setPrimaryContactWithoutRead = async (caller: Caller, id: string, contactId: string, ifMatch: number, answer: Answer): Promise<Company | VersionOnly> => {
  const now = new Date().toISOString();
  const set = { primaryContactId: contactId };
  return answerAtVersion(
    ifMatch,
    answer,
    () =>
      transact([
        updateCompanyAtVersion(id, ifMatch, set, now),
        contactReference(contactId, id, {}),
        appendAudit({ companyId: id, actor: caller, action: 'company.updated', changes: sentChanges(set), version: { from: ifMatch, to: ifMatch + 1 }, at: now }),
      ]),
    companyFromItem,
    () => readAfterWrite(id),
  );
};
