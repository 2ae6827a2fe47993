/**
 * Webhook deliveries, from a committed change to a receiver's 2xx (API.md v1.1 "CRM sync"):
 *
 * 1. **Capture** (`captureChanges`, a consumer of the table's stream): each company, contact or
 *    contract change becomes an event (`change-events.ts`), and for each active webhook that
 *    subscribes to it (and is not the system it came from) one delivery item is written with its
 *    first attempt's outbox message, in one transaction, conditional on the delivery's absence:
 *    a stream record read twice captures once.
 * 2. **Attempt** (`attemptDelivery`, the `webhooks` queue's worker): POSTs the payload signed per
 *    Standard Webhooks (`webhook-id` = the event id, the same on every attempt; a fresh
 *    `webhook-timestamp` and `webhook-signature`), then records the attempt at the delivery's
 *    version: a 2xx ends it; otherwise the next attempt is set after `RETRY_DELAYS_SECONDS`
 *    (the first 30 s later), and the last failure after 24 h gives up (`failed`).
 * 3. **Waiting**: a wait SQS can hold (≤ 15 min) is the next attempt's message, delayed, written
 *    in the same transaction; a longer one is only the delivery's due time on GSI2, which the
 *    `webhook-retries` schedule (every minute) reads and queues. Every pending delivery is on
 *    that index, also while its attempt is queued (due `ATTEMPT_LEASE_SECONDS` later), so an
 *    attempt lost to a crash is queued again by the schedule, not by a queue's timeout.
 *
 * Messages carry the attempt number they are for; one for an attempt already made is dropped,
 * and two racing for the same attempt post the same `webhook-id` (receivers dedupe by it) while
 * only one records its result.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { Webhook as Signer } from 'standardwebhooks';
import { transact, type TxItem } from '../db/transact';
import { StaleReadError } from '../http/errors';
import { logger } from '../logger';
import { enqueue, MAX_DELAY_SECONDS } from '../outbox/outbox';
import { CHANGE_ITEM_SORT_KEYS, changeEvent, payloadOf, subscribes, type ChangeEvent } from './change-events';
import { guardedTarget } from './url-policy';
import {
  allWebhooks,
  deliveryFromItem,
  dueDeliveries,
  getDelivery,
  getWebhook,
  putNewDelivery,
  secretContext,
  updateDelivery,
  webhookSealer,
  type Attempt,
  type Delivery,
  type StoredWebhook,
} from './webhook.repository';
import type { AttemptMessage } from './webhook.schema';

/** Waits after each failed attempt: 30 s, 5 min, 30 min, 2 h, 5 h, 8 h, 8 h — eight attempts within 24 h. */
export const RETRY_DELAYS_SECONDS = [30, 300, 1_800, 7_200, 18_000, 28_800, 28_800] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** How long a queued attempt may take to happen before the schedule queues it again. */
export const ATTEMPT_LEASE_SECONDS = 300;
/** A receiver has this long to answer (connect, send, respond); then the attempt failed. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

const later = (from: number, seconds: number) => new Date(from + seconds * 1000).toISOString();

// ── 1. Capture ──────────────────────────────────────────────────────────────────────────

class AlreadyCaptured extends Error {}

const image = (i: unknown) => (i ? unmarshall(i as Record<string, AttributeValue>) : undefined);

/** The event of a stream record, if it is one. Its time is the change's own `updatedAt` (ms) when it has one, so event ids sort as the changes happened. */
const eventOf = (record: DynamoDBRecord): ChangeEvent | undefined => {
  const d = record.dynamodb;
  const kind = CHANGE_ITEM_SORT_KEYS[(d?.Keys?.sk as { S?: string } | undefined)?.S as keyof typeof CHANGE_ITEM_SORT_KEYS];
  if (!d || !kind || !record.eventID) return undefined;
  const [before, after] = [image(d.OldImage), image(d.NewImage)];
  // A deletion has no `updatedAt` of its own, and the record's time is coarse (DynamoDB rounds it
  // down): it sorts after the item's own last change, which is the order a receiver relies on.
  const approximate = (d.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000;
  const stamp = (i: Record<string, unknown> | undefined) => (typeof i?.updatedAt === 'string' ? Date.parse(i.updatedAt) : NaN);
  const at = after ? (Number.isFinite(stamp(after)) ? stamp(after) : approximate) : Math.max(approximate, (stamp(before) || 0) + 1);
  return changeEvent(kind, record.eventID, at, before, after);
};

const wants = (w: StoredWebhook, e: ChangeEvent) => w.active && subscribes(w.events, e.type) && !(e.origin && w.system === e.origin);

/** One delivery of `e` to `w`, with its first attempt queued; nothing when it was captured before. */
const capture = async (e: ChangeEvent, w: StoredWebhook, now: number): Promise<void> => {
  const created = new Date(now).toISOString();
  const delivery: Delivery = { id: e.id, webhookId: w.id, eventType: e.type, payload: payloadOf(e), status: 'pending', attempts: [], nextAttemptAt: created, version: 1, createdAt: created, updatedAt: created };
  try {
    await transact([
      { ...putNewDelivery(delivery, later(now, ATTEMPT_LEASE_SECONDS)), onConditionFailed: () => new AlreadyCaptured() },
      enqueue('webhooks', { webhookId: w.id, deliveryId: e.id, attempt: 1 } satisfies AttemptMessage),
    ]);
  } catch (err) {
    if (!(err instanceof AlreadyCaptured)) throw err;
  }
};

/**
 * The stream consumer: captures each record's event for the webhooks that want it, in stream
 * order. A record that fails is reported with everything after it (Lambda retries from it;
 * what was captured already is not captured twice).
 */
export const captureChanges = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  // One read per batch, first: an MSP has a handful of webhooks, and with none active (or none at
  // all) a batch of an import or a sync costs that read alone, not reading its images.
  const hooks = (await allWebhooks()).filter((w) => w.active);
  if (!hooks.length) return { batchItemFailures: [] };
  const events = event.Records.map((r) => ({ sequence: r.dynamodb?.SequenceNumber ?? '', event: eventOf(r) }));
  const now = Date.now();
  for (const [n, { sequence, event: e }] of events.entries()) {
    if (!e) continue;
    try {
      await Promise.all(hooks.filter((w) => wants(w, e)).map((w) => capture(e, w, now)));
    } catch (err) {
      logger.warn('Webhook capture failed; the stream retries from this record', { sequence, eventId: e.id, error: (err as Error).message });
      return { batchItemFailures: events.slice(n).map((x) => ({ itemIdentifier: x.sequence })) };
    }
  }
  return { batchItemFailures: [] };
};

// ── 2. Attempt ──────────────────────────────────────────────────────────────────────────

/** The Standard Webhooks headers of one attempt. */
export const signedHeaders = (secret: string, eventId: string, at: Date, payload: string): Record<string, string> => ({
  'webhook-id': eventId,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': new Signer(secret).sign(eventId, at, payload),
});

/** POSTs `payload` to `url` through the SSRF guard; the attempt as the log keeps it. Never throws. */
export const post = async (url: string, headers: Record<string, string>, payload: string, at: Date): Promise<Attempt> => {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null): Attempt => ({ at: at.toISOString(), statusCode, error, durationMs: Date.now() - started });
  let target: ReturnType<typeof guardedTarget>;
  try {
    target = guardedTarget(url);
  } catch (err) {
    return done(null, (err as Error).message);
  }
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Attempt>((resolve) => {
    const req = send(
      target.url,
      {
        method: 'POST',
        lookup: target.lookup,
        timeout: ATTEMPT_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'user-agent': 'Clientele-Webhooks/1.0', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res: IncomingMessage) => {
        // The body is read and dropped (a receiver's answer is not ours to keep), within the same deadline.
        res.on('data', () => undefined);
        res.on('end', () => resolve(done(res.statusCode ?? null, null)));
        res.on('error', () => resolve(done(res.statusCode ?? null, null)));
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`No answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)), ATTEMPT_TIMEOUT_MS);
    req.on('timeout', () => req.destroy(new Error(`No answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(done(null, err.code && err.code !== 'EWEBHOOKADDRESS' ? `${err.code}: ${err.message}` : err.message)));
    req.on('close', () => clearTimeout(deadline));
    req.end(payload);
  });
};

const ok = (a: Attempt) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;

/** The delivery after `attempt`, with the writes that record it (and queue the next attempt, when SQS can hold the wait). */
export const afterAttempt = (d: Delivery, attempt: Attempt): TxItem[] => {
  const attempts = [...d.attempts, attempt];
  const base = { ...d, attempts, version: d.version + 1, updatedAt: attempt.at };
  if (ok(attempt)) return [updateDelivery(d, { ...base, status: 'succeeded', nextAttemptAt: null }, null)];
  if (attempts.length >= MAX_ATTEMPTS) return [updateDelivery(d, { ...base, status: 'failed', nextAttemptAt: null }, null)];
  const wait = RETRY_DELAYS_SECONDS[attempts.length - 1]!;
  const at = Date.parse(attempt.at);
  const next = later(at, wait);
  const after: Delivery = { ...base, nextAttemptAt: next };
  if (wait > MAX_DELAY_SECONDS) return [updateDelivery(d, after, next)];
  return [
    updateDelivery(d, after, later(at, wait + ATTEMPT_LEASE_SECONDS)),
    enqueue('webhooks', { webhookId: d.webhookId, deliveryId: d.id, attempt: attempts.length + 1 } satisfies AttemptMessage, { delaySeconds: wait }),
  ];
};

export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'dropped';

/** The `webhooks` worker: makes the attempt a message is for, if it is still to be made. */
export const attemptDelivery = async (m: AttemptMessage): Promise<AttemptOutcome> => {
  const d = await getDelivery(m.webhookId, m.deliveryId);
  if (!d || d.status !== 'pending' || d.attempts.length + 1 !== m.attempt) return 'dropped';
  const w = await getWebhook(m.webhookId, true);
  const now = new Date();
  try {
    if (!w || !w.active) {
      await transact([updateDelivery(d, { ...d, status: 'cancelled', nextAttemptAt: null, version: d.version + 1, updatedAt: now.toISOString() }, null)]);
      return 'cancelled';
    }
    const secret = await webhookSealer.decrypt(w.sealedSecret, secretContext(w.id));
    const attempt = await post(w.url, signedHeaders(secret, d.id, now, d.payload), d.payload, now);
    await transact(afterAttempt(d, attempt));
    logger.info('Webhook attempt', { webhookId: w.id, deliveryId: d.id, attempt: m.attempt, statusCode: attempt.statusCode, error: attempt.error });
    return ok(attempt) ? 'succeeded' : m.attempt >= MAX_ATTEMPTS ? 'failed' : 'retrying';
  } catch (err) {
    // Another message for the same attempt recorded it first (or the schedule re-queued it): theirs stands.
    if (err instanceof StaleReadError) return 'dropped';
    throw err;
  }
};

// ── 3. Waiting ──────────────────────────────────────────────────────────────────────────

export interface RetryReport {
  queued: number;
  skipped: number;
}

/** The `webhook-retries` schedule: queues the next attempt of every pending delivery that is due. */
export const retryDueDeliveries = async (now = new Date()): Promise<RetryReport> => {
  const report: RetryReport = { queued: 0, skipped: 0 };
  for await (const item of dueDeliveries(now.toISOString())) {
    const d = deliveryFromItem(item);
    if (d.status !== 'pending') continue;
    try {
      await transact([
        updateDelivery(d, { ...d, version: d.version + 1, updatedAt: now.toISOString() }, later(now.getTime(), ATTEMPT_LEASE_SECONDS)),
        enqueue('webhooks', { webhookId: d.webhookId, deliveryId: d.id, attempt: d.attempts.length + 1 } satisfies AttemptMessage),
      ]);
      report.queued++;
    } catch (err) {
      if (!(err instanceof StaleReadError)) throw err;
      report.skipped++;
    }
  }
  return report;
};
