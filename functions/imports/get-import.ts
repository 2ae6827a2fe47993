import { apiHandler } from '../../shared/http/api-handler';
import { NotFoundError } from '../../shared/http/errors';
import { importApi } from '../../shared/imports/import.api';
import { findImport } from '../../shared/imports/import.service';

export const handler = apiHandler(importApi['GET /v1/imports/{id}'], async ({ params }) => {
  const job = await findImport(params.id);
  if (!job) throw new NotFoundError('import');
  return { status: 200, body: job };
});
