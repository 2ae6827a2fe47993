/** `billing` worker: runs (or resumes) a billing run, starts the day's scheduled run, stamps billed time entries with their invoice. */
import { billingMessage } from '../../shared/billing-runs/billing-run.schema';
import { runBilling, stampBilledEntries, startScheduledRun } from '../../shared/billing-runs/billing-run.service';
import { logger } from '../../shared/logger';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(billingMessage, async (message, _record, context) => {
  if (message.type === 'scheduled') {
    const runId = await startScheduledRun();
    logger.info('Scheduled billing run', { runId: runId ?? 'already started today' });
  } else if (message.type === 'stamp') {
    await stampBilledEntries(message.invoiceId, message.timeEntryIds);
  } else {
    const outcome = await runBilling(message.runId, () => context.getRemainingTimeInMillis());
    logger.info('Billing run', { runId: message.runId, outcome });
  }
});
