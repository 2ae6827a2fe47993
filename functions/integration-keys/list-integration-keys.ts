import { apiHandler } from '../../shared/http/api-handler';
import { integrationKeyApi } from '../../shared/integration-keys/integration-key.api';
import { integrationKeys } from '../../shared/integration-keys/integration-key.service';

export const handler = apiHandler(integrationKeyApi['GET /v1/integration-keys'], async ({ query }) => ({ status: 200, body: await integrationKeys(query.limit, query.cursor) }));
