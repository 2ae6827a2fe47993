/**
 * Time entries (API.md v1.1 "Time entries"): time a staff member logged on a ticket, billed
 * against a contract of the ticket's company by the billing run.
 */
import * as z from 'zod';
import { id, isoTime, multiline, pageOf, pageQuery, patchBody } from '../common/schemas';
import { isDate } from '../billing/calendar';

/** One entry holds at most a day of work. */
export const MAX_ENTRY_MINUTES = 24 * 60;

const date = z.iso.date().refine(isDate, 'Must be a date from year 1000 on').meta({ description: 'The day the work was done (YYYY-MM-DD, the MSP\'s timezone)' });

const fields = {
  date,
  minutes: z.number().int('Must be a whole number of minutes').min(1).max(MAX_ENTRY_MINUTES),
  billable: z.boolean(),
  afterHours: z.boolean().meta({
    description:
      "Work done after hours (beyond API.md). Billed apart at the company's `billingRates.afterHoursRate` when it has one, drawing on no included hours; without that rate it is ordinary time",
  }),
  note: multiline(4000).nullable(),
  contractId: id.nullable().meta({ description: "The contract it bills against: an active (or expired, for late time) contract of the ticket's company; default the ticket's contract; null: not billed" }),
};

export const createTimeEntryBody = z
  .strictObject({ ...fields, billable: fields.billable.default(true), afterHours: fields.afterHours.default(false), note: fields.note.default(null), contractId: fields.contractId.optional() })
  .meta({ id: 'CreateTimeEntry' });
export type CreateTimeEntryInput = z.output<typeof createTimeEntryBody>;

export const updateTimeEntryBody = patchBody(z.strictObject(fields))
  .meta({ id: 'UpdateTimeEntry' });
export type UpdateTimeEntryInput = z.output<typeof updateTimeEntryBody>;

export const timeEntrySchema = z
  .object({
    id,
    ticketId: id,
    companyId: id,
    contractId: id.nullable(),
    staffId: z.string().meta({ description: 'The staff user (Cognito `sub`) who logged it' }),
    date: z.string(),
    minutes: z.number().int(),
    billable: z.boolean(),
    afterHours: z.boolean().meta({ description: 'Work done after hours (beyond API.md); false for entries logged before the flag existed' }),
    note: z.string().nullable(),
    invoiceId: id.nullable().meta({ description: 'The invoice that billed it; an invoiced entry can no longer change' }),
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'TimeEntry' });
export type TimeEntry = z.output<typeof timeEntrySchema>;

export const timeEntryPageSchema = pageOf(timeEntrySchema, 'TimeEntryPage');
export const timeEntryListQuery = z.object(pageQuery);

export const timeEntryParams = z.object({ id });

export const usageQuery = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Must be a month, YYYY-MM')
    .meta({ description: 'A month: the contract period of use that starts in it, else the one holding its first day' }),
});

export const usageSchema = z
  .object({
    contractId: id,
    period: z.object({ from: z.string(), to: z.string() }).meta({ description: 'The period of use the figures are for (both days included)' }),
    includedHours: z.number().nullable().meta({ description: "The period's included hours (prorated in a partial period); null without included hours" }),
    usedHours: z.number().meta({
      description: "Billable hours logged in the period, invoiced or not (two decimals); after-hours time is left out when the company has an after-hours rate (it is billed apart and draws on no included hours)",
    }),
    overageHours: z.number().meta({ description: 'Used hours beyond the included ones' }),
  })
  .meta({ id: 'ContractUsage' });
export type ContractUsage = z.output<typeof usageSchema>;
