import { complianceApi } from '../../shared/compliance/compliance.api';
import { promoteCompany } from '../../shared/compliance/compliance.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(complianceApi['POST /v1/companies/{id}/compliance-organization'], async (req) => {
  const { org, created } = await promoteCompany(staffCaller(req), req.params.id);
  return { status: created ? 201 : 200, body: org };
});
