import { companyLifecycleApi } from '../../shared/companies/company-lifecycle.api';
import { deletionPreview } from '../../shared/companies/company-lifecycle.service';
import { apiHandler } from '../../shared/http/api-handler';

export const handler = apiHandler(companyLifecycleApi['GET /v1/companies/{id}/deletion-preview'], async ({ params }) => ({ status: 200, body: await deletionPreview(params.id) }));
