import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { timeEntryApi } from '../../shared/time-entries/time-entry.api';
import { createTimeEntry, timeEntryLocation } from '../../shared/time-entries/time-entry.service';

export const handler = apiHandler(timeEntryApi['POST /v1/tickets/{id}/time-entries'], async (req) => {
  const caller = staffCaller(req);
  const entry = await createTimeEntry(req.params.id, caller.sub, req.body, req.idempotency);
  return { status: 201, body: entry, etag: entry.version, location: timeEntryLocation(entry.id) };
});
