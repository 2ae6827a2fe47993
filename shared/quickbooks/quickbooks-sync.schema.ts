/**
 * A QuickBooks customer (de)activation on the `quickbooks-sync` queue. Archive queues
 * `deactivate`, restore `reactivate`, a permanent delete `deactivate` (best effort: the company
 * item is gone, so the outcome is only logged).
 */
import * as z from 'zod';
import { id } from '../common/schemas';
import { sendToQueue } from '../queue/send';

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

export const requestQuickBooksSync = (message: QuickBooksSyncMessage): Promise<void> => sendToQueue('quickbooks-sync', message);
