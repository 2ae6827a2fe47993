/** The billing-run routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { billingRunAccepted, billingRunSchema, startBillingRunBody } from './billing-run.schema';

export const billingRunApi = {
  'POST /v1/billing-runs': {
    body: startBillingRunBody,
    responses: { 202: { description: 'Queued; `Location` names the run. It bills every active contract due through `through`, once however often it runs', schema: billingRunAccepted } },
    errors: { 400: ['UNKNOWN_COMPANY'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/billing-runs/{id}': {
    params: idParams,
    responses: { 200: { description: 'The run: status and counters', schema: billingRunSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
