import { apiHandler } from '../../shared/http/api-handler';
import { m365Api } from '../../shared/m365/m365.api';
import { listTenants } from '../../shared/m365/m365-tenants.service';

export const handler = apiHandler(m365Api['GET /v1/integrations/m365/tenants'], async () => ({ status: 200, body: await listTenants() }));
