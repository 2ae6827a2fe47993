import { apiHandler } from '../../shared/http/api-handler';
import { companyApi } from '../../shared/companies/company.api';
import { searchCompanies } from '../../shared/companies/company.service';

export const handler = apiHandler(companyApi['GET /v1/companies'], async ({ query }) => ({
  status: 200,
  body: await searchCompanies(query.status, query.q, query.limit, query.cursor),
}));
