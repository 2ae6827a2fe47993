/** Worker of `events`: mails each domain event to the recipients its company's notification rules name, once each. */
import { domainEventSchema } from '../../shared/notifications/notification.schema';
import { notifyEvent } from '../../shared/notifications/notifier';
import { sqsWorker } from '../../shared/queue/worker';

export const handler = sqsWorker(domainEventSchema, async (event) => {
  await notifyEvent(event);
});
