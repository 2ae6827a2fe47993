/**
 * Ticket comments, for staff and the portal alike: a comment is written in one transaction with
 * a check that its ticket exists (and, from the portal, belongs to the caller's company).
 */
import { ulid } from 'ulid';
import type { Contact } from '../contacts/contact.schema';
import { transact } from '../db/transact';
import type { Caller } from '../http/caller';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
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
 * other ticket is `404`, exactly like an unknown one.
 */
export const addComment = async (
  ticketId: string,
  input: { body: string; visibility: CommentVisibility; author: CommentAuthor },
  opts: { companyId?: string; idempotency?: IdempotencyContext } = {},
): Promise<Comment> => {
  const comment: Comment = { id: ulid(), body: input.body, visibility: input.visibility, author: input.author, createdAt: new Date().toISOString() };
  await transact([...recordIdempotent(opts.idempotency, { status: 201, body: comment }), ticketGuard(ticketId, opts.companyId), putComment(ticketId, comment)]);
  return comment;
};

/** Staff: every comment of a ticket, public and internal, newest first. */
export const ticketComments = (ticketId: string, limit: number, cursor?: string): Promise<Page<Comment>> => listComments(ticketId, limit, cursor);
