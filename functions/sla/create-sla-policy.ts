import { apiHandler } from '../../shared/http/api-handler';
import { slaPolicyApi } from '../../shared/sla/sla.api';
import { createSlaPolicy, slaPolicyLocation } from '../../shared/sla/sla-policy.service';

export const handler = apiHandler(slaPolicyApi['POST /v1/sla-policies'], async (req) => {
  const policy = await createSlaPolicy(req.body, req.idempotency);
  return { status: 201, body: policy, etag: policy.version, location: slaPolicyLocation(policy.id) };
});
