import { apiHandler } from '../../shared/http/api-handler';
import { NotFoundError } from '../../shared/http/errors';
import { importApi } from '../../shared/imports/import.api';
import { getImportWithHeader } from '../../shared/imports/import.repository';
import { errorsCsv } from '../../shared/imports/import.service';

export const handler = apiHandler(importApi['GET /v1/imports/{id}/errors.csv'], async ({ params }) => {
  const job = await getImportWithHeader(params.id);
  if (!job) throw new NotFoundError('import');
  let text = '';
  for await (const line of errorsCsv(job, job.header)) text += line;
  return { status: 200, body: text, contentType: 'text/csv; charset=utf-8', headers: { 'content-disposition': `attachment; filename="import-${job.id}-errors.csv"` } };
});
