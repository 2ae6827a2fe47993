import { apiHandler } from '../../shared/http/api-handler';
import { contractApi } from '../../shared/contracts/contract.api';
import { findContract } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['GET /v1/contracts/{id}'], async ({ params }) => {
  const contract = await findContract(params.id);
  return { status: 200, body: contract, etag: contract.version };
});
