import { apiHandler } from '../../shared/http/api-handler';
import { timeEntryApi } from '../../shared/time-entries/time-entry.api';
import { deleteTimeEntry } from '../../shared/time-entries/time-entry.service';

export const handler = apiHandler(timeEntryApi['DELETE /v1/time-entries/{id}'], async (req) => {
  await deleteTimeEntry(req.params.id, req.ifMatch);
  return { status: 204 };
});
