/**
 * Real queues (fauxqs) for integration tests that drive a worker by hand: every queue of
 * `shared/queues.ts` on a free port, this process's environment pointed at them, the outbox
 * relay reading the test table's stream (infra/local/streams.ts, as `npm start` runs it), and a
 * helper that turns what a queue holds into the SQS event Lambda would deliver.
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { startSqs } from '../../infra/local/engines/sqs';
import { startStreamReaders } from '../../infra/local/streams';
import { toRecord } from '../../infra/local/workers';
import { ENV, queueUrlEnv, requireEnv, resetEnvCache } from '../../shared/env';
import { resetQueueClient } from '../../shared/queue/send';
import { queues, type QueueName } from '../../shared/queues';

/**
 * `relay: false` leaves the table's stream unread (a test that runs its own relay). Only the
 * outbox relay reads it unless `consumers` names more (the webhook capture reads the table in
 * the background, which a test counting its own DynamoDB requests must not see).
 */
export const startQueues = async (opts: { relay?: boolean; consumers?: readonly string[] } = {}) => {
  const engine = await startSqs({ port: 0 });
  process.env.AWS_ENDPOINT_URL_SQS = engine.endpoint;
  for (const q of queues) process.env[queueUrlEnv(q.name)] = engine.queueUrls[q.name];
  resetEnvCache();
  resetQueueClient();
  // Started after the table (startDynamo): what the tests commit reaches the queues as on AWS.
  const dynamodb = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!dynamodb) throw new Error('Start DynamoDB (test/support/dynamo.ts) before the queues: the outbox relay reads its stream');
  const streams = opts.relay === false ? undefined : startStreamReaders({ endpoint: dynamodb, region: 'us-east-1', tableName: requireEnv(ENV.TABLE_NAME), intervalMs: 100, consumers: opts.consumers ?? ['outbox-relay'], log: (line) => console.warn(line) });
  const sqs = new SQSClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });

  const toEvent = (queue: string, messages: Message[]): SQSEvent => ({ Records: messages.map((m) => toRecord(m, `arn:aws:sqs:us-east-1:000000000000:${queue}`, 'us-east-1')) });
  const receive = async (QueueUrl: string) => {
    // Everything committed so far has been relayed from the outbox first.
    await streams?.flush();
    return (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }))).Messages ?? [];
  };

  /** Takes what `queue` (or its dead-letter queue) holds (deleting it) as one SQS event. */
  const take = async (queue: QueueName | `${QueueName}-dlq`): Promise<SQSEvent> => {
    const QueueUrl = engine.queueUrls[queue]!;
    const messages = await receive(QueueUrl);
    for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
    return toEvent(queue, messages);
  };

  /**
   * One delivery as Lambda's event source makes it: what the queue holds goes to `handler`
   * without being deleted first; records it reports (or all, if it throws) stay, visible again at
   * once instead of after the visibility timeout, so their receive count climbs towards the
   * dead-letter queue. Returns how many records were delivered.
   */
  const deliver = async (queue: QueueName | `${QueueName}-dlq`, handler: (event: SQSEvent) => Promise<unknown>): Promise<number> => {
    const QueueUrl = engine.queueUrls[queue]!;
    const messages = await receive(QueueUrl);
    if (!messages.length) return 0;
    let failed: Set<string>;
    try {
      const out = (await handler(toEvent(queue, messages))) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
      failed = new Set((out?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      failed = new Set(messages.map((m) => m.MessageId!));
    }
    for (const m of messages) {
      if (failed.has(m.MessageId!)) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
      else await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
    return messages.length;
  };

  /** Puts a message on a queue (or a dead-letter queue) directly. */
  const send = async (queue: QueueName | `${QueueName}-dlq`, body: unknown) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: engine.queueUrls[queue]!, MessageBody: JSON.stringify(body) }));
  };

  return {
    take,
    deliver,
    send,
    endpoint: engine.endpoint,
    urls: engine.queueUrls,
    /** Waits until the relay has queued everything committed so far. */
    flush: async () => streams?.flush(),
    stop: async () => {
      await streams?.stop();
      sqs.destroy();
      await engine.stop();
    },
  };
};
