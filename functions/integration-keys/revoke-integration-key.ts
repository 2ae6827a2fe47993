import { apiHandler } from '../../shared/http/api-handler';
import { integrationKeyApi } from '../../shared/integration-keys/integration-key.api';
import { revokeIntegrationKey } from '../../shared/integration-keys/integration-key.service';

export const handler = apiHandler(integrationKeyApi['DELETE /v1/integration-keys/{id}'], async ({ params }) => {
  await revokeIntegrationKey(params.id);
  return { status: 204 };
});
