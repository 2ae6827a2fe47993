import { apiHandler } from '../../shared/http/api-handler';
import { portalApi } from '../../shared/portal/portal.api';
import { completeSetup } from '../../shared/portal/portal.service';

export const handler = apiHandler(portalApi['POST /v1/public/portal/setup'], async ({ body }) => ({
  status: 200,
  body: await completeSetup(body.token, body.password),
}));
