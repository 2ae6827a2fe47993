import { apiHandler } from '../../shared/http/api-handler';
import { webhookApi } from '../../shared/webhooks/webhook.api';
import { deleteWebhook } from '../../shared/webhooks/webhook.service';

export const handler = apiHandler(webhookApi['DELETE /v1/webhooks/{id}'], async (req) => {
  await deleteWebhook(req.params.id, req.ifMatch);
  return { status: 204 };
});
