import { apiHandler } from '../../shared/http/api-handler';
import { slaPolicyApi } from '../../shared/sla/sla.api';
import { updateSlaPolicy } from '../../shared/sla/sla-policy.service';

export const handler = apiHandler(slaPolicyApi['PATCH /v1/sla-policies/{id}'], async (req) => {
  const policy = await updateSlaPolicy(req.params.id, req.body, req.ifMatch);
  return { status: 200, body: policy, etag: policy.version };
});
