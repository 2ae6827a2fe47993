/** Client portal: set-up / reset bodies and the `me` resource. */
import * as z from 'zod';
import { id } from '../common/schemas';
import { email } from '../contacts/contact.schema';
import { contactSchema } from '../contacts/contact.schema';

export const setupBody = z
  .strictObject({
    token: z.string().min(20).max(200),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'PortalSetup' });

export const setupResult = z.object({ email: z.string(), portalStatus: z.literal('active') }).meta({ id: 'PortalSetupResult' });

export const publicResetBody = z.strictObject({ email }).meta({ id: 'PortalPasswordResetRequest' });

export const meSchema = z
  .object({
    contact: contactSchema,
    company: z.object({ id, name: z.string() }),
    portal: z
      .object({ ticketCategories: z.array(z.string()).nullable(), showInvoices: z.boolean(), showKnowledgeBase: z.boolean() })
      .meta({ description: "What the company's settings let the portal show: the categories a ticket may take (null: any), and whether invoices and the knowledge base show" }),
  })
  .meta({ id: 'PortalMe' });

/** A message on the `portal-requests` queue: public requests carried out after the route answered. */
export const portalRequestSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('password-reset'), email })]);
export type PortalRequest = z.infer<typeof portalRequestSchema>;

export const accepted = z.object({ status: z.literal('accepted') }).meta({ id: 'Accepted' });
