/** The onboarding and Client 360 routes' shapes: the handlers parse with them, OpenAPI documents them. */
import * as z from 'zod';
import { idParams } from '../common/schemas';
import { companySchema } from '../companies/company.schema';
import { healthSchema } from '../health/health.schema';
import type { RequestSpec } from '../http/request';
import { ONBOARDING_STEPS } from './onboarding';

export const onboardingSchema = z
  .object({
    steps: z.array(z.object({ key: z.enum(ONBOARDING_STEPS), done: z.boolean(), detail: z.string() })),
    done: z.number().int(),
    total: z.number().int(),
  })
  .meta({ id: 'Onboarding' });

export const overviewSchema = z
  .object({
    company: companySchema,
    tickets: z.object({ open: z.number().int(), breached: z.number().int().meta({ description: 'Open tickets past an SLA target' }) }),
    contracts: z.object({
      active: z.array(
        z.object({ id: z.string(), name: z.string(), type: z.string(), startDate: z.string(), endDate: z.string().nullable(), autoRenew: z.boolean(), billingFrequency: z.string(), currency: z.string() }),
      ),
      more: z.boolean().meta({ description: 'The company has more than the 100 contracts read here (`GET /v1/companies/{id}/contracts` lists them all)' }),
      nextRenewal: z.object({ contractId: z.string(), name: z.string(), endDate: z.string(), autoRenew: z.boolean(), noticeDeadline: z.string() }).nullable(),
    }),
    outstandingBalance: companySchema.shape.outstandingBalance,
    health: healthSchema,
    onboarding: onboardingSchema,
    integrations: companySchema.shape.integrations,
  })
  .meta({ id: 'ClientOverview' });

export const overviewApi = {
  'GET /v1/companies/{id}/onboarding': {
    params: idParams,
    responses: {
      200: {
        description:
          'The seven onboarding steps (record and primary contact, contacts, contract, SLA, portal access, assets, notification rules), each derived from data, never ticked by hand',
        schema: onboardingSchema,
      },
    },
    errors: { 404: ['NOT_FOUND'] },
  },
  'GET /v1/companies/{id}/overview': {
    params: idParams,
    responses: {
      200: {
        description:
          'The Client 360: the company and its counts, open and SLA-breached tickets, active contracts and the next renewal, outstanding balance, health, onboarding and integrations, read in at most three DynamoDB requests',
        schema: overviewSchema,
      },
    },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
