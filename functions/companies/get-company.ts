import { apiHandler } from '../../shared/http/api-handler';
import { companyApi } from '../../shared/companies/company.api';
import { findCompany } from '../../shared/companies/company.service';

export const handler = apiHandler(companyApi['GET /v1/companies/{id}'], async (req) => {
  const company = await findCompany(req.params.id);
  return { status: 200, body: company, etag: company.version };
});
