import { apiHandler } from '../../shared/http/api-handler';
import { overviewApi } from '../../shared/overview/overview.api';
import { companyOverview } from '../../shared/overview/overview.service';

export const handler = apiHandler(overviewApi['GET /v1/companies/{id}/overview'], async ({ params }) => ({ status: 200, body: await companyOverview(params.id) }));
