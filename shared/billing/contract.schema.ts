/**
 * Contract: request bodies and the resource as API.md (contract v1.1, "Contracts") names them,
 * and the rules that tie a contract's terms together (checked on create here, and by the
 * service on the merged record of a PATCH).
 */
import * as z from 'zod';
import { id, isoTime, pageOf, text, patchBody } from '../common/schemas';
import { ValidationError, type FieldError } from '../http/errors';
import { isDate } from './calendar';
import { AMOUNT_EXAMPLE, formatAmount, readAmount, readCurrency } from './money';
import { BILLING_FREQUENCIES } from './periods';
import { readQuantity } from './quantity';

export const CONTRACT_TYPES = ['managed_services', 'break_fix', 'retainer', 'per_device', 'per_user', 'block_hours'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];
export const CONTRACT_STATUSES = ['draft', 'active', 'expired', 'cancelled'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];
export const LINE_ITEM_KINDS = ['fixed', 'per_device', 'per_user', 'hourly'] as const;
export type LineItemKind = (typeof LINE_ITEM_KINDS)[number];

/** At most this many line items on one contract. */
export const MAX_LINE_ITEMS = 50;
/** Included hours per period: a year of round-the-clock work is 8 784 h. */
export const MAX_INCLUDED_HOURS = 10_000;

/** A non-negative amount as a decimal string, stored with 2 places ("150" → "150.00"). */
export const amountString = z
  .string()
  .regex(/^(0|[1-9]\d{0,11})(\.\d{1,2})?$/, AMOUNT_EXAMPLE)
  .transform((v) => formatAmount((readAmount(v) as { value: number }).value))
  .meta({ description: 'Decimal amount with up to 2 places, e.g. "1250.00"; never a number', example: '1250.00' });

/** A quantity or hours: a number with at most 2 decimals. */
const decimalNumber = (max: number) =>
  z
    .number()
    .min(0)
    .max(max)
    .refine((v) => readQuantity(v, max * 100).ok, 'Must have at most 2 decimal places');

const date = z.iso.date().refine(isDate, 'Must be a date from year 1000 on');

export const currencyCode = z.string().superRefine((v, ctx) => {
  const r = readCurrency(v);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
});

export const lineItemBody = z
  .strictObject({
    id: id.optional().meta({ description: 'Kept when given (an edit of an existing line); assigned when absent' }),
    description: text(200).min(1, 'Required'),
    kind: z.enum(LINE_ITEM_KINDS),
    quantity: decimalNumber(1_000_000).nullable().default(null),
    unitPrice: amountString,
    cap: amountString.nullable().default(null),
  })
  .meta({ id: 'ContractLineItemInput' });
export type LineItemInput = z.output<typeof lineItemBody>;

/** The fields a create may send and a PATCH may change (defaults apply on create only). */
const fields = {
  name: text(200).min(1, 'Required'),
  type: z.enum(CONTRACT_TYPES),
  startDate: date,
  endDate: date.nullable(),
  autoRenew: z.boolean(),
  renewalTermMonths: z.number().int().min(1).max(120),
  noticeDays: z.number().int().min(0).max(3650),
  billingFrequency: z.enum(BILLING_FREQUENCIES),
  billingDay: z.number().int().min(1).max(28).nullable().meta({ description: 'null: periods start on the start date\'s day each month (anniversary)' }),
  currency: currencyCode,
  lineItems: z.array(lineItemBody).max(MAX_LINE_ITEMS),
  includedHours: decimalNumber(MAX_INCLUDED_HOURS).nullable(),
  hourlyRate: amountString.nullable(),
  overageRate: amountString.nullable(),
};

/** What the rules below read: a create body, or a stored contract merged with a PATCH. */
export type ContractTerms = Pick<
  z.output<z.ZodObject<typeof fields>>,
  'type' | 'startDate' | 'endDate' | 'lineItems' | 'includedHours' | 'overageRate' | 'hourlyRate'
>;

const TYPE_NEEDS_LINE: Partial<Record<ContractType, LineItemKind>> = {
  managed_services: 'fixed',
  retainer: 'fixed',
  per_device: 'per_device',
  per_user: 'per_user',
};

/**
 * The rules between fields, as paths into the body: the end is not before the start; a
 * contract bills time through at most one `hourly` line, whose quantity is the time logged
 * (so it has none); an overage rate needs included hours; block hours need included hours;
 * a managed-services or retainer contract has a fixed fee, a per-device or per-user one its
 * priced line; line ids are unique.
 */
export const contractTermsIssues = (t: ContractTerms): { path: (string | number)[]; message: string }[] => {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (t.endDate !== null && t.endDate !== undefined && t.endDate < t.startDate) issues.push({ path: ['endDate'], message: 'Must not be before startDate' });
  const hourly = t.lineItems.flatMap((l, i) => (l.kind === 'hourly' ? [i] : []));
  for (const i of hourly.slice(1)) issues.push({ path: ['lineItems', i, 'kind'], message: 'A contract has at most one hourly line' });
  for (const i of hourly) if (t.lineItems[i]!.quantity !== null) issues.push({ path: ['lineItems', i, 'quantity'], message: 'An hourly line takes its quantity from the time logged; send null' });
  if (t.overageRate !== null && t.includedHours === null) issues.push({ path: ['overageRate'], message: 'An overage rate needs includedHours' });
  if (t.type === 'block_hours' && t.includedHours === null) issues.push({ path: ['includedHours'], message: 'A block_hours contract needs includedHours' });
  const needs = TYPE_NEEDS_LINE[t.type];
  if (needs && !t.lineItems.some((l) => l.kind === needs)) issues.push({ path: ['lineItems'], message: `A ${t.type} contract needs a ${needs} line item` });
  const seen = new Set<string>();
  t.lineItems.forEach((l, i) => {
    if (l.id === undefined) return;
    if (seen.has(l.id)) issues.push({ path: ['lineItems', i, 'id'], message: 'Line item ids must be unique' });
    seen.add(l.id);
  });
  return issues;
};

/** The service's check of merged terms (after a PATCH): 400 VALIDATION_FAILED with body paths. */
export const assertContractTerms = (t: ContractTerms): void => {
  const issues = contractTermsIssues(t);
  if (issues.length > 0) throw new ValidationError(issues.map((i): FieldError => ({ path: i.path.join('.'), message: i.message })));
};

export const createContractBody = z
  .strictObject({
    ...fields,
    endDate: fields.endDate.default(null),
    autoRenew: fields.autoRenew.default(false),
    renewalTermMonths: fields.renewalTermMonths.default(12),
    noticeDays: fields.noticeDays.default(30),
    billingFrequency: fields.billingFrequency.default('monthly'),
    billingDay: fields.billingDay.default(null),
    currency: fields.currency.optional().meta({ description: "Default: the company's currency, else the MSP's (settings)" }),
    lineItems: fields.lineItems.default([]),
    includedHours: fields.includedHours.default(null),
    hourlyRate: fields.hourlyRate.default(null),
    overageRate: fields.overageRate.default(null),
  })
  .superRefine((body, ctx) => {
    for (const issue of contractTermsIssues(body)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  })
  .meta({ id: 'CreateContract' });
export type CreateContractInput = z.output<typeof createContractBody>;

export const updateContractBody = patchBody(z.strictObject(fields))
  .meta({ id: 'UpdateContract' });
export type UpdateContractInput = z.output<typeof updateContractBody>;

export const lineItemSchema = z
  .object({
    id,
    description: z.string(),
    kind: z.enum(LINE_ITEM_KINDS),
    quantity: z.number().nullable(),
    unitPrice: z.string(),
    cap: z.string().nullable(),
  })
  .meta({ id: 'ContractLineItem' });
export type LineItem = z.output<typeof lineItemSchema>;

export const contractSchema = z
  .object({
    id,
    companyId: id,
    name: z.string(),
    type: z.enum(CONTRACT_TYPES),
    status: z.enum(CONTRACT_STATUSES),
    startDate: z.string(),
    endDate: z.string().nullable(),
    autoRenew: z.boolean(),
    renewalTermMonths: z.number().int(),
    noticeDays: z.number().int(),
    billingFrequency: z.enum(BILLING_FREQUENCIES),
    billingDay: z.number().int().nullable(),
    currency: z.string(),
    lineItems: z.array(lineItemSchema),
    includedHours: z.number().nullable(),
    hourlyRate: z.string().nullable(),
    overageRate: z.string().nullable(),
    nextBillingDate: z.string().nullable().meta({ description: 'null once an ended contract has had its closing invoice' }),
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Contract' });
export type Contract = z.output<typeof contractSchema>;

export const contractPageSchema = pageOf(contractSchema, 'ContractPage');
