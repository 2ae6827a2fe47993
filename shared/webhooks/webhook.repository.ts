/**
 * Webhook items (`WEBHOOK#<id>`, listed on GSI1 in creation order) and their deliveries
 * (`WEBHOOK#<id> / DELIVERY#<eventId>`, due ones on GSI2). The signing secret is stored sealed
 * (AES-GCM under the webhook key, bound to the webhook's id): the table and its backups never
 * hold it in the clear, and only the functions that sign or create read the key.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { sealer } from '../crypto/encryption';
import { db, tableName } from '../db/client';
import { readIndexAll, readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import { pagePartition } from '../db/partition-page';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { versionIs } from '../http/concurrency';
import { NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { ENV } from '../env';
import type { ChangeEventType } from './change-events';
import type { DeliveryResource, DeliveryStatus, Webhook } from './webhook.schema';

export const webhookSealer = sealer(ENV.WEBHOOK_KEY, ENV.WEBHOOK_SECRET_ARN);
export const secretContext = (webhookId: string) => `webhook:${webhookId}`;

/** A stored webhook: the resource and its sealed secret. */
export type StoredWebhook = Webhook & { sealedSecret: string };

const toItem = (w: StoredWebhook) => ({ ...keys.webhook(w.id), ...keys.webhookList(w.id), type: 'Webhook', ...w });
const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, type: _t, ...rest }: Record<string, unknown>) => rest as unknown as StoredWebhook;

/** The resource: never the secret. */
export const toWebhook = ({ sealedSecret: _s, ...w }: StoredWebhook): Webhook => w;

export const getWebhook = async (id: string, consistent = false): Promise<StoredWebhook | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.webhook(id), ConsistentRead: consistent }));
  return out.Item ? fromItem(out.Item) : undefined;
};

export const listWebhooks = async (limit: number, cursor?: string): Promise<Page<StoredWebhook>> => {
  const listing = 'webhooks';
  const out = await readIndexPage({ index: 'gsi1', partitions: [keys.webhookListPartition] }, limit, await decodeCursor(listing, cursor));
  return { items: out.items.map(fromItem), nextCursor: await encodeCursor(listing, out.next) };
};

/** Every webhook (an MSP keeps at most `MAX_WEBHOOKS`). */
export const allWebhooks = async (): Promise<StoredWebhook[]> => {
  const all: StoredWebhook[] = [];
  for await (const item of readIndexAll({ index: 'gsi1', partitions: [keys.webhookListPartition] })) all.push(fromItem(item));
  return all;
};

const versionFailed = (old: Record<string, unknown> | undefined) => (old ? new PreconditionFailedError(Number(old.version)) : new NotFoundError('webhook'));

export const putNewWebhook = (w: StoredWebhook): TxItem => ({ item: { Put: { TableName: tableName(), Item: toItem(w), ConditionExpression: 'attribute_not_exists(pk)' } } });

export const replaceWebhook = (before: StoredWebhook, after: Webhook): TxItem => {
  const at = versionIs(before.version);
  const { id: _id, ...fields } = after;
  return { item: { Update: updateItem(keys.webhook(before.id), { set: fields }, { expression: at.expression, values: at.values }) }, onConditionFailed: versionFailed };
};

export const deleteWebhookItem = (before: StoredWebhook): TxItem => {
  const at = versionIs(before.version);
  return { item: { Delete: { TableName: tableName(), Key: keys.webhook(before.id), ConditionExpression: at.expression, ExpressionAttributeValues: at.values } }, onConditionFailed: versionFailed };
};

// ── Deliveries ──────────────────────────────────────────────────────────────────────────

export interface Attempt {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface Delivery {
  /** The event's id: the `webhook-id` of every attempt. */
  id: string;
  webhookId: string;
  eventType: ChangeEventType;
  /** The exact body every attempt POSTs. */
  payload: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  nextAttemptAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Deliveries are kept 30 days (TTL), long enough to look into a receiver's bad week. */
export const DELIVERY_TTL_SECONDS = 30 * 24 * 60 * 60;

const deliveryFromItem = (item: Record<string, unknown>): Delivery => {
  const { pk: _pk, sk: _sk, gsi2pk: _a, gsi2sk: _b, type: _t, expiresAt: _e, ...rest } = item;
  return rest as unknown as Delivery;
};

export const toDeliveryResource = ({ webhookId: _w, version: _v, payload, ...d }: Delivery): DeliveryResource => ({ ...d, payload: JSON.parse(payload) as unknown });

export const getDelivery = async (webhookId: string, eventId: string): Promise<Delivery | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.webhookDelivery(webhookId, eventId), ConsistentRead: true }));
  return out.Item ? deliveryFromItem(out.Item) : undefined;
};

/** A webhook's deliveries, newest first. */
export const listDeliveries = async (webhookId: string, limit: number, cursor?: string): Promise<Page<Delivery>> => {
  const page = await pagePartition(`webhook-deliveries:${webhookId}`, keys.webhook(webhookId).pk, keys.webhookDeliveryPrefix, limit, cursor);
  return { items: page.items.map(deliveryFromItem), nextCursor: page.nextCursor };
};

/** A new delivery, due at `dueAt` (the safety net should its first attempt never run); once per event and webhook. */
export const putNewDelivery = (d: Delivery, dueAt: string): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: {
        ...keys.webhookDelivery(d.webhookId, d.id),
        ...keys.webhookDue(dueAt, d.webhookId, d.id),
        type: 'WebhookDelivery',
        ...d,
        expiresAt: Math.floor(Date.parse(d.createdAt) / 1000) + DELIVERY_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
});

/**
 * The delivery as `after`, at the version `before` was read at; due again at `dueAt`, or off the
 * due index (`null`) once it has ended. A lost race is a stale read: someone else moved it on.
 */
export const updateDelivery = (before: Delivery, after: Delivery, dueAt: string | null): TxItem => {
  const at = versionIs(before.version);
  const { id: _id, webhookId: _w, eventType: _t, payload: _p, createdAt: _c, ...fields } = after;
  return {
    item: {
      Update: updateItem(
        keys.webhookDelivery(before.webhookId, before.id),
        dueAt ? { set: { ...fields, ...keys.webhookDue(dueAt, before.webhookId, before.id) } } : { set: fields, remove: ['gsi2pk', 'gsi2sk'] },
        { expression: at.expression, values: at.values },
      ),
    },
    onConditionFailed: () => new StaleReadError(),
  };
};

/** Pending deliveries due before `now`, oldest first per bucket. */
export const dueDeliveries = (now: string): AsyncGenerator<Record<string, unknown>> =>
  readIndexAll({ index: 'gsi2', partitions: keys.webhookDuePartitions(), below: now });

export { deliveryFromItem };
