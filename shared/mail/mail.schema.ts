/** An outgoing email as it travels on the `mail` queue. */
import * as z from 'zod';
import { id, toOneLine } from '../common/schemas';

export const mailMessageSchema = z.strictObject({
  /** ULID chosen by the sender; the worker sends each id once. */
  id,
  to: z.array(z.email()).min(1).max(50),
  // Built from stored data (a company's name) that may predate today's input rules: it is made
  // one line here, where the worker reads it, so no CR or LF ever reaches the header SES writes.
  subject: z.string().transform(toOneLine).pipe(z.string().min(1).max(998)),
  text: z.string().min(1),
  html: z.string().optional(),
  /** The client company the mail is to (its health's communications component counts what is sent and what bounces). */
  companyId: id.optional(),
});
export type MailMessage = z.output<typeof mailMessageSchema>;
