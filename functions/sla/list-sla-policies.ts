import { apiHandler } from '../../shared/http/api-handler';
import { slaPolicyApi } from '../../shared/sla/sla.api';
import { slaPolicies } from '../../shared/sla/sla-policy.service';

export const handler = apiHandler(slaPolicyApi['GET /v1/sla-policies'], async ({ query }) => ({ status: 200, body: await slaPolicies(query.limit, query.cursor) }));
