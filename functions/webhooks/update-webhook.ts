import { apiHandler } from '../../shared/http/api-handler';
import { webhookApi } from '../../shared/webhooks/webhook.api';
import { updateWebhook } from '../../shared/webhooks/webhook.service';

export const handler = apiHandler(webhookApi['PATCH /v1/webhooks/{id}'], async (req) => {
  const webhook = await updateWebhook(req.params.id, req.body, req.ifMatch);
  return { status: 200, body: webhook, etag: webhook.version };
});
