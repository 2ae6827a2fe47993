import { apiHandler } from '../../shared/http/api-handler';
import { portalTicketsApi } from '../../shared/portal/portal-tickets.api';
import { listPortalTickets } from '../../shared/portal/portal-tickets.service';

export const handler = apiHandler(portalTicketsApi['GET /v1/portal/tickets'], async (req) => ({ status: 200, body: await listPortalTickets(req.caller, req.query) }));
