/** Worker of `webhooks`: one signed attempt of one delivery, recorded in its log; the next attempt queued or left due. */
import { sqsWorker } from '../../shared/queue/worker';
import { attemptDelivery } from '../../shared/webhooks/delivery';
import { attemptMessageSchema } from '../../shared/webhooks/webhook.schema';

export const handler = sqsWorker(attemptMessageSchema, async (message) => {
  await attemptDelivery(message);
});
