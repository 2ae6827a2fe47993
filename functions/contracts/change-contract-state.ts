/** `POST /v1/contracts/{id}/activate|cancel|renew`: one module, the action from the route's last path segment. */
import { apiHandler } from '../../shared/http/api-handler';
import { staffCaller } from '../../shared/http/request';
import { contractApi } from '../../shared/contracts/contract.api';
import type { ContractAction } from '../../shared/contracts/contract-lifecycle';
import { changeContractState } from '../../shared/contracts/contract.service';

// The three routes share one spec shape (params, responses, errors), so activate's parses all three.
export const handler = apiHandler(contractApi['POST /v1/contracts/{id}/activate'], async (req) => {
  const action = req.route.path.slice(req.route.path.lastIndexOf('/') + 1) as ContractAction;
  const contract = await changeContractState(staffCaller(req), req.params.id, action, req.ifMatch);
  return { status: 200, body: contract, etag: contract.version };
});
