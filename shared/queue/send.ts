/** Puts a JSON message on one of the queues declared in `shared/queues.ts`. */
import { queueUrlEnv, requireEnv } from '../env';
import { lazySdk } from '../lazy-sdk';
import type { QueueName } from '../queues';

// The endpoint comes from the SDK configuration, never from the queue URL's host (local queue URLs are not routable hosts).
const sqs = lazySdk(
  () => import('@aws-sdk/client-sqs'),
  (sdk) => new sdk.SQSClient({ useQueueUrlAsEndpoint: false }),
);

export const sendToQueue = async (queue: QueueName, message: unknown): Promise<void> => {
  const { sdk, client } = await sqs();
  await client.send(new sdk.SendMessageCommand({ QueueUrl: requireEnv(queueUrlEnv(queue)), MessageBody: JSON.stringify(message) }));
};

export const resetQueueClient = (): void => sqs.reset();
