/** `imports` worker: streams the stored CSV and imports it in batches, resumable from its checkpoint. */
import * as z from 'zod';
import { id } from '../../shared/common/schemas';
import { runImport } from '../../shared/imports/import.service';
import { logger } from '../../shared/logger';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(z.strictObject({ importId: id }), async ({ importId }, _record, context) => {
  const outcome = await runImport(importId, () => context.getRemainingTimeInMillis());
  logger.info('Import run', { importId, outcome });
});
