import { apiHandler } from '../../shared/http/api-handler';
import { slaPolicyApi } from '../../shared/sla/sla.api';
import { deleteSlaPolicy } from '../../shared/sla/sla-policy.service';

export const handler = apiHandler(slaPolicyApi['DELETE /v1/sla-policies/{id}'], async (req) => {
  await deleteSlaPolicy(req.params.id, req.ifMatch);
  return { status: 204 };
});
