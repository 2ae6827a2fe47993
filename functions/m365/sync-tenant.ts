/** `m365-sync` worker: one company's sync job, or (from the daily schedule) a job for every linked active company. */
import { logger } from '../../shared/logger';
import { runSync } from '../../shared/m365/m365-sync';
import { m365SyncMessage } from '../../shared/m365/m365.schema';
import { syncAllLinked } from '../../shared/m365/m365.service';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(m365SyncMessage, async (message, _record, context) => {
  if (message.type === 'sync-all-linked') {
    logger.info('Scheduled Microsoft 365 sync', { queued: await syncAllLinked() });
    return;
  }
  const outcome = await runSync(message.jobId, () => context.getRemainingTimeInMillis());
  logger.info('Microsoft 365 sync run', { jobId: message.jobId, outcome });
});
