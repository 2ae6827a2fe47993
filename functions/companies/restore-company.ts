import { companyLifecycleApi } from '../../shared/companies/company-lifecycle.api';
import { restoreCompany } from '../../shared/companies/company-lifecycle.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(companyLifecycleApi['POST /v1/companies/{id}/restore'], async (req) => {
  const company = await restoreCompany(staffCaller(req), req.params.id);
  return { status: 200, body: company, etag: company.version };
});
