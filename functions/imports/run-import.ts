/** `imports` worker: streams the stored CSV and imports it in batches, resumable from its checkpoint. */
import { importMessage } from '../../shared/imports/import.schema';
import { runImport } from '../../shared/imports/import.service';
import { logger } from '../../shared/logger';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(importMessage, async ({ importId }, _record, context) => {
  const outcome = await runImport(importId, () => context.getRemainingTimeInMillis());
  logger.info('Import run', { importId, outcome });
});
