/**
 * A QuickBooks customer (de)activation on the `quickbooks-sync` queue. Archive queues
 * `deactivate`, restore `reactivate`, a permanent delete `deactivate` (the company item is gone,
 * so its outcome is only logged); each is queued through the outbox with the change.
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
