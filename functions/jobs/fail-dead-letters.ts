/** Consumer of the job queues' dead-letter queues: each message marks its job `failed` with a reason. */
import * as z from 'zod';
import { failDeadLetter } from '../../shared/jobs/dead-letters';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(z.unknown(), async (body) => {
  await failDeadLetter(body);
});
