import { apiHandler } from '../../shared/http/api-handler';
import { webhookApi } from '../../shared/webhooks/webhook.api';
import { webhooks } from '../../shared/webhooks/webhook.service';

export const handler = apiHandler(webhookApi['GET /v1/webhooks'], async ({ query }) => ({ status: 200, body: await webhooks(query.limit, query.cursor) }));
