/**
 * Contract rules (API.md v1.1 "Contracts"): a contract belongs to an active company, starts as
 * a draft, and changes only at the version it was read at (`If-Match`, or the version read),
 * each change with its audit entry in the same transaction. Its terms are checked by the pure
 * billing core (shared/billing/contract.schema.ts), its dates by shared/billing/periods.ts.
 */
import { ulid } from 'ulid';
import { appendAudit, diff } from '../audit/audit.repository';
import { addDays } from '../billing/calendar';
import { assertContractTerms, type Contract, type CreateContractInput, type LineItem, type LineItemInput, type UpdateContractInput } from '../billing/contract.schema';
import { annualValue } from '../billing/contract-pricing';
import { formatAmount, readCurrency } from '../billing/money';
import { mspCurrency, mspToday } from '../billing/msp-defaults';
import { firstBillingDate, noticeDeadline } from '../billing/periods';
import { companyActive, companyArchived } from '../companies/company.repository';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { versionBase } from '../http/concurrency';
import { ConflictError, NotFoundError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { applyAction, AUDIT_OF, type ContractAction } from './contract-lifecycle';
import type { ListContractsQuery, Renewal } from './contract-routes.schema';
import {
  deleteContractItem,
  getCompaniesTerms,
  getCompanyTerms,
  getContract,
  listCompanyContracts,
  listContractsByStatus,
  listContractsEnding,
  putNewContract,
  replaceContract,
  type CompanyTerms,
} from './contract.repository';

export const contractLocation = (id: string) => `/v1/contracts/${id}`;

/** The fields a create or PATCH may set, in API order (audit diffs follow it). */
const CONTRACT_FIELDS = [
  'name',
  'type',
  'status',
  'startDate',
  'endDate',
  'autoRenew',
  'renewalTermMonths',
  'noticeDays',
  'billingFrequency',
  'billingDay',
  'currency',
  'lineItems',
  'includedHours',
  'hourlyRate',
  'overageRate',
  'nextBillingDate',
] as const satisfies readonly (keyof Contract)[];

/** The company's own currency (read defensively: the attribute may not exist yet), else the MSP's. */
export const companyCurrency = (company: Pick<CompanyTerms, 'currency'>): string => {
  const own = company.currency === null ? undefined : readCurrency(company.currency);
  return own?.ok ? own.value : mspCurrency();
};

/** Line items as stored: every one has an id (kept when sent, a new ULID when not). */
const withIds = (lines: readonly LineItemInput[]): LineItem[] => lines.map((l) => ({ ...l, id: l.id ?? ulid() }));

const companyOf = async (companyId: string): Promise<CompanyTerms> => {
  const company = await getCompanyTerms(companyId, true);
  if (!company) throw new NotFoundError('company');
  return company;
};

/** The company is active (checked again inside the transaction, `companyActive`, so an archive at the same instant wins). */
const activeCompanyOf = async (companyId: string): Promise<CompanyTerms> => {
  const company = await companyOf(companyId);
  if (company.status !== 'active') throw companyArchived();
  return company;
};

const companyGuard = (companyId: string) => companyActive(companyId, () => new NotFoundError('company'));

export const createContract = async (caller: Caller, companyId: string, input: CreateContractInput, idempotency?: IdempotencyContext): Promise<Contract> => {
  const company = await activeCompanyOf(companyId);
  const now = new Date().toISOString();
  const contract: Contract = {
    id: ulid(),
    companyId,
    name: input.name,
    type: input.type,
    status: 'draft',
    startDate: input.startDate,
    endDate: input.endDate,
    autoRenew: input.autoRenew,
    renewalTermMonths: input.renewalTermMonths,
    noticeDays: input.noticeDays,
    billingFrequency: input.billingFrequency,
    billingDay: input.billingDay,
    currency: input.currency ?? companyCurrency(company),
    lineItems: withIds(input.lineItems),
    includedHours: input.includedHours,
    hourlyRate: input.hourlyRate,
    overageRate: input.overageRate,
    // A draft bills nothing; activation sets its first billing date.
    nextBillingDate: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  await transact([
    ...recordIdempotent(idempotency, { status: 201, body: contract, headers: { location: contractLocation(contract.id), etag: `"${contract.version}"` } }),
    companyGuard(companyId),
    putNewContract(contract),
    appendAudit({ companyId, actor: caller, action: 'contract.created', changes: { id: { from: null, to: contract.id }, ...diff({}, contract, CONTRACT_FIELDS) }, version: { from: 0, to: 1 }, at: now }),
  ]);
  return contract;
};

export const findContract = async (id: string): Promise<Contract> => {
  const contract = await getContract(id);
  if (!contract) throw new NotFoundError('contract');
  return contract;
};

export const companyContracts = async (companyId: string, q: Pick<ListContractsQuery, 'status' | 'limit' | 'cursor'>): Promise<Page<Contract>> => {
  // The company item and the page side by side: a missing company is a 404, not an empty list.
  const [company, page] = await Promise.all([getCompanyTerms(companyId), listCompanyContracts(companyId, q.status, q.limit, q.cursor)]);
  if (!company) throw new NotFoundError('company');
  return page;
};

/** By company (its contracts, `status` filtering), else by status (default `active`). */
export const searchContracts = (q: ListContractsQuery): Promise<Page<Contract>> =>
  q.companyId ? listCompanyContracts(q.companyId, q.status, q.limit, q.cursor) : listContractsByStatus(q.status ?? 'active', q.limit, q.cursor);

/** The contract as read, its version checked against `If-Match` (or fixed as the base). */
const readAt = async (id: string, ifMatch: number | '*' | undefined) => {
  const base = versionBase(ifMatch);
  const before = await getContract(id, true);
  if (!before) throw new NotFoundError('contract');
  base.check(before.version);
  return { base, before };
};

const SCHEDULE_FIELDS = ['startDate', 'billingFrequency', 'billingDay'] as const;

/**
 * PATCH: the sent fields merged into the contract, the merged terms checked again by the billing
 * core's rules (400 at body paths), at the version read. Only a draft may change its type
 * (409 INVALID_STATE). An active contract that has not billed yet (its next billing date is
 * still its first) follows a new start date or schedule; once billed, its billing date stays.
 */
export const updateContract = async (caller: Caller, id: string, input: UpdateContractInput, ifMatch: number | '*' | undefined): Promise<Contract> => {
  const { base, before } = await readAt(id, ifMatch);
  if (input.type !== undefined && input.type !== before.type && before.status !== 'draft') {
    throw new ConflictError('INVALID_STATE', `Only a draft contract may change its type; this one is ${before.status}.`);
  }
  const sent = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<Contract> & { lineItems?: LineItemInput[] };
  const merged: Contract = { ...before, ...sent, lineItems: sent.lineItems ? withIds(sent.lineItems) : before.lineItems };
  assertContractTerms(merged);
  if (before.status === 'active' && before.nextBillingDate === firstBillingDate(before) && SCHEDULE_FIELDS.some((f) => merged[f] !== before[f])) {
    merged.nextBillingDate = firstBillingDate(merged);
  }
  const changes = diff(before, merged, CONTRACT_FIELDS);
  if (Object.keys(changes).length === 0) return before; // nothing to write, nothing to audit
  await activeCompanyOf(before.companyId);
  const now = new Date().toISOString();
  const after: Contract = { ...merged, version: before.version + 1, updatedAt: now };
  await base.write(
    transact([
      companyGuard(before.companyId),
      replaceContract(before, after),
      appendAudit({ companyId: before.companyId, actor: caller, action: 'contract.updated', changes: { id: { from: id, to: id }, ...changes }, version: { from: before.version, to: after.version }, at: now }),
    ]),
  );
  return after;
};

/** Only a draft may be deleted (409 INVALID_STATE); checked again inside the delete. */
export const deleteContract = async (caller: Caller, id: string, ifMatch: number | '*' | undefined): Promise<void> => {
  const { base, before } = await readAt(id, ifMatch);
  if (before.status !== 'draft') throw new ConflictError('INVALID_STATE', `Only a draft contract may be deleted; this one is ${before.status}. Cancel it instead.`);
  await activeCompanyOf(before.companyId);
  const now = new Date().toISOString();
  await base.write(
    transact([
      companyGuard(before.companyId),
      deleteContractItem(before),
      appendAudit({ companyId: before.companyId, actor: caller, action: 'contract.deleted', changes: { id: { from: id, to: null }, name: { from: before.name, to: null } }, version: { from: before.version, to: before.version + 1 }, at: now }),
    ]),
  );
};

/** activate / cancel / renew (and the schedule's expire): the state machine of contract-lifecycle.ts, at the version read. */
export const changeContractState = async (caller: Pick<Caller, 'sub' | 'email'>, id: string, action: ContractAction, ifMatch?: number | '*'): Promise<Contract> => {
  const { base, before } = await readAt(id, ifMatch);
  const now = new Date().toISOString();
  const after = applyAction(before, action, now);
  await activeCompanyOf(before.companyId);
  await base.write(
    transact([
      companyGuard(before.companyId),
      replaceContract(before, after),
      appendAudit({ companyId: before.companyId, actor: caller, action: AUDIT_OF[action], changes: { id: { from: id, to: id }, ...diff(before, after, CONTRACT_FIELDS) }, version: { from: before.version, to: after.version }, at: now }),
    ]),
  );
  return after;
};

/**
 * The renewal dashboard: active contracts whose end date is from today (the MSP's time zone)
 * through `withinDays` later, soonest first, each with its company's name, its annual value at
 * the company's current counts, and its notice deadline. Contracts of archived companies are
 * left out (nothing of theirs renews). One range of the active buckets, then one BatchGetItem
 * for the page's companies.
 */
export const renewals = async (withinDays: number, limit: number, cursor?: string, now = new Date()): Promise<Page<Renewal>> => {
  const today = mspToday(now);
  const page = await listContractsEnding(today, addDays(today, withinDays), limit, cursor);
  const companies = await getCompaniesTerms(page.items.map((c) => c.companyId));
  const items = page.items.flatMap((c): Renewal[] => {
    const company = companies.get(c.companyId);
    if (!company || company.status !== 'active') return [];
    // The company's counters: `assets` and `contacts` count every asset and contact it has (no "active only" counter exists).
    const value = annualValue(c, { activeAssets: Number(company.counts.assets ?? 0), activeContacts: Number(company.counts.contacts ?? 0) });
    return [{ ...c, companyName: company.name, annualValue: formatAmount(value.cents), autoRenew: c.autoRenew, noticeDeadline: noticeDeadline(c.endDate!, c.noticeDays) }];
  });
  return { items, nextCursor: page.nextCursor };
};
