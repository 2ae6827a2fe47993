/**
 * Domain events: what happened to a client's record, written to the outbox in the transaction
 * of the change itself (so a committed change always has its event, and a rolled-back one never
 * does), and carried by the `events` queue to the notifier (shared/notifications/notifier.ts).
 * Zod-free: the write paths that publish load nothing more.
 */
import { ulid } from 'ulid';
import type { TxItem } from '../db/transact';
import { enqueue } from '../outbox/outbox';
import type { NotificationEvent } from '../settings/client-settings';

export interface DomainEvent {
  /** Unique per event: the notifier mails each recipient of an event once by it. */
  id: string;
  type: NotificationEvent;
  companyId: string;
  occurredAt: string;
  /** What it is about: a ticket, an invoice, a contract. */
  subject: { kind: 'ticket' | 'invoice' | 'contract'; id: string; title: string };
  /** A line for the message ("Status: resolved", "Renewed until 2027-12-31"). */
  detail: string | null;
  /** Contacts the change itself mailed (an invoice's recipient): the notifier does not tell them again. */
  informed?: string[];
}

export const publishEvent = (event: Omit<DomainEvent, 'id'>): TxItem => enqueue('events', { id: ulid(), ...event } satisfies DomainEvent);
