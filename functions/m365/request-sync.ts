import { apiHandler } from '../../shared/http/api-handler';
import { m365Api } from '../../shared/m365/m365.api';
import { requestSync } from '../../shared/m365/m365.service';

export const handler = apiHandler(m365Api['POST /v1/companies/{id}/m365/sync'], async ({ params }) => ({ status: 202, body: { jobId: await requestSync(params.id) } }));
