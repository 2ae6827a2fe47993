import { apiHandler } from '../../shared/http/api-handler';
import { portalTicketsApi } from '../../shared/portal/portal-tickets.api';
import { getPortalTicket } from '../../shared/portal/portal-tickets.service';

export const handler = apiHandler(portalTicketsApi['GET /v1/portal/tickets/{id}'], async (req) => {
  const ticket = await getPortalTicket(req.caller, req.params.id);
  return { status: 200, body: ticket, etag: ticket.version as number };
});
