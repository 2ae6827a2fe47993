/**
 * Ticket comments: public ones are shown in the client portal, internal ones only to staff.
 * The author is who wrote it (a staff user or a portal contact), never something the body names.
 */
import * as z from 'zod';
import { id, isoTime, multiline, pageOf, pageQuery } from '../common/schemas';

export const COMMENT_VISIBILITIES = ['public', 'internal'] as const;
export type CommentVisibility = (typeof COMMENT_VISIBILITIES)[number];
export const AUTHOR_KINDS = ['staff', 'contact'] as const;

const author = z
  .object({
    kind: z.enum(AUTHOR_KINDS),
    id: z.string().meta({ description: "The staff user's `sub`, or the contact's id" }),
    name: z.string().meta({ description: "The staff user's email, or the contact's first and last name" }),
  })
  .meta({ id: 'CommentAuthor' });

export const commentSchema = z
  .object({
    id,
    body: z.string(),
    visibility: z.enum(COMMENT_VISIBILITIES).meta({ description: '`public`: shown in the client portal; `internal`: staff only, never shown there' }),
    author,
    createdAt: isoTime,
  })
  .meta({ id: 'Comment' });
export type Comment = z.infer<typeof commentSchema>;
export type CommentAuthor = Comment['author'];

// Bodies span lines; the shared rule still refuses NUL and the other control characters.
const commentBody = multiline(20_000).min(1, 'Required');

/** Staff: `visibility` defaults to `internal`, so nothing reaches the portal unless asked for. */
export const staffCommentBody = z
  .strictObject({ body: commentBody, visibility: z.enum(COMMENT_VISIBILITIES).default('internal') })
  .meta({ id: 'CreateComment' });

/** Portal: always public, written by the signed-in contact. */
export const portalCommentBody = z.strictObject({ body: commentBody }).meta({ id: 'CreatePortalComment' });

export const commentListQuery = z.object({ ...pageQuery });
export const commentPage = pageOf(commentSchema, 'CommentPage');
