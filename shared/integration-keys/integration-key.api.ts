/** The integration key routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import * as z from 'zod';
import { idParams, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { createdIntegrationKeySchema, createIntegrationKeyBody, integrationKeyPageSchema } from './integration-key.schema';

export const integrationKeyApi = {
  'GET /v1/integration-keys': {
    query: z.object(pageQuery),
    responses: { 200: { description: 'Integration keys in creation order, revoked and expired ones included (never the keys)', schema: integrationKeyPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'POST /v1/integration-keys': {
    body: createIntegrationKeyBody,
    responses: { 201: { description: 'The new key (`key`), shown this once; an `Idempotency-Key` replay answers without it', schema: createdIntegrationKeySchema } },
    errors: { 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'DELETE /v1/integration-keys/{id}': {
    params: idParams,
    responses: { 204: { description: 'Revoked at once (a request with it is `401` from now on); the record stays, with `revokedAt`' } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
