import { apiHandler } from '../../shared/http/api-handler';
import { healthApi } from '../../shared/health/health.api';
import { companyHealth } from '../../shared/health/health.service';

export const handler = apiHandler(healthApi['GET /v1/companies/{id}/health'], async ({ params }) => ({ status: 200, body: await companyHealth(params.id) }));
