import { apiHandler } from '../../shared/http/api-handler';
import { contractApi } from '../../shared/contracts/contract.api';
import { renewals } from '../../shared/contracts/contract.service';

export const handler = apiHandler(contractApi['GET /v1/contracts/renewals'], async ({ query }) => ({ status: 200, body: await renewals(query.withinDays, query.limit, query.cursor) }));
