import { apiHandler } from '../../shared/http/api-handler';
import { contractApi } from '../../shared/contracts/contract.api';
import { companyContracts } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['GET /v1/companies/{id}/contracts'], async ({ params, query }) => ({ status: 200, body: await companyContracts(params.id, query) }));
