/**
 * The transactional outbox: work that must follow a commit is an `Outbox` item written in the
 * same transaction as the change, and the relay (functions/outbox/relay.ts) puts it on its queue
 * from the table's stream. The change and its work commit together or not at all, so a crash
 * after the commit cannot lose the work. Nothing else sends to a queue.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { sealer } from '../crypto/encryption';
import { ulid } from 'ulid';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { ENV } from '../env';
import { isSealed, type QueueName, type SealedQueueName } from '../queues';
import { OUTBOX_TYPE } from '../streams';

/**
 * The relay reads an item within seconds of its commit; the item itself is only the trigger, so
 * it goes after a day (the stream keeps its records 24 hours too).
 */
export const OUTBOX_TTL_SECONDS = 24 * 60 * 60;
/** SQS takes at most 256 KiB per message; a bigger one is a programming error, refused before the commit. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** An outbox item as stored (the relay checks what it reads back from the stream against `relay.ts`'s schema of it). */
export interface OutboxItem {
  pk: string;
  type: typeof OUTBOX_TYPE;
  /** ULID; the relay sends it as the `outboxId` message attribute, so a consumer can tell a redelivery. */
  id: string;
  queue: QueueName;
  /** The message body, as JSON (sealed: encrypted, with `outbox:<id>` authenticated). */
  message: string;
  sealed?: boolean;
  /** Seconds SQS keeps the message before its consumer sees it (at most 900): a retry after a short wait. */
  delaySeconds?: number;
  createdAt: string;
}

/** Seals the messages of sealed queues (set-up links) under a key only their senders and the relay read. */
export const outboxSealer = sealer(ENV.OUTBOX_KEY, ENV.OUTBOX_SECRET_ARN);
export const sealContext = (id: string) => `outbox:${id}`;

/** SQS delays a message by at most 15 minutes; a longer wait is a due time a schedule reads (e.g. shared/webhooks). */
export const MAX_DELAY_SECONDS = 900;

const newItem = (queue: QueueName, message: unknown, delaySeconds?: number) => {
  const body = JSON.stringify(message);
  if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) throw new Error(`A ${queue} message of ${Buffer.byteLength(body)} bytes is larger than SQS accepts`);
  if (delaySeconds !== undefined && !(Number.isInteger(delaySeconds) && delaySeconds >= 0 && delaySeconds <= MAX_DELAY_SECONDS)) throw new Error(`A delay of ${delaySeconds} s is not one SQS takes (0–${MAX_DELAY_SECONDS})`);
  const id = ulid();
  return {
    ...(delaySeconds ? { delaySeconds } : {}),
    ...keys.outbox(id),
    type: OUTBOX_TYPE,
    id,
    queue,
    message: body,
    createdAt: new Date().toISOString(),
    expiresAt: Math.floor(Date.now() / 1000) + OUTBOX_TTL_SECONDS,
  } satisfies OutboxItem & Record<string, unknown>;
};

const put = (Item: Record<string, unknown>): TxItem => ({ item: { Put: { TableName: tableName(), Item, ConditionExpression: 'attribute_not_exists(pk)' } } });

/** The outbox item for `message` on `queue`, to write in the transaction of the change it follows. */
export const enqueue = (queue: Exclude<QueueName, SealedQueueName>, message: unknown, opts: { delaySeconds?: number } = {}): TxItem => {
  if (isSealed(queue)) throw new Error(`${queue} messages are sealed: use enqueueSealed`);
  return put(newItem(queue, message, opts.delaySeconds));
};

/** The same for a sealed queue: the item holds the message encrypted. */
export const enqueueSealed = async (queue: SealedQueueName, message: unknown): Promise<TxItem> => {
  const item = newItem(queue, message);
  return put({ ...item, message: await outboxSealer.encrypt(item.message, sealContext(item.id)), sealed: true });
};

/**
 * The outbox item alone, for the rare send that follows no write of its own: a worker handing
 * over to its continuation (its progress is already committed, and the message it is working on
 * comes back from SQS if this put never happens).
 */
export const enqueueNow = async (queue: QueueName, message: unknown): Promise<void> => {
  const { Put } = (isSealed(queue) ? await enqueueSealed(queue, message) : enqueue(queue as Exclude<QueueName, SealedQueueName>, message)).item;
  await db().send(new PutCommand(Put!));
};
