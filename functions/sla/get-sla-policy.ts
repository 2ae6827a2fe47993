import { apiHandler } from '../../shared/http/api-handler';
import { slaPolicyApi } from '../../shared/sla/sla.api';
import { findSlaPolicy } from '../../shared/sla/sla-policy.service';

export const handler = apiHandler(slaPolicyApi['GET /v1/sla-policies/{id}'], async ({ params }) => {
  const policy = await findSlaPolicy(params.id);
  return { status: 200, body: policy, etag: policy.version };
});
