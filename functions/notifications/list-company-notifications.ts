import { apiHandler } from '../../shared/http/api-handler';
import { notificationApi } from '../../shared/notifications/notification.api';
import { listNotifications } from '../../shared/notifications/notification.repository';

export const handler = apiHandler(notificationApi['GET /v1/companies/{id}/notifications'], async ({ params, query }) => ({
  status: 200,
  body: await listNotifications(params.id, query.limit, query.cursor),
}));
