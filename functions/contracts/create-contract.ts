import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { contractApi } from '../../shared/contracts/contract.api';
import { contractLocation, createContract } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['POST /v1/companies/{id}/contracts'], async (req) => {
  const contract = await createContract(staffCaller(req), req.params.id, req.body, req.idempotency);
  return { status: 201, body: contract, etag: contract.version, location: contractLocation(contract.id) };
});
