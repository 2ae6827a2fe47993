/**
 * Company items: one function per access pattern, keys from `db/keys.ts`. Changes are returned
 * as transaction items so the service writes them together with their audit entry.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys, normalizeName } from '../db/keys';
import { countAndGuard, type CountDeltas } from '../db/counters';
import { readIndexPage } from '../db/index-read';
import type { TxItem } from '../db/transact';
import { allOf, anyDiffers, updateItem } from '../db/update';
import { atVersion, versionIs } from '../http/concurrency';
import { BadRequestError, concurrentChange, ConflictError, NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { mspCurrency } from '../billing/msp-defaults';
import { deleteExternalLinks } from '../crm/external-link.repository';
import { formatAmount } from '../billing/money';
import { COMPANY_CONTACT_ROLES, COMPANY_COUNTS, COMPANY_RESOURCE_FIELDS, OWED_COUNTER_PREFIX, type CompanyContactRole } from './company.fields';
import type { Company, CompanyStatus } from './company.schema';

const nameTaken = (name: string) => () => new ConflictError('COMPANY_NAME_TAKEN', `A company named "${name}" already exists.`);

/** `outstandingBalance` is not stored: it is read from the owed counters. */
const toItem = ({ outstandingBalance: _owed, ...c }: Company) => ({ ...keys.company(c.id), ...keys.companyList(c.status, c), type: 'Company', ...c });

/** The owed counters (cents per currency) as `outstandingBalance`: the currencies owed, alphabetically. */
export const outstandingBalance = (counts: Record<string, number>): Company['outstandingBalance'] =>
  Object.entries(counts)
    .filter(([k, v]) => k.startsWith(OWED_COUNTER_PREFIX) && v !== 0)
    .map(([k, v]) => ({ currency: k.slice(OWED_COUNTER_PREFIX.length), amount: formatAmount(v) }))
    .sort((a, b) => a.currency.localeCompare(b.currency));

/**
 * The API resource of a stored company: its documented fields only (internal counters stay
 * inside). A company stored before it had a currency reads as the MSP's default currency (the
 * new fields' other defaults are null).
 */
const fromItem = (item: Record<string, unknown>): Company => {
  const c = Object.fromEntries(COMPANY_RESOURCE_FIELDS.map((f) => [f, item[f] ?? null])) as Company;
  c.currency ??= mspCurrency();
  const counts = (item.counts ?? {}) as Record<string, number>;
  c.counts = Object.fromEntries(COMPANY_COUNTS.map((k) => [k, counts[k] ?? 0])) as Company['counts'];
  c.outstandingBalance = outstandingBalance(counts);
  c.externalIds = (item.externalIds ?? {}) as Company['externalIds'];
  return c;
};

/** Counters kept on the company item that the API does not show, e.g. `outstandingInvoices` (the delete gate). */
export const internalCount = async (id: string, counter: string): Promise<number> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.company(id), ConsistentRead: true, ProjectionExpression: '#c.#n', ExpressionAttributeNames: { '#c': 'counts', '#n': counter } }));
  return Number((out.Item?.counts as Record<string, number> | undefined)?.[counter] ?? 0);
};

/** The company item as stored (its `settings` map included: shared/settings/client-settings.ts), or undefined. */
export const getCompanyItem = async (id: string, consistent = false): Promise<Record<string, unknown> | undefined> =>
  (await db().send(new GetCommand({ TableName: tableName(), Key: keys.company(id), ConsistentRead: consistent }))).Item;

/**
 * Sets fields of an active company at the version read (`version + 1`): a change of attributes
 * that are no listing key (client settings). 404, 409 COMPANY_ARCHIVED or 412 from the item as it was.
 */
export const updateCompanyAttributes = (id: string, version: number, set: Record<string, unknown>, now: string): TxItem => ({
  item: { Update: updateItem(keys.company(id), { set: { ...set, version: version + 1, updatedAt: now } }, { ...activeAt, values: { ...activeAt.values, ':expected': version } }) },
  onConditionFailed: (old) => {
    if (!old) return new NotFoundError('company');
    if (old.status !== 'active') return companyArchived();
    return new PreconditionFailedError(Number(old.version));
  },
});

/** `404` unless the company exists (a key-only read: for listings of its partition, run beside them). */
export const requireCompany = async (id: string): Promise<void> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.company(id), ProjectionExpression: 'pk' }));
  if (!out.Item) throw new NotFoundError('company');
};

export const getCompany = async (id: string, consistent = false): Promise<Company | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.company(id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/**
 * Companies of one status by name; `prefix` narrows to names that start with it (any case). The
 * status's GSI1 buckets, one Query each, merged by name, then the page's companies in one BatchGetItem.
 */
export const listCompanies = async (status: CompanyStatus, prefix: string | undefined, limit: number, cursor?: string): Promise<Page<Company>> => {
  const norm = prefix === undefined ? undefined : normalizeName(prefix);
  const listing = `companies:${status}:${norm ?? ''}`;
  const page = await readIndexPage({ index: 'gsi1', partitions: keys.companyListPartitions(status), prefix: norm || undefined }, limit, await decodeCursor(listing, cursor));
  return { items: page.items.map(fromItem), nextCursor: await encodeCursor(listing, page.next) };
};

/** The company holding a name (any case), through its guard item (one consistent GetItem). */
export const companyIdByName = async (name: string): Promise<string | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.companyName(name), ConsistentRead: true }));
  return out.Item?.companyId as string | undefined;
};

/**
 * Attributes of the company item that are not in the resource, written with a change
 * (`syncedFrom`, shared/crm/external-link.repository.ts).
 */
export type InternalAttributes = Record<string, unknown>;

/** A new company and its name guard; the guard makes names unique in the database itself. */
export const putNewCompany = (c: Company, internal: InternalAttributes = {}): TxItem[] => [
  { item: { Put: { TableName: tableName(), Item: { ...toItem(c), ...internal }, ConditionExpression: 'attribute_not_exists(pk)' } } },
  {
    item: { Put: { TableName: tableName(), Item: { ...keys.companyName(c.name), type: 'CompanyName', companyId: c.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
    onConditionFailed: nameTaken(c.name),
  },
];

/**
 * Sets the changed fields of `before` (read at `before.version`) and bumps the version; fails
 * if anyone changed the company since. Counters are not touched, so concurrent count updates
 * are never lost. A rename moves the name guard in the same transaction.
 */
export const updateCompanyFields = (before: Company, after: Company, changed: (keyof Company)[], internal: InternalAttributes = {}): TxItem[] => {
  const set: Record<string, unknown> = { ...Object.fromEntries([...new Set<string>([...changed, 'version', 'updatedAt'])].map((f) => [f, after[f as keyof Company]])), ...internal };
  set.gsi1sk = keys.companyList(after.status, after).gsi1sk;
  const items: TxItem[] = [
    {
      item: { Update: updateItem(keys.company(before.id), { set }, { ...activeAt, values: { ...activeAt.values, ':expected': before.version } }) },
      onConditionFailed: (old) => {
        if (!old) return new NotFoundError('company');
        if (old.status !== 'active') return companyArchived();
        return new PreconditionFailedError(Number(old.version));
      },
    },
  ];
  if (normalizeName(before.name) !== normalizeName(after.name)) {
    items.push(
      {
        item: {
          Delete: {
            TableName: tableName(),
            Key: keys.companyName(before.name),
            ConditionExpression: 'companyId = :id',
            ExpressionAttributeValues: { ':id': before.id },
          },
        },
      },
      {
        item: { Put: { TableName: tableName(), Item: { ...keys.companyName(after.name), type: 'CompanyName', companyId: after.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
        onConditionFailed: nameTaken(after.name),
      },
    );
  }
  return items;
};

const activeAt = { expression: 'attribute_exists(pk) AND version = :expected AND #status = :active', names: { '#status': 'status' }, values: { ':active': 'active' } };

/**
 * `If-Match: "n"` without a read: the sent fields (`set`, never the name, whose guard needs the
 * old name) at version n, which becomes n + 1, while the company is active; a failure is told
 * apart from the item as it was (`atVersion`: 404, 412 with the current version, 409
 * COMPANY_ARCHIVED, or already as requested).
 */
export const updateCompanyAtVersion = (id: string, ifMatch: number, set: Partial<Company>, now: string): TxItem => {
  if ('name' in set) throw new Error('updateCompanyAtVersion: a rename moves the name guard; read first');
  return {
    item: {
      Update: updateItem(
        keys.company(id),
        { set: { ...set, version: ifMatch + 1, updatedAt: now } },
        allOf(versionIs(ifMatch), { expression: '#status = :active', names: { '#status': 'status' }, values: { ':active': 'active' } }, anyDiffers(set)),
      ),
    },
    onConditionFailed: atVersion('company', ifMatch, (old) => (old.status !== 'active' ? companyArchived() : undefined)),
  };
};

/**
 * Clears the company's default contract (one that stops being active, in the transaction that
 * ends it), at the company version read, while the company is active: a company edit like any
 * other, so its version moves. It stands in for the company's `companyActive` check.
 */
export const clearDefaultContract = (companyId: string, version: number, now: string): TxItem => ({
  item: { Update: updateItem(keys.company(companyId), { set: { defaultContractId: null, version: version + 1, updatedAt: now } }, { ...activeAt, values: { ...activeAt.values, ':expected': version } }) },
  onConditionFailed: (old) => {
    if (!old) return new NotFoundError('company');
    if (old.status !== 'active') return companyArchived();
    return concurrentChange();
  },
});

/** A company item as the API shows it (e.g. the item a failed condition returned). */
export const companyFromItem = (item: Record<string, unknown>): Company => fromItem(item);

export const companyArchived = () => new ConflictError('COMPANY_ARCHIVED', 'The company is archived; restore it first.');

/**
 * Archived means preserved as-is (seed 000): whatever changes one of a company's contacts,
 * records, addresses or comments carries this condition on the company item in its own
 * transaction, so an archive at the same instant makes the change fail (`409 COMPANY_ARCHIVED`)
 * instead of slipping in after a read said "active". `missing` is what no such company means
 * to the caller. Only the permanent delete's cleanup writes without it.
 */
const activeCompany = { condition: 'attribute_exists(pk) AND #status = :active', names: { '#status': 'status' }, values: { ':active': 'active' } };

export const companyActive = (companyId: string, missing: () => Error): TxItem =>
  countAndGuard(keys.company(companyId), {}, { ...activeCompany, onConditionFailed: (old) => (old ? companyArchived() : missing()) });

/**
 * The company a contact or record points at, as one transaction item: it must be active
 * (`409 COMPANY_ARCHIVED`, see `companyActive`), whether something is created in it, moved
 * into it, changed in it or moved out of it; its counters change by `deltas` in the same write.
 * `into`: the caller named this company, so a missing one is `400 UNKNOWN_COMPANY`; otherwise
 * it is the company the record already points at, gone only while a permanent delete's
 * cleanup runs, and the record stays as it is (`409 COMPANY_ARCHIVED`) until the cleanup
 * unassigns it.
 * `leaving` keeps the company's contact roles (primary, billing: COMPANY_CONTACT_ROLES) right
 * when a contact leaves: each role in `clear` is unset (it was this contact when read), and
 * every other role is asserted still not to be this contact; a race fails the write, and the
 * caller reads again.
 */
export const companyReference = (
  companyId: string,
  deltas: CountDeltas,
  opts: { into: boolean; leaving?: { contactId: string; clear: readonly CompanyContactRole[] }; now?: string },
): TxItem => {
  const conditions = [activeCompany.condition];
  const names: Record<string, string> = { ...activeCompany.names };
  const values: Record<string, unknown> = { ...activeCompany.values };
  if (opts.leaving) {
    values[':contact'] = opts.leaving.contactId;
    COMPANY_CONTACT_ROLES.forEach((role, i) => {
      names[`#role${i}`] = role;
      conditions.push(opts.leaving!.clear.includes(role) ? `#role${i} = :contact` : `(attribute_not_exists(#role${i}) OR #role${i} <> :contact)`);
    });
  }
  const cleared = opts.leaving?.clear ?? [];
  return countAndGuard(
    keys.company(companyId),
    deltas,
    {
      condition: conditions.join(' AND '),
      names,
      values,
      onConditionFailed: (old) => {
        if (!old) return opts.into ? new BadRequestError('UNKNOWN_COMPANY', `No company has the id ${companyId}.`, [{ path: 'companyId', message: 'Unknown company' }]) : companyArchived();
        if (old.status !== 'active') return companyArchived();
        return new StaleReadError();
      },
    },
    cleared.length ? { set: { ...Object.fromEntries(cleared.map((r) => [r, null])), updatedAt: opts.now ?? new Date().toISOString() }, add: { version: 1 } } : {},
  );
};

/**
 * A company's counters alone, under no condition but that it exists, whatever its status: for a
 * count the company does not guard (a Microsoft 365 sync's change to a contact staff moved to
 * another company; the active-contacts backfill, which counts what is already there). A company
 * gone (permanently deleted, its cleanup not yet done) is `404` (its contacts are unassigned by the cleanup).
 */
export const companyCounter = (companyId: string, deltas: CountDeltas): TxItem =>
  countAndGuard(keys.company(companyId), deltas, { condition: 'attribute_exists(pk)', onConditionFailed: () => new NotFoundError('company') });

/**
 * Archive or restore: status, listing partition and the archive fields at the version read;
 * a linked QuickBooks customer's sync becomes `pending` in the same write.
 */
export const setCompanyLifecycle = (before: Company, after: Company): TxItem => {
  const set = {
    status: after.status,
    gsi1pk: keys.companyListBucket(after.status, after.id),
    archivedAt: after.archivedAt,
    archivedBy: after.archivedBy,
    archiveReason: after.archiveReason,
    version: after.version,
    updatedAt: after.updatedAt,
    ...(after.integrations.quickbooks ? { 'integrations.quickbooks': after.integrations.quickbooks } : {}),
  };
  return {
    item: {
      Update: updateItem(keys.company(before.id), { set }, {
        expression: 'attribute_exists(pk) AND version = :expected AND #status = :from',
        names: { '#status': 'status' },
        values: { ':expected': before.version, ':from': before.status },
      }),
    },
    onConditionFailed: (old) => (old ? new StaleReadError() : new NotFoundError('company')),
  };
};

/** Reasons a permanent delete is refused, as the transaction's condition finds them. */
export class DeleteRefused extends Error {
  constructor(readonly reason: 'NOT_ARCHIVED' | 'CONFIRM_NAME_MISMATCH' | 'OUTSTANDING_INVOICES') {
    super(reason);
  }
}

/**
 * Deletes the company item, its name guard and its outside systems' links, only if, at that instant, it is archived, its
 * name is exactly `confirmName` and no invoice has an outstanding balance (the counter on the
 * item): the gate is re-checked inside the transaction, not before it.
 */
export const deleteCompanyItems = (company: Company, confirmName: string): TxItem[] => [
  {
    item: {
      Delete: {
        TableName: tableName(),
        Key: keys.company(company.id),
        // At the version read too: what the delete releases with it (its settings' SLA policy) is what was read.
        ConditionExpression:
          'attribute_exists(pk) AND #status = :archived AND #name = :confirm AND (attribute_not_exists(#counts.#outstanding) OR #counts.#outstanding <= :zero) AND (attribute_not_exists(version) OR version = :version)',
        ExpressionAttributeNames: { '#status': 'status', '#name': 'name', '#counts': 'counts', '#outstanding': 'outstandingInvoices' },
        ExpressionAttributeValues: { ':archived': 'archived', ':confirm': confirmName, ':zero': 0, ':version': company.version },
      },
    },
    onConditionFailed: (old) => {
      if (!old) return new NotFoundError('company');
      if (old.status !== 'archived') return new DeleteRefused('NOT_ARCHIVED');
      if (old.name !== confirmName) return new DeleteRefused('CONFIRM_NAME_MISMATCH');
      if (old.version !== undefined && Number(old.version) !== company.version) return concurrentChange();
      return new DeleteRefused('OUTSTANDING_INVOICES');
    },
  },
  {
    item: { Delete: { TableName: tableName(), Key: keys.companyName(company.name), ConditionExpression: 'companyId = :id', ExpressionAttributeValues: { ':id': company.id } } },
    // The guard follows the name; a rename since the read shows here as a name mismatch.
    onConditionFailed: () => new DeleteRefused('CONFIRM_NAME_MISMATCH'),
  },
  // Its outside systems' links go with it, as its name guard does (the delete is at the version read, and an archived company gains no link).
  ...deleteExternalLinks('COMPANY', company.id, company.externalIds),
];
