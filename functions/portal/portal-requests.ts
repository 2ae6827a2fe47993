/** Worker of `portal-requests`: carries out public portal requests (password resets) the routes only recorded. */
import { logger } from '../../shared/logger';
import { portalRequestSchema } from '../../shared/portal/portal.schema';
import { carryOutPasswordReset } from '../../shared/portal/portal.service';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(portalRequestSchema, async (request) => {
  const outcome = await carryOutPasswordReset(request.email);
  // The address is not logged: the outcome alone says whether a mail went out.
  logger.info('Password-reset request carried out', { outcome });
});
