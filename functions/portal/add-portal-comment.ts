import { apiHandler } from '../../shared/http/api-handler';
import { portalTicketsApi } from '../../shared/portal/portal-tickets.api';
import { addPortalComment } from '../../shared/portal/portal-tickets.service';

export const handler = apiHandler(portalTicketsApi['POST /v1/portal/tickets/{id}/comments'], async (req) => ({
  status: 201,
  body: await addPortalComment(req.caller, req.params.id, req.body.body, req.idempotency),
}));
