/**
 * A ticket's domain events (the notifier mails them by the company's rules), written in the
 * ticket's own transaction through the record hooks: `ticket.created` on create (staff, portal,
 * inbound), `ticket.resolved` when it becomes resolved, `ticket.updated` when its status,
 * priority or subject changes otherwise. A public staff comment is `ticket.updated` too
 * (shared/comments). Internal changes (queue, assignee, contract, SLA flags) tell the client nothing.
 */
import type { RecordHook } from '../records/record.hooks';
import type { StoredRecord } from '../records/record.repository';
import { publishEvent } from './domain-events';

const VISIBLE = ['status', 'priority', 'subject'] as const;

export const ticketEvent = (type: 'ticket.created' | 'ticket.updated' | 'ticket.resolved', ticket: StoredRecord, at: string, detail: string | null) =>
  publishEvent({ type, companyId: ticket.companyId!, occurredAt: at, subject: { kind: 'ticket', id: ticket.id, title: String(ticket.subject) }, detail });

export const ticketEvents: RecordHook = {
  async prepare({ before, after }) {
    if (!after.companyId) return { items: [] };
    const at = String(after.updatedAt);
    if (!before) return { items: [ticketEvent('ticket.created', after, at, `Priority: ${String(after.priority)}`)] };
    if (before.companyId !== after.companyId) return { items: [] };
    if (after.status === 'resolved' && before.status !== 'resolved') return { items: [ticketEvent('ticket.resolved', after, at, null)] };
    const changed = VISIBLE.filter((f) => before[f] !== after[f]);
    if (!changed.length) return { items: [] };
    return { items: [ticketEvent('ticket.updated', after, at, changed.map((f) => `${f[0]!.toUpperCase()}${f.slice(1)}: ${String(after[f])}`).join('; '))] };
  },
};
