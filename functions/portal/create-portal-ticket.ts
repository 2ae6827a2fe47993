import { apiHandler } from '../../shared/http/api-handler';
import { portalTicketsApi, type PortalTicketInput } from '../../shared/portal/portal-tickets.api';
import { createPortalTicket, portalTicketLocation } from '../../shared/portal/portal-tickets.service';

export const handler = apiHandler(portalTicketsApi['POST /v1/portal/tickets'], async (req) => {
  const ticket = await createPortalTicket(req.caller, req.body as PortalTicketInput, req.idempotency);
  return { status: 201, body: ticket, etag: ticket.version as number, location: portalTicketLocation(ticket.id as string) };
});
