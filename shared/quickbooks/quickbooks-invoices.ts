/**
 * A sent invoice is created in QuickBooks exactly once, by the `quickbooks-sync` worker: the
 * QuickBooks id is stored on our invoice with a condition (set once); before creating, the
 * worker asks QuickBooks for an invoice with our number (DocNumber), which an attempt that
 * crashed after QuickBooks answered has left there; and the create carries a `requestid`, so
 * QuickBooks replays rather than repeats a create it already did. Refusals end as `failed` on
 * the invoice (QuickBooks' reason); throttling and outages are retried by SQS.
 */
import { formatAmount } from '../billing/money';
import { recordQuickBooksOutcome, type QuickBooksInvoiceOutcome } from '../invoices/invoice.repository';
import { centsOf } from '../invoices/invoice-pricing';
import type { InvoiceLine } from '../invoices/invoice.schema';
import { logger } from '../logger';
import { getRecord, type StoredRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { QuickBooksClient } from './quickbooks.client';
import { getCompanyLinkState } from './quickbooks.repository';
import type { QbInvoiceInput } from './quickbooks.schema';
import type { QuickBooksInvoiceMessage } from './quickbooks-sync.schema';
import { quickBooksWork, type SyncContext } from './quickbooks.service';

/** QuickBooks takes amounts as JSON numbers; 2-decimal values from cents print exactly. */
const amount = (stored: unknown): number => Number(formatAmount(centsOf(stored)));

/** Our invoice as a QuickBooks invoice: one SalesItemLineDetail line per line (a manual invoice without lines: one line of its total). */
export const toQuickBooksInvoice = (r: StoredRecord, customerId: string): QbInvoiceInput => {
  const lines = (r.lines as InvoiceLine[] | undefined) ?? [];
  const asLines = lines.length
    ? lines.map((l) => ({ DetailType: 'SalesItemLineDetail' as const, Amount: amount(l.amount), Description: l.description, SalesItemLineDetail: { Qty: l.quantity, UnitPrice: amount(l.unitPrice) } }))
    : [{ DetailType: 'SalesItemLineDetail' as const, Amount: amount(r.total), Description: `Invoice ${String(r.number)}`, SalesItemLineDetail: { Qty: 1, UnitPrice: amount(r.total) } }];
  return {
    DocNumber: String(r.number),
    TxnDate: String(r.sentAt ?? r.createdAt).slice(0, 10),
    ...(r.dueDate ? { DueDate: String(r.dueDate) } : {}),
    CustomerRef: { value: customerId },
    CurrencyRef: { value: String(r.currency ?? 'USD') },
    Line: asLines,
  };
};

/** The worker's part of an invoice push (any number of deliveries of the same message, or of two sends, create one QuickBooks invoice). */
export const pushInvoice = async (message: QuickBooksInvoiceMessage, ctx: SyncContext): Promise<void> => {
  const log = { invoiceId: message.invoiceId, messageId: message.id };
  const invoice = await getRecord(recordKinds.invoice, message.invoiceId, true);
  if (!invoice?.companyId) return logger.info('QuickBooks invoice push skipped: the invoice or its company is gone', log);
  if (invoice.quickBooksInvoiceId) return logger.info('QuickBooks invoice push skipped: already created', { ...log, quickBooksInvoiceId: invoice.quickBooksInvoiceId });
  if (invoice.status === 'draft' || invoice.status === 'void') return logger.info('QuickBooks invoice push skipped: the invoice is not issued', { ...log, status: invoice.status });
  const state = await getCompanyLinkState(invoice.companyId);
  const customerId = state?.link?.customerId;
  if (!customerId) return logger.info('QuickBooks invoice push skipped: the company is not linked to QuickBooks', log);

  const outcome = await quickBooksWork(ctx, async (): Promise<QuickBooksInvoiceOutcome> => {
    const qb = await QuickBooksClient.open(ctx.deadline);
    if (state.realmId && state.realmId !== qb.realmId) return { ok: false, error: 'The company was linked in another QuickBooks company; link it again.' };
    const existing = await qb.findInvoiceByDocNumber(String(invoice.number));
    if (existing) {
      if (existing.CustomerRef.value !== customerId) return { ok: false, error: `QuickBooks already has invoice ${String(invoice.number)} for another customer.` };
      return { ok: true, quickBooksInvoiceId: existing.Id };
    }
    const created = await qb.createInvoice(toQuickBooksInvoice(invoice, customerId), `clientele-invoice-${invoice.id}`);
    return { ok: true, quickBooksInvoiceId: created.Id };
  });
  const recorded = await recordQuickBooksOutcome(invoice.id, outcome);
  if (!recorded) logger.warn('QuickBooks invoice outcome not recorded: another QuickBooks id is already stored', { ...log, outcome });
  else if (!outcome.ok) logger.warn('QuickBooks invoice push failed', { ...log, error: outcome.error });
};
