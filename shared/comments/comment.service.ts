/**
 * Ticket comments, for staff and the portal alike: a comment is written in one transaction with
 * a check that its ticket exists in the company it was read in (from the portal: the caller's
 * company), and that this company is active: an archived company's tickets take no comments.
 */
import { ulid } from 'ulid';
import { companyActive, companyArchived } from '../companies/company.repository';
import type { Contact } from '../contacts/contact.schema';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { NotFoundError, StaleReadError } from '../http/errors';
import { retryOnStaleRead } from '../db/optimistic';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import { getRecord } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { changeItems } from '../records/record.service';
import { responded, type TicketSla } from '../sla/ticket-sla';
import { ticketEvent } from '../notifications/ticket-events';
import { listComments, putComment, ticketGuard } from './comment.repository';
import type { Comment, CommentAuthor, CommentVisibility } from './comment.schema';

export const staffAuthor = (caller: Caller): CommentAuthor => ({ kind: 'staff', id: caller.sub, name: caller.email ?? caller.sub });
export const contactAuthor = (contact: Pick<Contact, 'id' | 'firstName' | 'lastName'>): CommentAuthor => ({
  kind: 'contact',
  id: contact.id,
  name: `${contact.firstName} ${contact.lastName}`.trim(),
});

/**
 * Adds a comment to a ticket. `companyId` (portal) limits it to that company's tickets: any
 * other ticket is `404`, exactly like an unknown one. Staff comment on any ticket, once it is
 * read: the comment commits only while the ticket is still in that company and it is active.
 */
export const addComment = async (
  ticketId: string,
  input: { body: string; visibility: CommentVisibility; author: CommentAuthor },
  opts: { companyId?: string; idempotency?: IdempotencyContext } = {},
): Promise<Comment> => {
  const comment: Comment = { id: ulid(), body: input.body, visibility: input.visibility, author: input.author, createdAt: new Date().toISOString() };
  // The first public staff comment is the ticket's first response (shared/sla/ticket-sla.ts).
  const mayRespond = input.author.kind === 'staff' && input.visibility === 'public';
  await retryOnStaleRead(async () => {
    const ticket = opts.companyId && !mayRespond ? undefined : await readTicket(ticketId);
    const companyId = opts.companyId ?? ticket!.companyId ?? null;
    const sla = ticket?.sla as TicketSla | null | undefined;
    const response = mayRespond && ticket && ticket.companyId === companyId && sla && !sla.firstResponseAt;
    await transact([
      ...recordIdempotent(opts.idempotency, { status: 201, body: comment }),
      ...(response
        ? // The ticket at the version read, with its company's guard: a change since is a retry, an archive a 409.
          changeItems(recordKinds.ticket, ticket, { ...ticket, sla: responded(sla, comment.createdAt), version: ticket.version + 1, updatedAt: comment.createdAt }, ['sla'], () => new StaleReadError())
        : [
            ticketGuard(ticketId, companyId, opts.companyId ? 'not-found' : 'retry'),
            // Gone only while a permanent delete's cleanup runs: the ticket stays as it is until then.
            ...(companyId ? [companyActive(companyId, companyArchived)] : []),
          ]),
      putComment(ticketId, comment),
      // A public staff reply is news for the client (its notification rules decide who hears it).
      ...(mayRespond && ticket?.companyId ? [ticketEvent('ticket.updated', ticket, comment.createdAt, 'New reply from your IT provider')] : []),
    ]);
  });
  return comment;
};

const readTicket = async (ticketId: string) => {
  const ticket = await getRecord(recordKinds.ticket, ticketId, true);
  if (!ticket) throw new NotFoundError('ticket');
  return ticket;
};

/** Staff: every comment of a ticket, public and internal, newest first. */
export const ticketComments = (ticketId: string, limit: number, cursor?: string): Promise<Page<Comment>> => listComments(ticketId, limit, cursor);
