import { companyLifecycleApi } from '../../shared/companies/company-lifecycle.api';
import { apiHandler } from '../../shared/http/api-handler';
import { NotFoundError } from '../../shared/http/errors';
import { getJob } from '../../shared/jobs/job.repository';

export const handler = apiHandler(companyLifecycleApi['GET /v1/jobs/{id}'], async ({ params }) => {
  const job = await getJob(params.id);
  if (!job) throw new NotFoundError('job');
  return { status: 200, body: job };
});
