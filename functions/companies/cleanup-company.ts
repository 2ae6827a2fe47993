/** `company-cleanup` worker: unassigns and deletes what was tied to a permanently deleted company, resumably. */
import { cleanupMessage } from '../../shared/companies/company-cleanup.schema';
import { runCleanup } from '../../shared/companies/company-lifecycle.service';
import { logger } from '../../shared/logger';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(cleanupMessage, async ({ jobId, companyId }, _record, context) => {
  const outcome = await runCleanup(jobId, companyId, () => context.getRemainingTimeInMillis());
  logger.info('Company cleanup', { jobId, companyId, outcome });
});
