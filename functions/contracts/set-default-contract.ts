import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { contractApi } from '../../shared/contracts/contract.api';
import { setDefaultContract } from '../../shared/contracts/default-contract.service';

export const handler = apiHandler(contractApi['PUT /v1/companies/{id}/default-contract'], async (req) => {
  const company = await setDefaultContract(staffCaller(req), req.params.id, req.body.contractId, req.ifMatch);
  return { status: 200, body: company, etag: company.version };
});
