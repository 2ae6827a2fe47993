/**
 * Client portal routes for tickets, comments and invoices. Everything is scoped to the signed-in
 * contact's company: another company's ticket is `404`, and `companyId` / `contactId` come from
 * the token's contact, never from the request (bodies are strict: unknown fields are `400`).
 */
import * as z from 'zod';
import { commentSchema, portalCommentBody } from '../comments/comment.schema';
import { idParams, pageOf, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { invoiceRoutes } from '../records/record.api';
import { recordKinds } from '../records/record.schema';

const ticketCreate = recordKinds.ticket.create.shape;

/** What a contact may set on a new ticket; the company, the contact and `status: open` are the server's. */
export const portalTicketBody = z
  .strictObject({ subject: ticketCreate.subject!, description: ticketCreate.description!, priority: ticketCreate.priority!, category: ticketCreate.category! })
  .meta({ id: 'CreatePortalTicket' });
export interface PortalTicketInput {
  subject: string;
  description?: string | null;
  priority: string;
  category?: string | null;
}

/** A ticket as the client sees it: the MSP's routing (`assigneeId`, `queue`) is internal (PORTAL_HIDDEN_TICKET_FIELDS). */
export const portalTicketBaseSchema = recordKinds.ticket.schema.omit({ assigneeId: true, queue: true }).meta({ id: 'ClientTicket' });
export const portalTicketSchema = portalTicketBaseSchema
  .extend({ comments: z.array(commentSchema).meta({ description: 'Public comments only, oldest first' }) })
  .meta({ id: 'PortalTicket' });
const portalTicketPageSchema = pageOf(portalTicketBaseSchema, 'ClientTicketPage');

// Status only: the SLA filters are the service desk's.
export const portalTicketListQuery = z.object({ status: recordKinds.ticket.filters.shape.status, ...pageQuery });
export const portalInvoiceListQuery = z.object({ ...recordKinds.invoice.filters.shape, ...pageQuery });

const PORTAL_REFUSALS = { 403: ['CONTACT_INACTIVE', 'PORTAL_PAUSED'] } as const;

export const portalTicketsApi = {
  'GET /v1/portal/tickets': {
    query: portalTicketListQuery,
    responses: { 200: { description: "The company's tickets, newest first", schema: portalTicketPageSchema } },
    errors: { 400: ['INVALID_CURSOR'], ...PORTAL_REFUSALS },
  },
  'POST /v1/portal/tickets': {
    body: portalTicketBody,
    responses: { 201: { description: 'The new ticket (`open`), of the contact\'s company, raised by the contact; `Location` names it', schema: portalTicketBaseSchema } },
    errors: { 400: ['CATEGORY_NOT_ALLOWED'], ...PORTAL_REFUSALS, 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/portal/tickets/{id}': {
    params: idParams,
    responses: { 200: { description: 'A ticket of the company with its public comments', schema: portalTicketSchema } },
    errors: { ...PORTAL_REFUSALS, 404: ['NOT_FOUND'] },
  },
  'POST /v1/portal/tickets/{id}/comments': {
    params: idParams,
    body: portalCommentBody,
    responses: { 201: { description: 'The comment (always `public`), written by the signed-in contact', schema: commentSchema } },
    errors: { ...PORTAL_REFUSALS, 404: ['NOT_FOUND'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/portal/invoices': {
    query: portalInvoiceListQuery,
    responses: { 200: { description: "The company's invoices with their balances, newest first", schema: invoiceRoutes.list.responses[200].schema } },
    errors: { 400: ['INVALID_CURSOR'], 403: [...PORTAL_REFUSALS[403], 'PORTAL_SECTION_HIDDEN'] },
  },
} as const satisfies Record<string, RequestSpec>;
