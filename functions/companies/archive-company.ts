import { companyLifecycleApi } from '../../shared/companies/company-lifecycle.api';
import { archiveCompany } from '../../shared/companies/company-lifecycle.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(companyLifecycleApi['POST /v1/companies/{id}/archive'], async (req) => {
  const company = await archiveCompany(staffCaller(req), req.params.id, req.body?.reason);
  return { status: 200, body: company, etag: company.version };
});
