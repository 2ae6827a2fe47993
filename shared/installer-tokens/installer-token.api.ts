/** The installer token and device registration routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import * as z from 'zod';
import { id, idParams, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { createdInstallerTokenSchema, createInstallerTokenBody, installerTokenPageSchema, registerDeviceBody, registeredDeviceSchema } from './installer-token.schema';

export const installerTokenApi = {
  'GET /v1/companies/{id}/installer-tokens': {
    params: idParams,
    query: z.object(pageQuery),
    responses: { 200: { description: "The company's installer tokens in creation order, revoked and expired ones included (never the tokens)", schema: installerTokenPageSchema } },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
  'POST /v1/companies/{id}/installer-tokens': {
    params: idParams,
    body: createInstallerTokenBody,
    responses: { 201: { description: 'The new token (`token`), shown this once; an `Idempotency-Key` replay answers without it', schema: createdInstallerTokenSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'DELETE /v1/installer-tokens/{id}': {
    params: z.object({ id }),
    responses: { 204: { description: 'Revoked at once (a registration with it is `401` from now on); the record stays, with `revokedAt`' } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'POST /v1/public/devices/register': {
    body: registerDeviceBody,
    responses: {
      201: { description: "Created the device's asset in the token's company", schema: registeredDeviceSchema },
      200: { description: 'Updated the asset the company already had with this serial number (a re-install)', schema: registeredDeviceSchema },
    },
    errors: { 401: ['UNAUTHORIZED'] },
  },
} as const satisfies Record<string, RequestSpec>;
