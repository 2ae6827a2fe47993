import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { contractApi } from '../../shared/contracts/contract.api';
import { updateContract } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['PATCH /v1/contracts/{id}'], async (req) => {
  const contract = await updateContract(staffCaller(req), req.params.id, req.body, req.ifMatch);
  return { status: 200, body: contract, etag: contract.version };
});
