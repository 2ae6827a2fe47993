import { apiHandler } from '../../shared/http/api-handler';
import { webhookApi } from '../../shared/webhooks/webhook.api';
import { toWebhook } from '../../shared/webhooks/webhook.repository';
import { findWebhook } from '../../shared/webhooks/webhook.service';

export const handler = apiHandler(webhookApi['GET /v1/webhooks/{id}'], async ({ params }) => {
  const webhook = toWebhook(await findWebhook(params.id));
  return { status: 200, body: webhook, etag: webhook.version };
});
