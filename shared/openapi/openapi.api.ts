/** The API description routes themselves. */
import * as z from 'zod';
import type { RequestSpec } from '../http/request';

export const openapiApi = {
  'GET /v1/openapi.json': { responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } } },
  'GET /docs': { responses: { 200: { description: 'Swagger UI page', contentType: 'text/html' } } },
  'GET /docs/{asset}': {
    params: z.object({ asset: z.string().regex(/^[\w.-]+$/) }),
    responses: { 200: { description: 'A Swagger UI asset (script or stylesheet)', contentType: 'application/javascript' } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
