import { apiHandler } from '../../shared/http/api-handler';
import { timeEntryApi } from '../../shared/time-entries/time-entry.api';
import { contractUsage } from '../../shared/time-entries/time-entry.service';

export const handler = apiHandler(timeEntryApi['GET /v1/contracts/{id}/usage'], async (req) => ({ status: 200, body: await contractUsage(req.params.id, req.query.period) }));
