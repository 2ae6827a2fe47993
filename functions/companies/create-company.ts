import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { companyApi } from '../../shared/companies/company.api';
import { companyLocation, createCompany } from '../../shared/companies/company.service';

export const handler = apiHandler(companyApi['POST /v1/companies'], async (req) => {
  const company = await createCompany(staffCaller(req), req.body, req.idempotency);
  return { status: 201, body: company, etag: company.version, location: companyLocation(company.id) };
});
