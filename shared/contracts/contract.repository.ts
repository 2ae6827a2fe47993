/**
 * Contract items (`CONTRACT#<id>`), keys from `db/keys.ts`: listed by company (GSI1) and by
 * status (GSI2, bucketed; active ones by end date, which the renewal dashboard reads as one
 * date range). Every change is a whole-item Put at the version read, so the index keys always
 * follow status and end date; changes are returned as transaction items for the service to
 * commit with their audit entry.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet } from '../db/batch';
import { db, tableName } from '../db/client';
import { readIndexAll, readIndexPage } from '../db/index-read';
import { addDays } from '../billing/calendar';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { conditionCheck } from '../db/update';
import { versionIs } from '../http/concurrency';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import type { Contract, ContractStatus } from '../billing/contract.schema';
import type { LiveCounts } from '../billing/contract-pricing';
import { settingsOf } from '../settings/client-settings';

/** The item tags its entity in `type`, as every item does, so the contract's own `type` is stored as `contractType`. */
const toItem = ({ type, ...c }: Contract) => ({ ...keys.contract(c.id), ...keys.contractLists(c), type: 'Contract', contractType: type, ...c });

const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, contractType, ...rest }: Record<string, unknown>) =>
  ({ ...rest, type: contractType }) as Contract;

/** The API resource of a stored contract item. */
export const contractFromItem = (item: Record<string, unknown>): Contract => fromItem(item);

export const getContract = async (id: string, consistent = false): Promise<Contract | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.contract(id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

export const putNewContract = (c: Contract): TxItem => ({
  item: { Put: { TableName: tableName(), Item: toItem(c), ConditionExpression: 'attribute_not_exists(pk)' } },
});

const versionFailed = (old: Record<string, unknown> | undefined) => (old ? new PreconditionFailedError(Number(old.version)) : new NotFoundError('contract'));

/** The contract as `after`, at the version `before` was read at (its index keys follow its status and end date). */
export const replaceContract = (before: Contract, after: Contract): TxItem => {
  const at = versionIs(before.version);
  return { item: { Put: { TableName: tableName(), Item: toItem(after), ConditionExpression: at.expression, ExpressionAttributeValues: at.values } }, onConditionFailed: versionFailed };
};

/** Deletes the contract at the version read; only a draft (checked again here, so a concurrent activation wins). */
export const deleteContractItem = (before: Contract): TxItem => {
  const at = versionIs(before.version);
  return {
    item: {
      Delete: {
        TableName: tableName(),
        Key: keys.contract(before.id),
        ConditionExpression: `${at.expression} AND #status = :draft`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...at.values, ':draft': 'draft' },
      },
    },
    onConditionFailed: versionFailed,
  };
};

export const contractNotInCompany = (contractId: string) =>
  new ConflictError('CONTRACT_NOT_IN_COMPANY', `Contract ${contractId} is not an active contract of this company.`);

/**
 * The contract is a contract of `companyId` in one of `statuses` (default: active), as a
 * condition of the transaction that relies on it (a default contract, a ticket's contract, a
 * time entry's): `409 CONTRACT_NOT_IN_COMPANY` when it is not, or no longer, so a cancellation
 * at the same instant cannot slip in between.
 */
export const contractUsable = (contractId: string, companyId: string, statuses: readonly ContractStatus[] = ['active']): TxItem => {
  const values = Object.fromEntries(statuses.map((st, n) => [`:status${n}`, st]));
  return {
    item: {
      ConditionCheck: conditionCheck(keys.contract(contractId), {
        expression: `attribute_exists(pk) AND #status IN (${Object.keys(values).join(', ')}) AND companyId = :company`,
        names: { '#status': 'status' },
        values: { ...values, ':company': companyId },
      }),
    },
    onConditionFailed: () => contractNotInCompany(contractId),
  };
};

const page = async (listing: string, l: Parameters<typeof readIndexPage>[0], limit: number, cursor: string | undefined, keep: (c: Contract) => boolean = () => true): Promise<Page<Contract>> => {
  const out = await readIndexPage(l, limit, await decodeCursor(listing, cursor));
  return { items: out.items.map(fromItem).filter(keep), nextCursor: await encodeCursor(listing, out.next) };
};

/** A company's contracts in creation order (GSI1, one partition); `status` filters the page. */
export const listCompanyContracts = (companyId: string, status: ContractStatus | undefined, limit: number, cursor?: string): Promise<Page<Contract>> =>
  page(`contracts:company:${companyId}:${status ?? ''}`, { index: 'gsi1', partitions: [keys.contractsOfCompany(companyId)] }, limit, cursor, (c) => !status || c.status === status);

/** Every contract of one status (GSI2 buckets, merged): active ones by end date (open-ended last), the others in creation order. */
export const listContractsByStatus = (status: ContractStatus, limit: number, cursor?: string): Promise<Page<Contract>> =>
  page(`contracts:status:${status}`, { index: 'gsi2', partitions: keys.contractStatusPartitions(status) }, limit, cursor);

/** Active contracts ending from `from` through `to` (dates, both included), soonest first: one bounded range of the active buckets. */
export const listContractsEnding = (from: string, to: string, limit: number, cursor?: string): Promise<Page<Contract>> =>
  page(`contracts:ending:${from}:${to}`, { index: 'gsi2', partitions: keys.contractStatusPartitions('active'), between: keys.contractEndRange(from, to) }, limit, cursor, (c) => c.status === 'active');

/** Active contracts whose end date is before `today`, soonest first, page by page (the daily schedule; never a request's read). */
export async function* contractsEndedBefore(today: string): AsyncGenerator<Contract> {
  const listing = { index: 'gsi2' as const, partitions: keys.contractStatusPartitions('active'), between: keys.contractEndRange('1000-01-01', addDays(today, -1)) };
  for await (const item of readIndexAll(listing)) {
    const c = fromItem(item);
    if (c.status === 'active') yield c;
  }
}

/** What contracts read of a company item: its name, status, currency, default contract and counters. */
export interface CompanyTerms {
  id: string;
  name: string;
  status: string;
  /** The company's `currency` attribute, when it has one (the company module may add it). */
  currency: string | null;
  /** The company's hourly rate (a decimal string), when it has one: billed time without a rate of the contract's. */
  hourlyRate: string | null;
  /** The company's after-hours rate (client settings, `settings.afterHoursRate`), when it has one: after-hours time is billed apart at it. */
  afterHoursRate: string | null;
  defaultContractId: string | null;
  counts: Record<string, number>;
  version: number;
}

const termsOf = (item: Record<string, unknown>): CompanyTerms => ({
  id: String(item.id),
  name: String(item.name),
  status: String(item.status),
  currency: typeof item.currency === 'string' ? item.currency : null,
  hourlyRate: typeof item.hourlyRate === 'string' ? item.hourlyRate : null,
  afterHoursRate: settingsOf(item).afterHoursRate,
  defaultContractId: typeof item.defaultContractId === 'string' ? item.defaultContractId : null,
  counts: (item.counts ?? {}) as Record<string, number>,
  version: Number(item.version ?? 1),
});

/**
 * What `per_device` / `per_user` lines without a quantity bill, from the company's counters:
 * its active contacts (`counts.activeContacts`, exact: shared/contacts/contact-counts.ts), and
 * its assets (`counts.assets`: assets have no status, so every asset is an active one).
 */
export const liveCounts = (company: Pick<CompanyTerms, 'counts'>): LiveCounts => ({
  activeAssets: Number(company.counts.assets ?? 0),
  activeContacts: Number(company.counts.activeContacts ?? 0),
});

const TERMS_PROJECTION = {
  ProjectionExpression: '#id, #name, #status, #currency, #rate, #settings.#afterHoursRate, #default, #counts, #version',
  ExpressionAttributeNames: {
    '#id': 'id',
    '#name': 'name',
    '#status': 'status',
    '#currency': 'currency',
    '#rate': 'hourlyRate',
    '#settings': 'settings',
    '#afterHoursRate': 'afterHoursRate',
    '#default': 'defaultContractId',
    '#counts': 'counts',
    '#version': 'version',
  },
};

export const getCompanyTerms = async (companyId: string, consistent = false): Promise<CompanyTerms | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.company(companyId), ConsistentRead: consistent, ...TERMS_PROJECTION }));
  return out.Item ? termsOf(out.Item) : undefined;
};

/** Several companies' terms in one BatchGetItem (eventually consistent, as a listing is). */
export const getCompaniesTerms = async (companyIds: readonly string[]): Promise<Map<string, CompanyTerms>> => {
  const items = await batchGet([...new Set(companyIds)].map((id) => keys.company(id)), { consistent: false });
  return new Map(items.map((i) => [String(i.id), termsOf(i)]));
};
