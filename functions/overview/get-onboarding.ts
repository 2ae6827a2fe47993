import { apiHandler } from '../../shared/http/api-handler';
import { overviewApi } from '../../shared/overview/overview.api';
import { companyOnboarding } from '../../shared/overview/overview.service';

export const handler = apiHandler(overviewApi['GET /v1/companies/{id}/onboarding'], async ({ params }) => ({ status: 200, body: await companyOnboarding(params.id) }));
