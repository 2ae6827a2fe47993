/**
 * Webhook subscriptions (API.md v1.1 "CRM sync"): created with a fresh signing secret, shown
 * once in the `201`; every URL is checked against the SSRF policy (`url-policy.ts`) when set;
 * changes are at the version read (`If-Match`, or the version read first). Pausing
 * (`active: false`) or deleting a webhook cancels what it has pending at its next attempt.
 */
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { transact } from '../db/transact';
import { versionBase } from '../http/concurrency';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { urlProblem } from './url-policy';
import type { CreateWebhookInput, UpdateWebhookInput, Webhook } from './webhook.schema';
import { MAX_WEBHOOKS } from './webhook.schema';
import {
  allWebhooks,
  deleteWebhookItem,
  getWebhook,
  listDeliveries,
  listWebhooks,
  putNewWebhook,
  replaceWebhook,
  secretContext,
  toDeliveryResource,
  toWebhook,
  webhookSealer,
  type StoredWebhook,
} from './webhook.repository';
import type { DeliveryResource } from './webhook.schema';

export const webhookLocation = (id: string) => `/v1/webhooks/${id}`;

const assertReachable = async (url: string) => {
  const problem = await urlProblem(url);
  if (problem) throw new ValidationError([{ in: 'body', path: '/url', message: problem }], 'The webhook URL is not allowed.');
};

/** Standard Webhooks secret: `whsec_` and 32 random bytes, base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export const createWebhook = async (input: CreateWebhookInput, idempotency?: IdempotencyContext): Promise<Webhook & { secret: string }> => {
  await assertReachable(input.url);
  // A soft limit, read before the write: a race may pass it by one, which is harmless.
  if ((await allWebhooks()).length >= MAX_WEBHOOKS) throw new ConflictError('INVALID_STATE', `An MSP keeps at most ${MAX_WEBHOOKS} webhooks; delete one first.`);
  const now = new Date().toISOString();
  const id = ulid();
  const secret = newSecret();
  const webhook: Webhook = { id, url: input.url, events: input.events, active: input.active, system: input.system, description: input.description, version: 1, createdAt: now, updatedAt: now };
  const stored: StoredWebhook = { ...webhook, sealedSecret: await webhookSealer.encrypt(secret, secretContext(id)) };
  const created = { ...webhook, secret };
  // An Idempotency-Key replay answers without the secret: it is shown once, and the replay store is the table.
  await transact([...recordIdempotent(idempotency, { status: 201, body: webhook, headers: { location: webhookLocation(id), etag: '"1"' } }), putNewWebhook(stored)]);
  return created;
};

export const findWebhook = async (id: string): Promise<StoredWebhook> => {
  const w = await getWebhook(id);
  if (!w) throw new NotFoundError('webhook');
  return w;
};

export const webhooks = async (limit: number, cursor?: string): Promise<Page<Webhook>> => {
  const page = await listWebhooks(limit, cursor);
  return { items: page.items.map(toWebhook), nextCursor: page.nextCursor };
};

const readAt = async (id: string, ifMatch: number | '*' | undefined) => {
  const base = versionBase(ifMatch);
  const before = await getWebhook(id, true);
  if (!before) throw new NotFoundError('webhook');
  base.check(before.version);
  return { base, before };
};

export const updateWebhook = async (id: string, input: UpdateWebhookInput, ifMatch: number | '*' | undefined): Promise<Webhook> => {
  const { base, before } = await readAt(id, ifMatch);
  const sent = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<Webhook>;
  const current = toWebhook(before);
  const merged: Webhook = { ...current, ...sent };
  if (!(Object.keys(sent) as (keyof Webhook)[]).some((f) => JSON.stringify(merged[f]) !== JSON.stringify(current[f]))) return current;
  if (sent.url !== undefined && sent.url !== before.url) await assertReachable(sent.url);
  const after: Webhook = { ...merged, version: before.version + 1, updatedAt: new Date().toISOString() };
  await base.write(transact([replaceWebhook(before, after)]));
  return after;
};

/** Deletes the subscription; its delivery log goes with its 30-day TTL, and what it had pending is cancelled at its next attempt. */
export const deleteWebhook = async (id: string, ifMatch: number | '*' | undefined): Promise<void> => {
  const { base, before } = await readAt(id, ifMatch);
  await base.write(transact([deleteWebhookItem(before)]));
};

export const webhookDeliveries = async (id: string, limit: number, cursor?: string): Promise<Page<DeliveryResource>> => {
  await findWebhook(id);
  const page = await listDeliveries(id, limit, cursor);
  return { items: page.items.map(toDeliveryResource), nextCursor: page.nextCursor };
};
