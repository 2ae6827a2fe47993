/**
 * Client settings (API.md v1.1 "Client settings"): the PUT body and the resource. A PUT
 * replaces the settings whole: a field left out takes its default (no override, no rule).
 * Each company's settings live on its company item (shared/settings/client-settings.ts), so the
 * company's version is theirs too, and `billingContactId` and `billingRates.hourlyRate` are the
 * company's own `billingContactId` and `hourlyRate`, not copies of them.
 */
import * as z from 'zod';
import { amountString } from '../billing/contract.schema';
import { id, isoTime, text } from '../common/schemas';
import { hoursBody, hoursSchema } from '../sla/sla.schema';
import { NOTIFY_AUDIENCES, NOTIFICATION_EVENTS } from './client-settings';

export const MAX_CATEGORIES = 100;
export const MAX_NOTIFICATION_RULES = 50;
export const MAX_RULE_CONTACTS = 50;

const category = text(100).min(1, 'Required');
const categories = z
  .array(category)
  .max(MAX_CATEGORIES)
  .refine((list) => new Set(list.map((c) => c.toLowerCase())).size === list.length, 'Categories must be unique (ignoring case)');

const portal = z.strictObject({
  ticketCategories: categories
    .nullable()
    .default(null)
    .meta({ description: "The categories a portal ticket may take (`400 CATEGORY_NOT_ALLOWED` otherwise); null: the MSP's categories (`/v1/settings`), or any when it has none" }),
  showInvoices: z.boolean().default(true).meta({ description: 'The portal shows invoices (`GET /v1/portal/invoices`; otherwise `403 PORTAL_SECTION_HIDDEN`)' }),
  showKnowledgeBase: z.boolean().default(true).meta({ description: 'The portal shows the knowledge base (told to the portal in `GET /v1/portal/me`)' }),
});

const notify = z.union([z.enum(NOTIFY_AUDIENCES), z.strictObject({ contactIds: z.array(id).min(1).max(MAX_RULE_CONTACTS) })], {
  error: 'Must be "primary", "billing", "all" or { "contactIds": [ids] }',
});

const rule = z.strictObject({ event: z.enum(NOTIFICATION_EVENTS), notify });

export const clientSettingsBody = z
  .strictObject({
    slaPolicyId: id.nullable().default(null).meta({ description: 'The SLA policy of its tickets; null: the default policy' }),
    businessHours: hoursBody.nullable().default(null).meta({ description: "Overrides the policy's hours (its time zone and holidays stay); \"24x7\" for round-the-clock clients" }),
    portal: portal.default({ ticketCategories: null, showInvoices: true, showKnowledgeBase: true }),
    notificationRules: z.array(rule).max(MAX_NOTIFICATION_RULES).default([]),
    billingRates: z
      .strictObject({ hourlyRate: amountString.nullable(), afterHoursRate: amountString.nullable() })
      .nullable()
      .default(null)
      .meta({ description: "`hourlyRate` is the company's hourly rate (billed time without a contract rate); `afterHoursRate` is what billing runs bill time entries flagged `afterHours` at, apart from the contract's included hours (null: after-hours time is ordinary time)" }),
    autoAssignment: z
      .strictObject({ queue: text(100).nullable(), technicianId: text(128).nullable().meta({ description: 'A staff user (`GET /v1/staff`), else `400 UNKNOWN_STAFF_USER`' }) })
      .nullable()
      .default(null)
      .meta({ description: 'New tickets sent without a queue or assignee (staff, portal, inbound) take these' }),
    billingContactId: id.nullable().default(null).meta({ description: "One of the company's contacts: invoices go to it instead of the primary contact" }),
  })
  .meta({ id: 'ClientSettingsInput' });
export type ClientSettingsInput = z.output<typeof clientSettingsBody>;

const portalOut = z.object({ ticketCategories: z.array(z.string()).nullable(), showInvoices: z.boolean(), showKnowledgeBase: z.boolean() });

export const clientSettingsSchema = z
  .object({
    companyId: id,
    slaPolicyId: id.nullable(),
    businessHours: hoursSchema.nullable(),
    portal: portalOut,
    notificationRules: z.array(z.object({ event: z.enum(NOTIFICATION_EVENTS), notify: z.union([z.enum(NOTIFY_AUDIENCES), z.object({ contactIds: z.array(id) })]) })),
    billingRates: z.object({ hourlyRate: z.string().nullable(), afterHoursRate: z.string().nullable() }).nullable(),
    autoAssignment: z.object({ queue: z.string().nullable(), technicianId: z.string().nullable() }).nullable(),
    billingContactId: id.nullable(),
    version: z.number().int().meta({ description: "The company's version (the settings are part of the company)" }),
    updatedAt: isoTime,
  })
  .meta({ id: 'ClientSettings' });
export type ClientSettings = z.output<typeof clientSettingsSchema>;

/** `PUT /v1/settings`: the MSP's categories; the time zone and currency may be sent only as they are (set at deploy). */
export const mspSettingsBody = z
  .strictObject({
    timezone: z.string().optional().meta({ description: "The deployment's `TIMEZONE`; another value is `409 DEPLOYMENT_SETTING`" }),
    currency: z.string().optional().meta({ description: "The deployment's `DEFAULT_CURRENCY`; another value is `409 DEPLOYMENT_SETTING`" }),
    categories: categories.default([]).meta({ description: "Ticket categories; a company whose settings list none offers these in its portal (none: any category)" }),
  })
  .meta({ id: 'MspSettingsInput' });
export type MspSettingsInput = z.output<typeof mspSettingsBody>;

export const mspSettingsSchema = z
  .object({
    timezone: z.string(),
    currency: z.string(),
    categories: z.array(z.string()),
    version: z.number().int().meta({ description: '0 until the first PUT' }),
    updatedAt: isoTime.nullable(),
  })
  .meta({ id: 'MspSettings' });
