import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { contractApi } from '../../shared/contracts/contract.api';
import { deleteContract } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['DELETE /v1/contracts/{id}'], async (req) => {
  await deleteContract(staffCaller(req), req.params.id, req.ifMatch);
  return { status: 204 };
});
