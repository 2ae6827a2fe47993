/**
 * Email deliverability, the health score's communications component: what the mail worker
 * sent to a client company (tagged with it, `COMPANY_TAG`) and what SES said bounced or was
 * complained about, per company and month on the engagement item (`keys.engagement`). SES
 * publishes bounce and complaint events of the configuration set to an SNS topic, which feeds
 * the `mail-events` queue (infra/stack.ts); its worker (`recordMailEvent`) counts each event
 * once, by SES's message id, in one transaction with the counter. Replies are not counted yet
 * (inbound mail is issue 18). Counting never stands in a mail's way: a failure is logged.
 */
import { companyActive, companyArchived } from '../companies/company.repository';
import { tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import { updateItem } from '../db/update';
import { logger } from '../logger';
import { monthOf } from './engagement';

export const COMPANY_TAG = 'companyId';
const TTL_SECONDS = 400 * 24 * 60 * 60;

const countItem = (companyId: string, at: Date, add: Record<string, number>) => ({
  item: { Update: updateItem(keys.engagement(companyId, monthOf(at)), { set: { type: 'Engagement', month: monthOf(at), expiresAt: Math.floor(at.getTime() / 1000) + TTL_SECONDS }, add }) },
});

export const countSentMail = async (companyId: string, at = new Date()): Promise<void> => {
  try {
    await transact([companyActive(companyId, companyArchived), countItem(companyId, at, { mailsSent: 1 })]);
  } catch (err) {
    logger.warn('Sent mail not counted', { companyId, error: err as Error });
  }
};

/** A bounce or complaint as SES publishes it (event publishing: `eventType`; identity notifications: `notificationType`). */
export interface SesEvent {
  eventType?: string;
  notificationType?: string;
  mail: { messageId: string; timestamp?: string; tags?: Record<string, string[]> };
  bounce?: { bounceType?: string };
}

/** The SES event in an SQS message body: SNS's envelope (`Message`), or the event itself (raw delivery). */
export const sesEventOf = (body: unknown): SesEvent => {
  const outer = body as { Type?: string; Message?: string };
  return (outer.Type === 'Notification' && typeof outer.Message === 'string' ? JSON.parse(outer.Message) : body) as SesEvent;
};

/**
 * Counts a hard bounce or a complaint on the company the mail was tagged with, once per SES
 * message and kind (a dedupe item in the same transaction); soft bounces, deliveries and untagged
 * mail (to staff) count nothing.
 */
export const recordMailEvent = async (event: SesEvent): Promise<'counted' | 'ignored' | 'duplicate'> => {
  const type = (event.eventType ?? event.notificationType ?? '').toLowerCase();
  const companyId = event.mail.tags?.[COMPANY_TAG]?.[0];
  const counter = type === 'complaint' ? 'mailComplaints' : type === 'bounce' && event.bounce?.bounceType === 'Permanent' ? 'mailBounces' : undefined;
  if (!counter || !companyId) return 'ignored';
  const at = event.mail.timestamp ? new Date(event.mail.timestamp) : new Date();
  try {
    await transact([
      {
        item: {
          Put: {
            TableName: tableName(),
            Item: { ...keys.mailEvent(event.mail.messageId, counter), type: 'MailEvent', expiresAt: Math.floor(Date.now() / 1000) + 30 * 24 * 60 * 60 },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        onConditionFailed: () => new Duplicate(),
      },
      // The company may have been archived or deleted since the mail went: nothing of it changes then.
      { ...companyActive(companyId, companyArchived), onConditionFailed: () => new Gone() },
      countItem(companyId, at, { [counter]: 1 }),
    ]);
    return 'counted';
  } catch (err) {
    if (err instanceof Duplicate) return 'duplicate';
    if (err instanceof Gone) return 'ignored';
    throw err;
  }
};

class Duplicate extends Error {}
class Gone extends Error {}
