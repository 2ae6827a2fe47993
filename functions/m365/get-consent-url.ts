import { apiHandler } from '../../shared/http/api-handler';
import { m365Api } from '../../shared/m365/m365.api';
import { consentUrl } from '../../shared/m365/m365.service';

export const handler = apiHandler(m365Api['GET /v1/integrations/m365/consent-url'], async ({ query }) => ({ status: 200, body: { url: await consentUrl(query.companyId) } }));
