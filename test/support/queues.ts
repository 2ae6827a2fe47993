/**
 * Real queues (fauxqs) for integration tests that drive a worker by hand: every queue of
 * `shared/queues.ts` on a free port, this process's environment pointed at them, the outbox
 * relay reading the test table's stream (infra/local/streams.ts, as `npm start` runs it), and a
 * helper that turns what a queue holds into the SQS event Lambda would deliver.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { startSqs } from '../../infra/local/engines/sqs';
import { startStreamReaders } from '../../infra/local/streams';
import { toRecord } from '../../infra/local/workers';
import { ENV, queueUrlEnv, requireEnv, resetEnvCache } from '../../shared/env';
import { resetQueueClient } from '../../shared/queue/send';
import { queues, type QueueName } from '../../shared/queues';

/** `relay: false` leaves the table's stream unread (a test that runs its own relay). */
export const startQueues = async (opts: { relay?: boolean } = {}) => {
  const engine = await startSqs({ port: 0 });
  process.env.AWS_ENDPOINT_URL_SQS = engine.endpoint;
  for (const q of queues) process.env[queueUrlEnv(q.name)] = engine.queueUrls[q.name];
  resetEnvCache();
  resetQueueClient();
  // Started after the table (startDynamo): what the tests commit reaches the queues as on AWS.
  const dynamodb = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!dynamodb) throw new Error('Start DynamoDB (test/support/dynamo.ts) before the queues: the outbox relay reads its stream');
  const streams = opts.relay === false ? undefined : startStreamReaders({ endpoint: dynamodb, region: 'us-east-1', tableName: requireEnv(ENV.TABLE_NAME), intervalMs: 100, log: (line) => console.warn(line) });
  const sqs = new SQSClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });

  /** Takes what `queue` holds (deleting it) as one SQS event, once the relay has queued everything committed so far. */
  const take = async (queue: QueueName): Promise<SQSEvent> => {
    await streams?.flush();
    const QueueUrl = engine.queueUrls[queue]!;
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    const messages = got.Messages ?? [];
    for (const m of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }));
    return { Records: messages.map((m) => toRecord(m, `arn:aws:sqs:us-east-1:000000000000:${queue}`, 'us-east-1')) };
  };

  return {
    take,
    /** Waits until the relay has queued everything committed so far. */
    flush: async () => streams?.flush(),
    stop: async () => {
      await streams?.stop();
      sqs.destroy();
      await engine.stop();
    },
  };
};
