import { apiHandler } from '../../shared/http/api-handler';
import { portalTicketsApi } from '../../shared/portal/portal-tickets.api';
import { listPortalInvoices } from '../../shared/portal/portal-tickets.service';

export const handler = apiHandler(portalTicketsApi['GET /v1/portal/invoices'], async (req) => ({ status: 200, body: await listPortalInvoices(req.caller, req.query) }));
