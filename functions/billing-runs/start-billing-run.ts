import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { billingRunApi } from '../../shared/billing-runs/billing-run.api';
import { billingRunLocation, startBillingRun } from '../../shared/billing-runs/billing-run.service';

export const handler = apiHandler(billingRunApi['POST /v1/billing-runs'], async (req) => {
  staffCaller(req);
  const run = await startBillingRun(req.body, req.idempotency);
  return { status: 202, body: { id: run.id }, location: billingRunLocation(run.id) };
});
