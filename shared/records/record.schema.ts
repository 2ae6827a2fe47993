/**
 * Related records (API.md "Related records"): tickets, assets and invoices. Each kind is one
 * declaration: its fields, the counters it moves on its company and contact, and whether it
 * links to a contact. The generic repository and service read nothing else, so a new kind is
 * a new entry here (and four lines in the route table).
 */
import * as z from 'zod';
import { id, isoTime, multiline, pageOf, text, pageQuery, patchBody } from '../common/schemas';
import type { CountDeltas } from '../db/counters';
import { mspCurrency } from '../billing/msp-defaults';
import { invoiceExtraFields, invoiceInputFields } from '../invoices/invoice.schema';
import { centsOf } from '../invoices/invoice-pricing';
import { OWED_COUNTER_PREFIX } from '../companies/company.fields';
import { SLA_WATCH_ATTRIBUTES, slaListing, slaMatches, slaWatchKeys } from '../sla/ticket-sla';

export const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export const OPEN_TICKET_STATUSES: readonly string[] = ['open', 'in_progress'];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const ASSET_KINDS = ['computer', 'mobile', 'server', 'network', 'other'] as const;
export const INVOICE_STATUSES = ['draft', 'sent', 'paid', 'void'] as const;
export const RECORD_SOURCES = ['manual', 'csv', 'm365', 'installer'] as const;

/** Money as a decimal string with two places ("1250.00"), never a float. */
const money = z
  .string()
  .regex(/^-?\d{1,12}(\.\d{1,2})?$/, 'Must be a decimal amount such as "1250.00"')
  .transform((v) => {
    const [whole, frac = ''] = v.split('.');
    return `${whole}.${frac.padEnd(2, '0')}`;
  });
const date = z.iso.date();

const common = { id, companyId: id.nullable(), version: z.number().int(), createdAt: isoTime, updatedAt: isoTime };

export interface RecordKind {
  /** `ticket`; the key prefix is its upper case. */
  name: 'ticket' | 'asset' | 'invoice';
  plural: 'tickets' | 'assets' | 'invoices';
  prefix: string;
  linksContact: boolean;
  /** Fields a create may set (beyond `companyId` and `contactId`), with their defaults. */
  create: z.ZodObject;
  /** Fields a PATCH may set. */
  update: z.ZodObject;
  schema: z.ZodObject;
  /** Filters of the list route beyond companyId / contactId. */
  filters: z.ZodObject;
  /** 409 codes of its own rules (record.hooks.ts), for the OpenAPI document. */
  conflicts?: readonly string[];
  /** What this record adds to its company's and its contact's counters. */
  counts: (r: Record<string, unknown>) => { company: CountDeltas; contact: CountDeltas };
  /** Values a stored item written before a field existed reads back with. */
  defaults?: () => Record<string, unknown>;
  /**
   * For counters added after the first items were written: attributes (`true`) on every item a
   * counter counts, and `counts` counts it only on items marked with its marker. A new item is
   * marked, and so is an old one by its first change (record.service.ts `changeItems`), which
   * counts it in full; a counter's backfill, if it has one, marks the rest, each with its count,
   * in one transaction (docs/data-model.md, "Counters added later").
   */
  markers?: readonly string[];
  /** An index entry of the kind's own beyond its listings (a ticket's SLA clock, GSI3): its keys for a record (none: `{}`), and every attribute they may use. */
  /** The list may go across companies (no `companyId` or `contactId`) when its filters say so (a ticket's SLA filters). */
  crossCompany?: (query: Record<string, unknown>) => boolean;
  watch?: {
    keys: (r: Record<string, unknown>) => Record<string, string>;
    attributes: readonly string[];
    /** The entries of that index a list query reads when it goes across companies (`crossCompany`). */
    listing: (query: Record<string, unknown>) => { partitions: readonly string[]; below?: string };
    /** Whether a record passes the list query's filters of this kind (re-checked on every item listed). */
    matches: (r: Record<string, unknown>, query: Record<string, unknown>) => boolean;
  };
}

const ticketFields = {
  subject: text(200).min(1, 'Required'),
  description: multiline(20_000).nullable(),
  priority: z.enum(PRIORITIES),
  status: z.enum(TICKET_STATUSES),
  contractId: id.nullable().meta({ description: "An active contract of the ticket's company; on create, absent: the company's default contract" }),
  category: text(100).nullable().meta({ description: "The ticket's category (a portal ticket's must be one its company's settings allow)" }),
  assigneeId: text(128).nullable().meta({ description: 'The technician working it: a staff user id (`GET /v1/staff`)' }),
  queue: text(100).nullable().meta({ description: 'The queue it waits in' }),
};

/** A ticket's SLA clock (shared/sla/ticket-sla.ts): written by the server only. */
const ticketSlaSchema = z
  .object({
    policyId: id,
    responseDueAt: isoTime,
    resolutionDueAt: isoTime,
    firstResponseAt: isoTime.nullable().meta({ description: 'The first public staff comment' }),
    resolvedAt: isoTime.nullable().meta({ description: 'When it was resolved or closed (null again when reopened)' }),
    responseBreached: z.boolean(),
    resolutionBreached: z.boolean(),
  })
  .meta({ id: 'TicketSla', description: "Due times in the policy's business hours (the company's own hours when its settings override them); null when no SLA policy exists" });
const assetFields = {
  name: text(200).min(1, 'Required'),
  kind: z.enum(ASSET_KINDS),
  serialNumber: text(100).nullable(),
  os: text(100).nullable(),
};
const invoiceFields = {
  number: text(50).min(1, 'Required'),
  total: money,
  balance: money,
  dueDate: date.nullable(),
  status: z.enum(INVOICE_STATUSES),
};

const kind = (k: RecordKind) => k;

/** An issued invoice with money still owed. */
export const isOutstanding = (r: Record<string, unknown>): boolean => r.status !== 'void' && r.status !== 'draft' && Number(r.balance ?? 0) > 0;

export const INVOICE_BALANCE_MARKER = 'inBalance';

/** On a ticket whose SLA clock is in its company's SLA counters (`slaCounts`): new tickets, and old ones from their first change. */
export const TICKET_SLA_MARKER = 'slaCounted';

/**
 * What a ticket with an SLA clock adds to its company's service counters (the health score's
 * service component, the Client 360): open and past a target; resolved, late or not, and the
 * minutes it took. Only counted tickets (`TICKET_SLA_MARKER`), as with every counter added later.
 */
const slaCounts = (r: Record<string, unknown>): CountDeltas => {
  const sla = r.sla as { resolvedAt: string | null; responseBreached: boolean; resolutionBreached: boolean } | null | undefined;
  if (r[TICKET_SLA_MARKER] !== true || !sla) return {};
  if (OPEN_TICKET_STATUSES.includes(r.status as string)) return { slaBreachedOpen: sla.responseBreached || sla.resolutionBreached ? 1 : 0 };
  if (!sla.resolvedAt) return {};
  return {
    slaResolved: 1,
    slaResolvedLate: sla.resolutionBreached ? 1 : 0,
    slaResolutionMinutes: Math.max(0, Math.round((Date.parse(sla.resolvedAt) - Date.parse(String(r.createdAt))) / 60_000)),
  };
};

/** What an invoice adds to its company's owed counters: its balance, in its currency's, while outstanding and counted. */
const owed = (r: Record<string, unknown>): CountDeltas =>
  r[INVOICE_BALANCE_MARKER] === true && isOutstanding(r) ? { [`${OWED_COUNTER_PREFIX}${typeof r.currency === 'string' ? r.currency : mspCurrency()}`]: centsOf(r.balance) } : {};

/** On an invoice whose issue is in its company's `invoicesIssued` (new invoices, and old ones from their first change). */
export const INVOICE_ISSUED_MARKER = 'issuedCounted';

/** An invoice the client has been sent (the health score's financial component counts them), once counted. */
const issued = (r: Record<string, unknown>): CountDeltas => (r[INVOICE_ISSUED_MARKER] === true && (r.status === 'sent' || r.status === 'paid') ? { invoicesIssued: 1 } : {});

export const recordKinds = {
  ticket: kind({
    name: 'ticket',
    plural: 'tickets',
    prefix: 'TICKET',
    linksContact: true,
    create: z.object({
      ...ticketFields,
      description: ticketFields.description.optional(),
      priority: ticketFields.priority.default('medium'),
      status: ticketFields.status.default('open'),
      contractId: ticketFields.contractId.optional(),
      category: ticketFields.category.optional(),
      assigneeId: ticketFields.assigneeId.optional(),
      queue: ticketFields.queue.optional(),
    }),
    update: z.object(ticketFields),
    schema: z
      .object({
        ...common,
        contactId: id.nullable(),
        subject: z.string(),
        description: z.string().nullable(),
        priority: z.enum(PRIORITIES),
        status: z.enum(TICKET_STATUSES),
        contractId: id.nullable(),
        category: z.string().nullable(),
        assigneeId: z.string().nullable(),
        queue: z.string().nullable(),
        sla: ticketSlaSchema.nullable(),
      })
      .meta({ id: 'Ticket' }),
    filters: z.object({
      status: z.enum(TICKET_STATUSES).optional(),
      slaBreached: z
        .enum(['true', 'false'])
        .transform((v) => v === 'true')
        .optional()
        .meta({ description: 'Open tickets with (true) or without (false) a breached SLA target; without `companyId`/`contactId`, across every company' }),
      dueBefore: z.iso.datetime().optional().meta({ description: 'Open tickets whose next unmet, unflagged SLA target is due before this time, soonest first' }),
    }),
    crossCompany: (q) => q.slaBreached !== undefined || q.dueBefore !== undefined,
    conflicts: ['CONTRACT_NOT_IN_COMPANY'],
    watch: { keys: slaWatchKeys, attributes: SLA_WATCH_ATTRIBUTES, listing: slaListing, matches: slaMatches },
    counts: (r) => ({
      company: { tickets: 1, openTickets: OPEN_TICKET_STATUSES.includes(r.status as string) ? 1 : 0, ...slaCounts(r) },
      contact: { tickets: 1 },
    }),
    markers: [TICKET_SLA_MARKER],
  }),
  asset: kind({
    name: 'asset',
    plural: 'assets',
    prefix: 'ASSET',
    linksContact: true,
    create: z.object({ ...assetFields, kind: assetFields.kind.default('other'), serialNumber: assetFields.serialNumber.optional(), os: assetFields.os.optional() }),
    update: z.object(assetFields),
    schema: z
      .object({
        ...common,
        contactId: id.nullable(),
        name: z.string(),
        kind: z.enum(ASSET_KINDS),
        serialNumber: z.string().nullable(),
        os: z.string().nullable(),
        source: z.enum(RECORD_SOURCES),
        externalId: z.string().nullable(),
      })
      .meta({ id: 'Asset' }),
    filters: z.object({}),
    counts: () => ({ company: { assets: 1 }, contact: { assets: 1 } }),
  }),
  invoice: kind({
    name: 'invoice',
    plural: 'invoices',
    prefix: 'INVOICE',
    linksContact: false,
    // `total` is the sum of the lines when lines are sent (shared/invoices/invoice.service.ts checks the pair).
    create: z.object({
      ...invoiceFields,
      total: invoiceFields.total.optional().meta({ description: 'Required without lines; with lines it is their sum (send it only to check it)' }),
      balance: invoiceFields.balance.optional(),
      dueDate: invoiceFields.dueDate.optional(),
      status: invoiceFields.status.default('draft'),
      contractId: invoiceInputFields.contractId.optional(),
      period: invoiceInputFields.period.optional(),
      currency: invoiceInputFields.currency.optional().meta({ description: "Default: the company's currency, else the stack's (`DEFAULT_CURRENCY`, USD)" }),
      lines: invoiceInputFields.lines.optional(),
    }),
    update: z.object({ ...invoiceFields, ...invoiceInputFields }),
    schema: z
      .object({ ...common, number: z.string(), total: z.string(), balance: z.string(), dueDate: z.string().nullable(), status: z.enum(INVOICE_STATUSES), ...invoiceExtraFields })
      .meta({ id: 'Invoice' }),
    filters: z.object({ status: z.enum(INVOICE_STATUSES).optional() }),
    // Not shown in the company's `counts`: the permanent-delete gate checks `outstandingInvoices` inside
    // its transaction; the owed counters are the company's `outstandingBalance`.
    counts: (r) => ({ company: { outstandingInvoices: isOutstanding(r) ? 1 : 0, ...owed(r), ...issued(r) }, contact: {} }),
    markers: [INVOICE_BALANCE_MARKER, INVOICE_ISSUED_MARKER],
    // Invoices written before v1.1 have none of these.
    defaults: () => ({ contractId: null, period: null, currency: mspCurrency(), lines: [], sentAt: null, payments: [] }),
  }),
} as const;

export type RecordKindName = keyof typeof recordKinds;
export const RECORD_KINDS: readonly RecordKind[] = Object.values(recordKinds);

/** Request and response schemas of a kind's four routes. */
export const recordSchemas = (k: RecordKind) => {
  const links = k.linksContact ? { contactId: id.nullable().optional() } : {};
  const title = k.name[0]!.toUpperCase() + k.name.slice(1);
  return {
    createBody: z.strictObject({ companyId: id, ...links, ...k.create.shape }).meta({ id: `Create${title}` }),
    updateBody: patchBody(z.strictObject({ companyId: id, ...links, ...k.update.shape })).meta({ id: `Update${title}` }),
    listQuery: z
      .object({ companyId: id.optional(), ...(k.linksContact ? { contactId: id.optional() } : {}), ...k.filters.shape, ...pageQuery })
      .refine((q) => (Boolean(q.companyId) && Boolean((q as { contactId?: string }).contactId) ? false : Boolean(q.companyId) || Boolean((q as { contactId?: string }).contactId) || (k.crossCompany?.(q) ?? false)), {
        message: k.linksContact ? `Give exactly one of companyId and contactId${k.crossCompany ? ' (or neither, with an SLA filter)' : ''}` : 'companyId is required',
        path: ['companyId'],
      }),
    page: pageOf(k.schema, `${title}Page`),
  };
};
