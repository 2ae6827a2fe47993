import { apiHandler } from '../../shared/http/api-handler';
import { m365Api } from '../../shared/m365/m365.api';
import { completeConsent } from '../../shared/m365/m365.service';

export const handler = apiHandler(m365Api['GET /v1/public/m365/callback'], async ({ query }) => ({ status: 200, body: await completeConsent(query) }));
