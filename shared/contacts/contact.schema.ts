/** Contact: request bodies, queries and the resource as API.md defines them. */
import * as z from 'zod';
import { type HasExactly, id, isoTime, pageOf, text, pageQuery, patchBody } from '../common/schemas';
import { externalId, externalIdsSchema } from '../crm/crm.schema';
import type { CONTACT_RESOURCE_FIELDS } from './contact.fields';

export const CONTACT_STATUSES = ['active', 'inactive'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];
export const PORTAL_STATUSES = ['none', 'pending', 'active'] as const;
export const CONTACT_SOURCES = ['manual', 'csv', 'm365'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

/** Emails are compared and stored lower-case, so uniqueness is case-insensitive. */
export const email = z.string().trim().toLowerCase().max(254).pipe(z.email('Must be an email address'));
const personName = text(100).min(1, 'Required');

const editable = {
  firstName: personName,
  lastName: personName,
  email,
  phone: text(50).nullable(),
  title: text(100).nullable(),
  companyId: id.nullable(),
};

export const createContactBody = z
  .strictObject({
    ...editable,
    phone: editable.phone.optional(),
    title: editable.title.optional(),
    companyId: editable.companyId.optional(),
    sendInvite: z.boolean().optional(),
  })
  .meta({ id: 'CreateContact' });
export type CreateContactInput = z.output<typeof createContactBody>;

/**
 * `PUT /v1/external/{system}/contacts/{externalId}`: the `POST` fields but `sendInvite`, and the
 * company by our id or by the same system's id; a field left out keeps its value.
 */
export const upsertExternalContactBody = createContactBody
  .omit({ sendInvite: true })
  .extend({
    companyExternalId: externalId.optional().meta({ description: "The company by the same system's id (it must have been upserted through `PUT /v1/external/{system}/companies/{externalId}`, else `400 UNKNOWN_COMPANY`); not with `companyId`" }),
  })
  .refine((b) => b.companyId === undefined || b.companyExternalId === undefined, { message: 'Send companyId or companyExternalId, not both', path: ['companyExternalId'] })
  .meta({ id: 'UpsertExternalContact' });
export type UpsertExternalContactInput = z.output<typeof upsertExternalContactBody>;

export const updateContactBody = patchBody(z.strictObject(editable))
  .meta({ id: 'UpdateContact' });
export type UpdateContactInput = z.output<typeof updateContactBody>;

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listContactsQuery = z
  .object({
    companyId: id.optional(),
    unassigned: flag.optional(),
    status: z.enum(CONTACT_STATUSES).optional(),
    q: z.string().trim().min(1).max(200).optional(),
    ...pageQuery,
  })
  .refine((q) => !(q.companyId && q.unassigned), { message: 'Use companyId or unassigned=true, not both', path: ['unassigned'] });

export const listCompanyContactsQuery = z.object({ status: z.enum(CONTACT_STATUSES).optional(), q: z.string().trim().min(1).max(200).optional(), ...pageQuery });

export const portalSchema = z.object({
  status: z.enum(PORTAL_STATUSES).meta({ description: '`pending` is "Pending Setup": invited, no password yet' }),
  invitedAt: isoTime.nullable(),
  activatedAt: isoTime.nullable(),
});

export const contactSchema = z
  .object({
    id,
    companyId: id.nullable(),
    firstName: z.string(),
    lastName: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    title: z.string().nullable(),
    status: z.enum(CONTACT_STATUSES),
    portal: portalSchema,
    counts: z.object({ tickets: z.number().int(), assets: z.number().int() }),
    source: z.enum(CONTACT_SOURCES),
    externalId: z.string().nullable().meta({ description: 'The Microsoft 365 user it was synced from (`source: m365`)' }),
    externalIds: externalIdsSchema,
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Contact' });
export type Contact = z.output<typeof contactSchema>;
/** Compiles only while `contact.fields.ts` lists exactly the schema's fields (the repository maps items with that list). */
export const contactFieldsListed: HasExactly<Contact, (typeof CONTACT_RESOURCE_FIELDS)[number]> = true;

export const contactPageSchema = pageOf(contactSchema, 'ContactPage');

export const primaryContactBody = z.strictObject({ contactId: id }).meta({ id: 'SetPrimaryContact' });

/** Fields a create or update may set (audit and diff order). */
export const CONTACT_FIELDS = Object.keys(editable) as (keyof typeof editable)[];
