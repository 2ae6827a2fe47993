/** An event on the `events` queue, as the notifier parses it, and a notification log entry as listed. */
import * as z from 'zod';
import { id, isoTime, pageOf } from '../common/schemas';
import { NOTIFICATION_EVENTS } from '../settings/client-settings';

export const domainEventSchema = z.union([
  z.object({
    id: z.string().min(1).max(64),
    type: z.enum(NOTIFICATION_EVENTS),
    companyId: id,
    occurredAt: isoTime,
    subject: z.object({ kind: z.enum(['ticket', 'invoice', 'contract']), id, title: z.string() }),
    detail: z.string().nullable(),
    informed: z.array(id).optional(),
  }),
  // `contract.renewing` as the renewal schedule wrote it before events had an id (still on the queue after an upgrade).
  z
    .object({ type: z.literal('contract.renewing'), contractId: id, companyId: id, endDate: z.string().nullable(), at: isoTime })
    .transform((e) => ({
      id: `renewing-${e.contractId}-${e.endDate ?? ''}`,
      type: e.type,
      companyId: e.companyId,
      occurredAt: e.at,
      subject: { kind: 'contract' as const, id: e.contractId, title: 'Your contract' },
      detail: e.endDate ? `Renewed until ${e.endDate}` : null,
    })),
]);

export const notificationSchema = z
  .object({
    eventId: z.string(),
    event: z.enum(NOTIFICATION_EVENTS),
    subject: z.object({ kind: z.string(), id }),
    contactId: id,
    status: z.enum(['sent', 'skipped']),
    reason: z.string().nullable().meta({ description: 'Why a recipient was skipped: `inactive`, `no_email`, `not_in_company`, `deleted`, `already_mailed` (the change itself mailed it, as an invoice its recipient)' }),
    at: isoTime,
  })
  .meta({ id: 'Notification' });
export const notificationPageSchema = pageOf(notificationSchema, 'NotificationPage');
