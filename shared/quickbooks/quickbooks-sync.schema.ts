/**
 * Messages of the `quickbooks-sync` queue, each queued through the outbox with the change it
 * follows. A customer (de)activation: archive queues `deactivate`, restore `reactivate`, a
 * permanent delete `deactivate` (the company item is gone, so its outcome is only logged).
 * An invoice push (`type: 'invoice'`): a sent invoice is created in QuickBooks once.
 */
import * as z from 'zod';
import { id } from '../common/schemas';
import type { TxItem } from '../db/transact';
import { enqueue } from '../outbox/outbox';

export const quickBooksSyncMessage = z.strictObject({
  /** ULID of this request; a redelivery carries the same one. */
  id,
  companyId: id,
  customerId: z.string().min(1),
  action: z.enum(['deactivate', 'reactivate']),
  reason: z.enum(['archive', 'restore', 'delete']),
  requestedAt: z.string(),
});
export type QuickBooksSyncMessage = z.output<typeof quickBooksSyncMessage>;

/** The request as an outbox item, written in the transaction of the archive, restore or delete it follows. */
export const requestQuickBooksSync = (message: QuickBooksSyncMessage): TxItem => enqueue('quickbooks-sync', message);

export const quickBooksInvoiceMessage = z.strictObject({
  type: z.literal('invoice'),
  /** ULID of this request; a redelivery carries the same one. */
  id,
  invoiceId: id,
  requestedAt: z.string(),
});
export type QuickBooksInvoiceMessage = z.output<typeof quickBooksInvoiceMessage>;

/** What the queue's worker reads: an invoice push, or (no `type`: as queued before invoices) a customer sync. */
export const quickBooksQueueMessage = z.union([quickBooksInvoiceMessage, quickBooksSyncMessage]);

/** An invoice push as an outbox item, written in the transaction that sends the invoice. */
export const requestQuickBooksInvoice = (message: QuickBooksInvoiceMessage): TxItem => enqueue('quickbooks-sync', message);
