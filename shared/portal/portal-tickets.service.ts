/**
 * The client portal's tickets, comments and invoices. Every call first passes `portalContext`
 * (contact active, company not archived, read on every request); the company and the contact
 * are always the token's, and anything of another company reads as `404`.
 */
import { addComment, contactAuthor } from '../comments/comment.service';
import { getTicketWithComments } from '../comments/comment.repository';
import type { Comment } from '../comments/comment.schema';
import type { Caller } from '../http/caller';
import { BadRequestError, ForbiddenError, NotFoundError } from '../http/errors';
import type { IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { listRecords } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { createRecord, toResource } from '../records/record.service';
import type { PortalTicketInput } from './portal-tickets.api';
import { ownPortalSettings, portalContext, portalSettingsOf, withPortalContext } from './portal.service';

interface ListQuery {
  status?: string;
  limit: number;
  cursor?: string;
}

/** The MSP's routing of a ticket, never shown to the client. */
const PORTAL_HIDDEN_TICKET_FIELDS = ['assigneeId', 'queue'];
const forClient = (kind: typeof recordKinds.ticket | typeof recordKinds.invoice, r: Record<string, unknown>) => {
  const resource: Record<string, unknown> = toResource(kind, r as never);
  if (kind === recordKinds.ticket) for (const f of PORTAL_HIDDEN_TICKET_FIELDS) delete resource[f];
  return resource;
};

const companyPage = async (kind: typeof recordKinds.ticket | typeof recordKinds.invoice, companyId: string, q: ListQuery, hide: string[] = []): Promise<Page<unknown>> => {
  const page = await listRecords(kind, { companyId }, q.status, q.limit, q.cursor, hide);
  return { items: page.items.map((r) => forClient(kind, r)), nextCursor: page.nextCursor };
};

export const portalTicketLocation = (id: string) => `/v1/portal/tickets/${id}`;

export const listPortalTickets = async (caller: Caller | undefined, q: ListQuery) =>
  (await withPortalContext(caller, (companyId) => companyPage(recordKinds.ticket, companyId, q))).value;

/** A ticket of the contact's company, raised by the contact; counters move in the same transaction (generic record service). */
export const createPortalTicket = async (caller: Caller | undefined, input: PortalTicketInput, idempotency?: IdempotencyContext) => {
  const { contact, company } = await portalContext(caller);
  const allowed = (await portalSettingsOf(company)).ticketCategories;
  if (input.category != null && allowed && !allowed.some((c) => c.toLowerCase() === input.category!.toLowerCase())) {
    throw new BadRequestError('CATEGORY_NOT_ALLOWED', `The category "${input.category}" is not one your IT provider offers here.`, [
      { path: '/category', message: `Must be one of: ${allowed.join(', ')}` },
    ]);
  }
  // The allowed list's own spelling is kept; absent, the category is null (never the auto-assignment's).
  const category = input.category == null ? null : (allowed?.find((c) => c.toLowerCase() === input.category!.toLowerCase()) ?? input.category);
  return createRecord(
    recordKinds.ticket,
    { companyId: company.id, contactId: contact.id, subject: input.subject, description: input.description ?? null, priority: input.priority, status: 'open', category },
    idempotency,
    {},
    (resource) => forClient(recordKinds.ticket, resource),
  );
};

export const getPortalTicket = async (caller: Caller | undefined, ticketId: string): Promise<Record<string, unknown> & { comments: Comment[] }> => {
  const { company, value: found } = await withPortalContext(caller, () => getTicketWithComments(ticketId, true));
  if (!found || found.ticket.companyId !== company.id) throw new NotFoundError('ticket');
  const ticket = forClient(recordKinds.ticket, found.ticket);
  return { ...ticket, comments: found.comments };
};

export const addPortalComment = async (caller: Caller | undefined, ticketId: string, body: string, idempotency?: IdempotencyContext): Promise<Comment> => {
  const { contact, company } = await portalContext(caller);
  return addComment(ticketId, { body, visibility: 'public', author: contactAuthor(contact) }, { companyId: company.id, idempotency });
};

// Drafts are the MSP's work in progress, not the client's business yet.
export const listPortalInvoices = async (caller: Caller | undefined, q: ListQuery) => {
  const { company, value } = await withPortalContext(caller, (companyId) => companyPage(recordKinds.invoice, companyId, q, ['draft']));
  if (!ownPortalSettings(company).showInvoices) throw new ForbiddenError('PORTAL_SECTION_HIDDEN', 'Not shown', 'Your IT provider does not show invoices in the portal.');
  return value;
};
