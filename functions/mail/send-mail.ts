import { mailMessageSchema } from '../../shared/mail/mail.schema';
import { deliverMail } from '../../shared/mail/mail.service';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(mailMessageSchema, async (mail) => {
  await deliverMail(mail);
});
