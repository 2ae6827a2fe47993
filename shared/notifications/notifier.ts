/**
 * The notifier (client settings `notificationRules`): for each domain event, the company's rules
 * for its type say who is told, `primary` (the primary contact), `billing` (the billing contact,
 * else the primary), `all` (every contact of the company) or chosen contacts. Each recipient is
 * one log entry (`keys.notification`) written, conditional on its absence, in the transaction
 * that queues its mail: `sent`, or `skipped` with the reason (inactive, no email, no longer the
 * company's, deleted), which `GET /v1/companies/{id}/notifications` shows. A redelivered event,
 * or one whose worker died half-way, mails nobody twice: the entries written are skipped.
 * An archived or deleted company is told nothing (its portal and new work are paused).
 */
import { getCompanyItem } from '../companies/company.repository';
import { listContacts } from '../contacts/contact.repository';
import type { Contact } from '../contacts/contact.schema';
import { batchGet } from '../db/batch';
import { tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { logger } from '../logger';
import { mailItem } from '../mail/mail.service';
import { settingsOf, type Notify } from '../settings/client-settings';
import type { DomainEvent } from './domain-events';

/** Recipients per transaction: a log entry and a mail each, within DynamoDB's 100 items. */
const BATCH = 40;
const LOG_TTL_SECONDS = 400 * 24 * 60 * 60;

export type SkipReason = 'inactive' | 'no_email' | 'not_in_company' | 'deleted' | 'already_mailed';
export interface NotifyReport {
  sent: number;
  skipped: number;
  /** Recipients an earlier delivery of the event already handled. */
  already: number;
}

class AlreadyNotified extends Error {}

type Candidate = { id: string; contact: Contact | undefined };

const verdict = (event: DomainEvent, c: Candidate): { status: 'sent' } | { status: 'skipped'; reason: SkipReason } => {
  if (!c.contact) return { status: 'skipped', reason: 'deleted' };
  if (c.contact.companyId !== event.companyId) return { status: 'skipped', reason: 'not_in_company' };
  if (c.contact.status !== 'active') return { status: 'skipped', reason: 'inactive' };
  if (!c.contact.email) return { status: 'skipped', reason: 'no_email' };
  if (event.informed?.includes(c.id)) return { status: 'skipped', reason: 'already_mailed' };
  return { status: 'sent' };
};

const TITLES: Record<DomainEvent['type'], string> = {
  'ticket.created': 'Ticket opened',
  'ticket.updated': 'Ticket updated',
  'ticket.resolved': 'Ticket resolved',
  'invoice.sent': 'New invoice',
  'contract.renewing': 'Contract renewed',
};

const mailOf = (event: DomainEvent, companyName: string, contact: Contact) => ({
  to: [contact.email!],
  subject: `${TITLES[event.type]}: ${event.subject.title} (${companyName})`,
  text: [
    `Hello ${contact.firstName},`,
    '',
    `${TITLES[event.type]} for ${companyName}: ${event.subject.title}.`,
    ...(event.detail ? [event.detail] : []),
    '',
    `Reference: ${event.subject.kind} ${event.subject.id}`,
  ].join('\n'),
});

/** The entries and mails of some recipients, in one transaction; a recipient already logged makes it fail as a whole. */
const recordBatch = async (event: DomainEvent, companyName: string, batch: Candidate[], report: NotifyReport): Promise<void> => {
  const items: TxItem[] = [];
  const counts = { sent: 0, skipped: 0 };
  for (const c of batch) {
    const v = verdict(event, c);
    items.push({
      item: {
        Put: {
          TableName: tableName(),
          Item: {
            ...keys.notification(event.companyId, event.occurredAt, event.id, c.id),
            type: 'Notification',
            eventId: event.id,
            event: event.type,
            subject: { kind: event.subject.kind, id: event.subject.id },
            contactId: c.id,
            status: v.status,
            reason: v.status === 'skipped' ? v.reason : null,
            at: new Date().toISOString(),
            expiresAt: Math.floor(Date.now() / 1000) + LOG_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new AlreadyNotified(),
    });
    if (v.status === 'sent') items.push((await mailItem({ ...mailOf(event, companyName, c.contact!), companyId: event.companyId })).item);
    counts[v.status]++;
  }
  await transact(items);
  report.sent += counts.sent;
  report.skipped += counts.skipped;
};

const recordAll = async (event: DomainEvent, companyName: string, candidates: Candidate[], report: NotifyReport): Promise<void> => {
  for (let i = 0; i < candidates.length; i += BATCH) {
    const batch = candidates.slice(i, i + BATCH);
    try {
      await recordBatch(event, companyName, batch, report);
    } catch (err) {
      if (!(err instanceof AlreadyNotified)) throw err;
      // Part of it was done by an earlier delivery: one recipient at a time.
      for (const c of batch) {
        try {
          await recordBatch(event, companyName, [c], report);
        } catch (e) {
          if (!(e instanceof AlreadyNotified)) throw e;
          report.already++;
        }
      }
    }
  }
};

const withContacts = async (ids: string[]): Promise<Candidate[]> => {
  const found = new Map((await batchGet(ids.map((id) => keys.contact(id)))).map((c) => [String(c.id), c as unknown as Contact]));
  return ids.map((id) => ({ id, contact: found.get(id) }));
};

export const notifyEvent = async (event: DomainEvent): Promise<NotifyReport> => {
  const report: NotifyReport = { sent: 0, skipped: 0, already: 0 };
  const company = await getCompanyItem(event.companyId, true);
  if (!company || company.status !== 'active') return report;
  const rules = settingsOf(company).notificationRules.filter((r) => r.event === event.type);
  if (!rules.length) return report;
  const named = new Set<string>();
  let everyone = false;
  const add = (id: unknown) => typeof id === 'string' && named.add(id);
  for (const { notify } of rules as { notify: Notify }[]) {
    if (notify === 'all') everyone = true;
    else if (notify === 'primary') add(company.primaryContactId);
    else if (notify === 'billing') add(company.billingContactId ?? company.primaryContactId);
    else notify.contactIds.forEach(add);
  }
  const name = String(company.name);
  if (everyone) {
    // Every contact of the company, a page at a time (each page's contacts as the listing read them).
    let cursor: string | undefined;
    do {
      const page = await listContacts({ by: 'company', companyId: event.companyId }, {}, 100, cursor);
      for (const c of page.items) named.delete(c.id);
      await recordAll(event, name, page.items.map((contact) => ({ id: contact.id, contact })), report);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  await recordAll(event, name, await withContacts([...named]), report);
  logger.info('Event notified', { eventId: event.id, type: event.type, companyId: event.companyId, ...report });
  return report;
};
