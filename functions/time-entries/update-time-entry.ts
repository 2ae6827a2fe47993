import { apiHandler } from '../../shared/http/api-handler';
import { timeEntryApi } from '../../shared/time-entries/time-entry.api';
import { updateTimeEntry } from '../../shared/time-entries/time-entry.service';

export const handler = apiHandler(timeEntryApi['PATCH /v1/time-entries/{id}'], async (req) => {
  const entry = await updateTimeEntry(req.params.id, req.body, req.ifMatch);
  return { status: 200, body: entry, etag: entry.version };
});
