import { apiHandler } from '../../shared/http/api-handler';
import { installerTokenApi } from '../../shared/installer-tokens/installer-token.api';
import { installerTokens } from '../../shared/installer-tokens/installer-token.service';

export const handler = apiHandler(installerTokenApi['GET /v1/companies/{id}/installer-tokens'], async ({ params, query }) => ({
  status: 200,
  body: await installerTokens(params.id, query.limit, query.cursor),
}));
