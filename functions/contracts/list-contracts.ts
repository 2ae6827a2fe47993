import { apiHandler } from '../../shared/http/api-handler';
import { contractApi } from '../../shared/contracts/contract.api';
import { searchContracts } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['GET /v1/contracts'], async ({ query }) => ({ status: 200, body: await searchContracts(query) }));
