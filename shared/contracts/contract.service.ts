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
import { clearDefaultContract, companyActive, companyArchived } from '../companies/company.repository';
import { transact, type TxItem } from '../db/transact';
import { publishEvent } from '../notifications/domain-events';
import type { Caller } from '../http/caller';
import { versionBase, type VersionBase } from '../http/concurrency';
import { ConflictError, NotFoundError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { applyAction, AUDIT_OF, dueAction, type ContractAction } from './contract-lifecycle';
import type { ListContractsQuery, Renewal } from './contract-routes.schema';
import {
  contractsEndedBefore,
  deleteContractItem,
  getCompaniesTerms,
  getCompanyTerms,
  liveCounts,
  getContract,
  listCompanyContracts,
  listContractsByStatus,
  listContractsEnding,
  putNewContract,
  replaceContract,
  type CompanyTerms,
} from './contract.repository';

export const contractLocation = (id: string) => `/v1/contracts/${id}`;

/** The fields an audit entry compares, in API order (what a PATCH sets and what a state change moves). */
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

/**
 * Writes a state change at the version read, with its audit entry and what must follow it
 * (`also`: outbox items), while the company is active. A contract that stops being active
 * stops being its company's default in the same transaction (a company edit, audited), so a
 * company never names an ended contract for its new tickets.
 */
const commitState = async (actor: Pick<Caller, 'sub' | 'email'>, base: VersionBase, before: Contract, after: Contract, action: ContractAction, also: TxItem[] = []): Promise<Contract> => {
  const company = await activeCompanyOf(before.companyId);
  const at = after.updatedAt;
  const wasDefault = company.defaultContractId === before.id && after.status !== 'active';
  const companyItems = wasDefault
    ? [
        clearDefaultContract(company.id, company.version, at),
        appendAudit({ companyId: company.id, actor, action: 'company.updated', changes: { defaultContractId: { from: before.id, to: null } }, version: { from: company.version, to: company.version + 1 }, at }),
      ]
    : [companyGuard(before.companyId)];
  await base.write(
    transact([
      ...companyItems,
      replaceContract(before, after),
      appendAudit({ companyId: before.companyId, actor, action: AUDIT_OF[action], changes: { id: { from: before.id, to: before.id }, ...diff(before, after, CONTRACT_FIELDS) }, version: { from: before.version, to: after.version }, at }),
      ...also,
    ]),
  );
  return after;
};

/** activate / cancel / renew: the state machine of contract-lifecycle.ts, at the version read. */
export const changeContractState = async (caller: Pick<Caller, 'sub' | 'email'>, id: string, action: ContractAction, ifMatch?: number | '*'): Promise<Contract> => {
  const { base, before } = await readAt(id, ifMatch);
  return commitState(caller, base, before, applyAction(before, action, new Date().toISOString()), action);
};

/** Who the daily schedule's changes are audited as. */
export const SCHEDULE_ACTOR = { sub: 'system:contract-renewals', email: null };

/**
 * The daily schedule's change of one contract whose end date has passed (`dueAction`): an
 * auto-renewing one is renewed as many terms as it takes to end today or later (a missed day
 * catches up), with a `contract.renewing` event in its transaction; any other is expired. Read
 * afresh and written at that version, so a second run, or two at once, change it once: what is
 * no longer due (or lost the race, or belongs to an archived company) is `skipped`.
 */
export const settleContract = async (id: string, today: string): Promise<'renewed' | 'expired' | 'skipped'> => {
  const { base, before } = await readAt(id, undefined);
  const action = dueAction(before, today);
  if (!action) return 'skipped';
  const now = new Date().toISOString();
  let after = applyAction(before, action, now);
  while (action === 'renew' && after.endDate! < today) after = applyAction(after, 'renew', now);
  after = { ...after, version: before.version + 1 };
  const event = publishEvent({
    type: 'contract.renewing',
    companyId: before.companyId,
    occurredAt: now,
    subject: { kind: 'contract', id, title: before.name },
    detail: `Renewed for ${before.renewalTermMonths} months, until ${after.endDate}`,
  });
  try {
    await commitState(SCHEDULE_ACTOR, base, before, after, action, action === 'renew' ? [event] : []);
  } catch (err) {
    // Archived since (preserved as-is), or changed by someone (or another run) since the read: not this run's to change.
    if (err instanceof ConflictError && (err.code === 'COMPANY_ARCHIVED' || err.code === 'CONCURRENT_CHANGE')) return 'skipped';
    throw err;
  }
  return action === 'renew' ? 'renewed' : 'expired';
};

/** Every active contract that ended before today (the MSP's), each settled on its own: one range of the active buckets, page by page. */
export const settleEndedContracts = async (now = new Date()): Promise<Record<'renewed' | 'expired' | 'skipped', number>> => {
  const today = mspToday(now);
  const report = { renewed: 0, expired: 0, skipped: 0 };
  for await (const c of contractsEndedBefore(today)) report[await settleContract(c.id, today)]++;
  return report;
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
    const value = annualValue(c, liveCounts(company));
    return [{ ...c, companyName: company.name, annualValue: formatAmount(value.cents), autoRenew: c.autoRenew, noticeDeadline: noticeDeadline(c.endDate!, c.noticeDays) }];
  });
  return { items, nextCursor: page.nextCursor };
};
