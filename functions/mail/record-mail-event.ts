/** Worker of `mail-events`: SES's bounce and complaint events (through SNS), counted once each on the client company the mail was to. */
import * as z from 'zod';
import { recordMailEvent, sesEventOf } from '../../shared/health/communications';
import { logger } from '../../shared/logger';
import { sqsWorker } from '../../shared/queue/worker';

const snsOrSesEvent = z.looseObject({}).transform(sesEventOf).pipe(z.looseObject({ mail: z.looseObject({ messageId: z.string().min(1) }) }));

export const handler = sqsWorker(snsOrSesEvent, async (event) => {
  const outcome = await recordMailEvent(event as never);
  logger.info('SES mail event', { outcome, sesMessageId: event.mail.messageId });
});
