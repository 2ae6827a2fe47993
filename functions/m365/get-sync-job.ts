import { apiHandler } from '../../shared/http/api-handler';
import { NotFoundError } from '../../shared/http/errors';
import { m365Api } from '../../shared/m365/m365.api';
import { getSyncJob, toSyncJob } from '../../shared/m365/m365.repository';

export const handler = apiHandler(m365Api['GET /v1/sync-jobs/{id}'], async ({ params }) => {
  const job = await getSyncJob(params.id);
  if (!job) throw new NotFoundError('sync job');
  return { status: 200, body: toSyncJob(job) };
});
