/**
 * The outbox relay: each new outbox item on the table's stream goes to its queue (SendMessageBatch,
 * ten at a time). A record SQS did not take is reported in `batchItemFailures`, so Lambda
 * retries from it (and bisects, then hands the batch to the on-failure queue after its retries):
 * nothing is lost. A retry may send a record again; consumers are idempotent, and every message
 * carries its outbox id (`outboxId` attribute).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../logger';
import { sendToQueue, type QueueEntry } from '../queue/send';
import * as z from 'zod';
import { QUEUE_NAMES, type QueueName } from '../queues';
import { OUTBOX_TYPE } from '../streams';
import { MAX_DELAY_SECONDS, outboxSealer, sealContext, type OutboxItem } from './outbox';

/** An outbox item as the relay reads it back from the stream's new image (here, not in `outbox.ts`: the writers need no zod at cold start). */
const outboxItem = z.object({
  pk: z.string().startsWith('OUTBOX#'),
  type: z.literal(OUTBOX_TYPE),
  id: z.string().min(1),
  queue: z.enum(QUEUE_NAMES),
  message: z.string(),
  sealed: z.boolean().optional(),
  delaySeconds: z.number().int().min(0).max(MAX_DELAY_SECONDS).optional(),
  createdAt: z.string(),
}) satisfies z.ZodType<OutboxItem>;

const parse = (record: DynamoDBRecord) => {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  // The event's AttributeValue and the SDK's have the same JSON shape.
  return outboxItem.safeParse(unmarshall(image as Record<string, AttributeValue>));
};

export const relayOutbox = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const failed: string[] = [];
  const byQueue = new Map<QueueName, QueueEntry[]>();
  for (const record of event.Records) {
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const parsed = parse(record);
    // The mapping's filter lets only outbox inserts through; anything else is nothing to send.
    if (!parsed) continue;
    if (!parsed.success) {
      // Retried, then left on the on-failure queue for a person: dropping it would lose work.
      logger.error('Unreadable outbox item', { sequence, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      failed.push(sequence);
      continue;
    }
    const { id, queue, message, sealed, delaySeconds } = parsed.data;
    let body = message;
    if (sealed) {
      try {
        body = await outboxSealer.decrypt(message, sealContext(id));
      } catch (err) {
        logger.error('Sealed outbox item not readable', { sequence, outboxId: id, error: (err as Error).message });
        failed.push(sequence);
        continue;
      }
    }
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), { id: sequence, body, outboxId: id, delaySeconds }]);
  }
  const refused = await Promise.all([...byQueue].map(([queue, entries]) => sendToQueue(queue, entries)));
  failed.push(...refused.flat());
  if (failed.length) logger.warn('Outbox records not sent; the stream retries from the first', { failed: failed.length, of: event.Records.length });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};
