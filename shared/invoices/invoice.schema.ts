/**
 * Invoice pieces beyond the generic record (API.md v1.1 "Billing runs and invoices"): lines,
 * payments, period, currency, and the bodies of the send / payments / void routes. The invoice
 * kind itself is declared with the other related records (records/record.schema.ts).
 */
import * as z from 'zod';
import { id, isoTime, multiline, text } from '../common/schemas';
import { amountString, currencyCode } from '../billing/contract.schema';
import { isDate } from '../billing/calendar';
import { readQuantity } from '../billing/quantity';

export const PAYMENT_METHODS = ['card', 'ach', 'check', 'cash', 'bank_transfer', 'other'] as const;
/** Lines on one invoice (a billing run writes one per contract line and time bucket). */
export const MAX_INVOICE_LINES = 100;
/** Payments on one invoice: far more than instalments need, well inside an item's 400 KB. */
export const MAX_PAYMENTS = 100;

const date = z.iso.date().refine(isDate, 'Must be a date from year 1000 on');

/** A quantity: a number ≥ 0 with at most 2 decimals (1.25 h). */
const quantity = z
  .number()
  .min(0)
  .max(1_000_000)
  .refine((v) => readQuantity(v).ok, 'Must have at most 2 decimal places');

/** A line as sent: its amount is computed (quantity × unitPrice, half-up per line). */
export const invoiceLineBody = z
  .strictObject({ description: text(500).min(1, 'Required'), quantity, unitPrice: amountString })
  .meta({ id: 'InvoiceLineInput' });
export type InvoiceLineInput = z.output<typeof invoiceLineBody>;

export const invoiceLineSchema = z
  .object({ description: z.string(), quantity: z.number(), unitPrice: z.string(), amount: z.string().meta({ description: 'quantity × unitPrice, rounded half-up to cents' }) })
  .meta({ id: 'InvoiceLine' });
export type InvoiceLine = z.output<typeof invoiceLineSchema>;

export const periodSchema = z
  .strictObject({ from: date, to: date })
  .refine((p) => p.from <= p.to, { message: 'Must not be before from', path: ['to'] })
  .meta({ id: 'InvoicePeriod' });

export const paymentSchema = z
  .object({ id, amount: z.string(), date: z.string(), method: z.enum(PAYMENT_METHODS), reference: z.string().nullable() })
  .meta({ id: 'InvoicePayment' });
export type Payment = z.output<typeof paymentSchema>;

/** `POST /v1/invoices/{id}/payments` */
export const paymentBody = z
  .strictObject({
    amount: amountString.refine((v) => v !== '0.00', 'Must be more than 0').meta({ description: 'At most the invoice balance' }),
    date,
    method: z.enum(PAYMENT_METHODS),
    reference: text(200).min(1).nullable().optional(),
  })
  .meta({ id: 'RecordInvoicePayment' });
export type PaymentInput = z.output<typeof paymentBody>;

/** `POST /v1/invoices/{id}/void` (optional body). */
export const voidBody = z.strictObject({ reason: multiline(1000).min(1).optional() }).meta({ id: 'VoidInvoice' });

/** The invoice-only fields of the resource (records/record.schema.ts adds them to the Invoice). */
export const invoiceExtraFields = {
  contractId: id.nullable(),
  period: z.object({ from: z.string(), to: z.string() }).nullable(),
  currency: z.string().meta({ description: 'ISO 4217' }),
  lines: z.array(invoiceLineSchema),
  sentAt: isoTime.nullable(),
  payments: z.array(paymentSchema).meta({ description: 'Oldest first' }),
};

/** What a create or PATCH may send beyond number, total, balance, dueDate and status. */
export const invoiceInputFields = {
  contractId: id.nullable(),
  period: periodSchema.nullable(),
  currency: currencyCode,
  lines: z.array(invoiceLineBody).max(MAX_INVOICE_LINES),
};
