/** Billing runs (API.md v1.1 "Billing runs and invoices"): the request, the resource, and the `billing` queue's messages. */
import * as z from 'zod';
import { id, isoTime } from '../common/schemas';
import { isDate } from '../billing/calendar';

export const BILLING_RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type BillingRunStatus = (typeof BILLING_RUN_STATUSES)[number];

/** A run keeps the first errors it meets (one per contract that could not be billed), and counts them all. */
export const MAX_RUN_ERRORS = 100;

export const startBillingRunBody = z
  .strictObject({
    through: z.iso.date().refine(isDate, 'Must be a date from year 1000 on').meta({ description: 'Bill every period due on or before this date (YYYY-MM-DD)' }),
    companyId: id.optional().meta({ description: "Only this company's contracts" }),
  })
  .meta({ id: 'StartBillingRun' });
export type StartBillingRunInput = z.output<typeof startBillingRunBody>;

export const billingRunErrorSchema = z
  .object({ contractId: id.nullable().meta({ description: 'null: the run itself failed (e.g. its worker kept dying)' }), code: z.string(), message: z.string() })
  .meta({ id: 'BillingRunError' });
export type BillingRunError = z.output<typeof billingRunErrorSchema>;

export const billingRunSchema = z
  .object({
    id,
    status: z.enum(BILLING_RUN_STATUSES),
    through: z.string(),
    companyId: id.nullable(),
    trigger: z.enum(['manual', 'schedule']),
    invoicesCreated: z.number().int().meta({ description: 'Invoices this run created (another run at the same time counts its own)' }),
    contractsSkipped: z.number().int().meta({ description: "Contracts due that were not billed: their company is archived, or billing them failed (see `errors`)" }),
    errors: z.array(billingRunErrorSchema).meta({ description: `The first ${MAX_RUN_ERRORS} contracts that could not be billed, with a code` }),
    startedAt: isoTime.nullable(),
    completedAt: isoTime.nullable(),
    createdAt: isoTime,
  })
  .meta({ id: 'BillingRun' });
export type BillingRun = z.output<typeof billingRunSchema>;

export const billingRunAccepted = z.object({ id }).meta({ id: 'BillingRunAccepted' });

/** `billing` queue: run (or resume) a run; start today's scheduled run; stamp billed entries with their invoice. */
export const billingMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('run'), runId: id }),
  z.strictObject({ type: z.literal('scheduled') }),
  z.strictObject({ type: z.literal('stamp'), invoiceId: id, timeEntryIds: z.array(id) }),
]);
export type BillingMessage = z.output<typeof billingMessage>;
