/**
 * Real queues (fauxqs) for integration tests that drive a worker by hand: every queue of
 * `shared/queues.ts` on a free port, this process's environment pointed at them, and a helper
 * that turns what a queue holds into the SQS event Lambda would deliver.
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { startSqs } from '../../infra/local/engines/sqs';
import { queueUrlEnv, resetEnvCache } from '../../shared/env';
import { resetQueueClient } from '../../shared/queue/send';
import { queues, type QueueName } from '../../shared/queues';

export const startQueues = async () => {
  const engine = await startSqs({ port: 0 });
  process.env.AWS_ENDPOINT_URL_SQS = engine.endpoint;
  for (const q of queues) process.env[queueUrlEnv(q.name)] = engine.queueUrls[q.name];
  resetEnvCache();
  resetQueueClient();
  const sqs = new SQSClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });

  const toEvent = (queue: string, messages: Message[]): SQSEvent => ({
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
        awsRegion: 'us-east-1',
      })),
  });

  /** Takes what `queue` (or its dead-letter queue) holds (deleting it) as one SQS event. */
  const take = async (queue: QueueName | `${QueueName}-dlq`): Promise<SQSEvent> => {
    const QueueUrl = engine.queueUrls[queue]!;
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }));
    const messages = got.Messages ?? [];
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
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }));
    const messages = got.Messages ?? [];
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
    stop: async () => {
      sqs.destroy();
      await engine.stop();
    },
  };
};
