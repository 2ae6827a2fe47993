/** Puts a JSON message on one of the queues declared in `shared/queues.ts`. */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueUrlEnv, requireEnv } from '../env';
import type { QueueName } from '../queues';

let client: SQSClient | undefined;
// The endpoint comes from the SDK configuration, never from the queue URL's host (local queue URLs are not routable hosts).
const sqs = () => (client ??= new SQSClient({ useQueueUrlAsEndpoint: false }));

export const sendToQueue = async (queue: QueueName, message: unknown): Promise<void> => {
  await sqs().send(new SendMessageCommand({ QueueUrl: requireEnv(queueUrlEnv(queue)), MessageBody: JSON.stringify(message) }));
};

export const resetQueueClient = (): void => {
  client?.destroy();
  client = undefined;
};
