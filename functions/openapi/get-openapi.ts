import { apiHandler } from '../../shared/http/api-handler';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { openapiApi } from '../../shared/openapi/openapi.api';

let document: unknown;

export const handler = apiHandler(openapiApi['GET /v1/openapi.json'], async () => ({
  status: 200,
  body: (document ??= buildOpenApiDocument()),
  headers: { 'cache-control': 'public, max-age=300' },
}));
