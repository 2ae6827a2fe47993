import { complianceApi } from '../../shared/compliance/compliance.api';
import { archiveComplianceOrganization } from '../../shared/compliance/compliance.service';
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';

export const handler = apiHandler(complianceApi['POST /v1/companies/{id}/compliance-organization/archive'], async (req) => ({
  status: 200,
  body: await archiveComplianceOrganization(staffCaller(req), req.params.id),
}));
