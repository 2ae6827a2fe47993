/** The SLA policy routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import * as z from 'zod';
import { idParams, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { createSlaPolicyBody, slaPolicyPageSchema, slaPolicySchema, updateSlaPolicyBody } from './sla.schema';

const versioned = { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 412: ['VERSION_MISMATCH'] } as const;

export const slaPolicyApi = {
  'GET /v1/sla-policies': {
    query: z.object(pageQuery),
    responses: { 200: { description: 'SLA policies in creation order', schema: slaPolicyPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'POST /v1/sla-policies': {
    body: createSlaPolicyBody,
    responses: {
      201: {
        description:
          'A new SLA policy; `Location` names it, `ETag` carries its version. The first policy is the default whatever `isDefault` says; `isDefault: true` takes the default from the policy that had it',
        schema: slaPolicySchema,
      },
    },
    errors: { 409: ['SLA_NO_BUSINESS_TIME', 'CONCURRENT_CHANGE'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/sla-policies/{id}': {
    params: idParams,
    responses: { 200: { description: 'The SLA policy; `ETag` carries its version', schema: slaPolicySchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'PATCH /v1/sla-policies/{id}': {
    params: idParams,
    body: updateSlaPolicyBody,
    responses: {
      200: {
        description:
          "The updated policy (`hours`, `holidays` and `targets` are replaced whole). `isDefault: true` makes it the default; the default cannot be made not-default (make another the default). Tickets keep the due times they have; a ticket's priority change recomputes its own",
        schema: slaPolicySchema,
      },
    },
    errors: { ...versioned, 409: ['SLA_DEFAULT_REQUIRED', 'SLA_NO_BUSINESS_TIME', 'CONCURRENT_CHANGE'] },
  },
  'DELETE /v1/sla-policies/{id}': {
    params: idParams,
    responses: { 204: { description: "Deleted. Not the default (`SLA_DEFAULT_REQUIRED`), nor a policy a company's settings name (`SLA_POLICY_IN_USE`); tickets keep their due times" } },
    errors: { ...versioned, 409: ['SLA_DEFAULT_REQUIRED', 'SLA_POLICY_IN_USE', 'CONCURRENT_CHANGE'] },
  },
} as const satisfies Record<string, RequestSpec>;
