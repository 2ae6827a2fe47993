import { apiHandler } from '../../shared/http/api-handler';
import { portalApi } from '../../shared/portal/portal.api';
import { me, portalContext } from '../../shared/portal/portal.service';

export const handler = apiHandler(portalApi['GET /v1/portal/me'], async (req) => ({ status: 200, body: await me(await portalContext(req.caller)) }));
