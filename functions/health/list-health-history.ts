import { apiHandler } from '../../shared/http/api-handler';
import { healthApi } from '../../shared/health/health.api';
import { healthHistory } from '../../shared/health/health.service';

export const handler = apiHandler(healthApi['GET /v1/companies/{id}/health/history'], async ({ params, query }) => ({
  status: 200,
  body: await healthHistory(params.id, query.limit, query.cursor),
}));
