import { apiHandler } from '../../shared/http/api-handler';
import { billingRunApi } from '../../shared/billing-runs/billing-run.api';
import { findBillingRun } from '../../shared/billing-runs/billing-run.service';

export const handler = apiHandler(billingRunApi['GET /v1/billing-runs/{id}'], async (req) => ({ status: 200, body: await findBillingRun(req.params.id) }));
