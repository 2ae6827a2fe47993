import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { integrationKeyApi } from '../../shared/integration-keys/integration-key.api';
import { createIntegrationKey } from '../../shared/integration-keys/integration-key.service';

export const handler = apiHandler(integrationKeyApi['POST /v1/integration-keys'], async (req) => {
  const key = await createIntegrationKey(req.body, staffCaller(req).sub, req.idempotency);
  return { status: 201, body: key, location: `/v1/integration-keys/${key.id}` };
});
