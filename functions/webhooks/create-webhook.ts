import { apiHandler } from '../../shared/http/api-handler';
import { webhookApi } from '../../shared/webhooks/webhook.api';
import { createWebhook, webhookLocation } from '../../shared/webhooks/webhook.service';

export const handler = apiHandler(webhookApi['POST /v1/webhooks'], async (req) => {
  const webhook = await createWebhook(req.body, req.idempotency);
  return { status: 201, body: webhook, etag: webhook.version, location: webhookLocation(webhook.id) };
});
