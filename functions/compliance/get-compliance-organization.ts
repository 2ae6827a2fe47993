import { complianceApi } from '../../shared/compliance/compliance.api';
import { findComplianceOrganization } from '../../shared/compliance/compliance.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(complianceApi['GET /v1/companies/{id}/compliance-organization'], async ({ params }) => ({
  status: 200,
  body: await findComplianceOrganization(params.id),
}));
