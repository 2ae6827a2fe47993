import { apiHandler } from '../../shared/http/api-handler';
import { timeEntryApi } from '../../shared/time-entries/time-entry.api';
import { listTimeEntries } from '../../shared/time-entries/time-entry.service';

export const handler = apiHandler(timeEntryApi['GET /v1/tickets/{id}/time-entries'], async (req) => ({
  status: 200,
  body: await listTimeEntries(req.params.id, req.query.limit, req.query.cursor),
}));
