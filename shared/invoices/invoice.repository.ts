/**
 * Invoice items beyond the generic record repository: a change of an invoice at the version
 * read, the company's billing fields, the QuickBooks outcome, and `invoiceItems`, the draft
 * invoice a billing run writes inside its own transaction. Keys from `db/keys.ts`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { newRecord, newRecordItems, toResource } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { toApiLine, type DraftLine } from '../billing/contract-pricing';
import { formatAmount, sumCents } from '../billing/money';

const kind = recordKinds.invoice;

/** What send, payments and void read of a company, straight from its item (fields other modules add are read if present). */
export interface CompanyBilling {
  id: string;
  name: string;
  status: string;
  primaryContactId: string | null;
  /** Set by the company's billing fields when present; else the primary contact gets invoices. */
  billingContactId: string | null;
  /** The company's ISO 4217 currency, when it has one. */
  currency: string | null;
  quickBooksCustomerId: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The one read of a company's billing fields: attributes added by other modules (`currency`, `billingContactId`) are optional. */
export const getCompanyBilling = async (companyId: string): Promise<CompanyBilling | undefined> => {
  const out = await db().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.company(companyId),
      ConsistentRead: true,
      ProjectionExpression: '#id, #name, #status, #primary, #billing, #currency, #integrations',
      ExpressionAttributeNames: { '#id': 'id', '#name': 'name', '#status': 'status', '#primary': 'primaryContactId', '#billing': 'billingContactId', '#currency': 'currency', '#integrations': 'integrations' },
    }),
  );
  const item = out.Item;
  if (!item) return undefined;
  const qb = (item.integrations as { quickbooks?: { customerId?: string } | null } | undefined)?.quickbooks;
  return {
    id: String(item.id),
    name: String(item.name),
    status: String(item.status),
    primaryContactId: str(item.primaryContactId),
    billingContactId: str(item.billingContactId),
    currency: str(item.currency),
    quickBooksCustomerId: str(qb?.customerId),
  };
};

/** A draft invoice as a billing run makes it. */
export interface DraftInvoiceInput {
  /** A caller-chosen ULID (e.g. derived from the run's key); default a new one. */
  id?: string;
  companyId: string;
  contractId: string | null;
  period: { from: string; to: string } | null;
  number: string;
  currency: string;
  dueDate: string | null;
  /**
   * Lines as `shared/billing/contract-pricing.ts` prices them (`DraftLine`: quantity in
   * hundredths, cents): their amounts are kept as priced (prorated, held to a cap), not
   * recomputed; the total is their sum.
   */
  lines: readonly Pick<DraftLine, 'description' | 'quantity' | 'unitPrice' | 'amount'>[];
  /** The time entries it bills (stored with it, not shown: their own `invoiceId` shows it). */
  timeEntryIds?: readonly string[];
}

/**
 * The items that write a draft invoice with its lines, for the caller's transaction (a billing
 * run's, with its contract and key items): the invoice (Put, `attribute_not_exists`), and its
 * company's guard (it must exist and be active). A draft owes nothing, so no counter moves.
 * Returns the invoice as the API shows it too.
 */
export const invoiceItems = (draft: DraftInvoiceInput): { invoice: Record<string, unknown>; items: TxItem[] } => {
  const { id, lines, ...fields } = draft;
  const total = formatAmount(sumCents(lines.map((l) => l.amount)));
  const made = newRecord(kind, { ...fields, lines: lines.map(toApiLine), total, balance: total, status: 'draft', sentAt: null, payments: [] });
  const record = id ? { ...made, id } : made;
  return { invoice: toResource(kind, record), items: newRecordItems(kind, record) };
};

export type QuickBooksInvoiceOutcome = { ok: true; quickBooksInvoiceId: string } | { ok: false; error: string };

/**
 * The QuickBooks push's result on the invoice (not a change of the invoice itself: no version
 * bump). The QuickBooks id is set once: `false` when another id is already recorded.
 */
export const recordQuickBooksOutcome = async (invoiceId: string, outcome: QuickBooksInvoiceOutcome): Promise<boolean> => {
  const set = outcome.ok
    ? { quickBooksInvoiceId: outcome.quickBooksInvoiceId, quickBooksSyncStatus: 'synced', quickBooksLastError: null }
    : { quickBooksSyncStatus: 'failed', quickBooksLastError: outcome.error };
  const condition = outcome.ok
    ? { expression: 'attribute_exists(pk) AND (attribute_not_exists(quickBooksInvoiceId) OR quickBooksInvoiceId = :qb)', values: { ':qb': outcome.quickBooksInvoiceId } }
    : { expression: 'attribute_exists(pk) AND attribute_not_exists(quickBooksInvoiceId)' };
  try {
    await db().send(new UpdateCommand(updateItem(keys.record(kind.prefix, invoiceId), { set }, condition)));
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
};
