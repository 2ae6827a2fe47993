import { apiHandler } from '../../shared/http/api-handler';
import { healthApi } from '../../shared/health/health.api';
import { recordSignal } from '../../shared/health/health.service';

export const handler = apiHandler(healthApi['POST /v1/companies/{id}/signals'], async ({ params, body }) => ({ status: 202, body: await recordSignal(params.id, body) }));
