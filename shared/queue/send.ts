/**
 * Puts JSON messages on one of the queues declared in `shared/queues.ts`. Only the outbox relay
 * sends (functions/outbox/relay.ts): everything else writes an outbox item in its transaction
 * (`shared/outbox`), so no message is sent after a commit that a crash could separate from it.
 */
import { queueUrlEnv, requireEnv } from '../env';
import { lazySdk } from '../lazy-sdk';
import { logger } from '../logger';
import type { QueueName } from '../queues';

// The endpoint comes from the SDK configuration, never from the queue URL's host (local queue URLs are not routable hosts).
const sqs = lazySdk(
  () => import('@aws-sdk/client-sqs'),
  (sdk) => new sdk.SQSClient({ useQueueUrlAsEndpoint: false }),
);

export interface QueueEntry {
  /** The caller's id for the entry, echoed back when it fails. */
  id: string;
  /** The message body (JSON). */
  body: string;
  /** The outbox item it comes from, as the `outboxId` attribute: consumers can recognise a redelivery by it. */
  outboxId: string;
  /** Seconds before the message is visible (SQS: at most 900). */
  delaySeconds?: number;
}

/** SendMessageBatch takes ten entries per call. */
const BATCH = 10;

/** Sends every entry (ten per request); returns the ids of the entries SQS did not take. */
export const sendToQueue = async (queue: QueueName, entries: readonly QueueEntry[]): Promise<string[]> => {
  const { sdk, client } = await sqs();
  const QueueUrl = requireEnv(queueUrlEnv(queue));
  const failed: string[] = [];
  for (let i = 0; i < entries.length; i += BATCH) {
    const chunk = entries.slice(i, i + BATCH);
    try {
      const out = await client.send(
        new sdk.SendMessageBatchCommand({
          QueueUrl,
          // Entry ids only have to be unique within the request: their position.
          Entries: chunk.map((e, n) => ({ Id: String(n), MessageBody: e.body, DelaySeconds: e.delaySeconds, MessageAttributes: { outboxId: { DataType: 'String', StringValue: e.outboxId } } })),
        }),
      );
      for (const f of out.Failed ?? []) {
        // Bodies are never logged: a mail message holds a set-up link.
        logger.warn('SQS refused a message', { queue, outboxId: chunk[Number(f.Id)]!.outboxId, code: f.Code, senderFault: f.SenderFault });
        failed.push(chunk[Number(f.Id)]!.id);
      }
    } catch (err) {
      // The whole request failed (throttled, network): every entry of it is retried by the caller.
      logger.warn('SQS send failed', { queue, entries: chunk.length, error: (err as Error).name });
      failed.push(...chunk.map((e) => e.id));
    }
  }
  return failed;
};

export const resetQueueClient = (): void => sqs.reset();
