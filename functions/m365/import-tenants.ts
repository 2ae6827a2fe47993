import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { m365Api } from '../../shared/m365/m365.api';
import { importTenants } from '../../shared/m365/m365-tenants.service';

export const handler = apiHandler(m365Api['POST /v1/integrations/m365/tenants/import'], async (req) => ({
  status: 202,
  body: await importTenants(staffCaller(req), req.body.tenantIds),
}));
