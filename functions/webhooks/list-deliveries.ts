import { apiHandler } from '../../shared/http/api-handler';
import { webhookApi } from '../../shared/webhooks/webhook.api';
import { webhookDeliveries } from '../../shared/webhooks/webhook.service';

export const handler = apiHandler(webhookApi['GET /v1/webhooks/{id}/deliveries'], async ({ params, query }) => ({ status: 200, body: await webhookDeliveries(params.id, query.limit, query.cursor) }));
