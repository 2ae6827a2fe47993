import { companyLifecycleApi } from '../../shared/companies/company-lifecycle.api';
import { deleteCompany } from '../../shared/companies/company-lifecycle.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(companyLifecycleApi['DELETE /v1/companies/{id}'], async (req) => ({
  status: 202,
  body: await deleteCompany(staffCaller(req), req.params.id, req.body.confirmName),
}));
