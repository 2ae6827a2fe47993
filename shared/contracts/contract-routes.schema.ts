/** The contract routes' queries, bodies and results beyond the contract itself (shared/billing/contract.schema.ts). */
import * as z from 'zod';
import { id, pageOf, pageQuery } from '../common/schemas';
import { CONTRACT_STATUSES, contractSchema } from '../billing/contract.schema';

/** At most a year and a day ahead: the dashboard looks at the coming renewals, not the whole book. */
export const MAX_RENEWAL_WINDOW_DAYS = 366;

export const companyContractsQuery = z.object({ status: z.enum(CONTRACT_STATUSES).optional(), ...pageQuery });

export const listContractsQuery = z.object({
  status: z.enum(CONTRACT_STATUSES).optional().meta({ description: 'Default `active` when no `companyId` is given' }),
  companyId: id.optional(),
  ...pageQuery,
});
export type ListContractsQuery = z.output<typeof listContractsQuery>;

export const renewalsQuery = z.object({
  withinDays: z.coerce.number().int().min(0).max(MAX_RENEWAL_WINDOW_DAYS).default(60),
  ...pageQuery,
});

export const renewalSchema = contractSchema
  .extend({
    companyName: z.string(),
    annualValue: z.string().meta({ description: "What the advance lines bill in a year of whole periods at the company's current counts, in the contract's currency", example: '12000.00' }),
    noticeDeadline: z.string().meta({ description: 'The last day to give notice: `noticeDays` before `endDate`' }),
  })
  .meta({ id: 'ContractRenewal' });
export type Renewal = z.output<typeof renewalSchema>;
export const renewalPageSchema = pageOf(renewalSchema, 'ContractRenewalPage');

export const defaultContractBody = z
  .strictObject({ contractId: id.nullable().meta({ description: 'An active contract of the company; `null` clears the default' }) })
  .meta({ id: 'SetDefaultContract' });
