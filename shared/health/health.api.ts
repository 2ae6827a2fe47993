/** The health routes' shapes: the handlers parse with them, OpenAPI documents them. */
import * as z from 'zod';
import { idParams, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { healthHistorySchema, healthSchema, signalAcceptedSchema, signalBody } from './health.schema';

export const healthApi = {
  'GET /v1/companies/{id}/health': {
    params: idParams,
    responses: {
      200: {
        description:
          "The company's health now: seven weighted components (service 25, endpoints 20, security 20, backups 15, financial 10, engagement 5, communications 5), each with its score and reasons; a component without data is `null` and the others are re-weighted; no data at all: `score: null`",
        schema: healthSchema,
      },
    },
    errors: { 404: ['NOT_FOUND'] },
  },
  'GET /v1/companies/{id}/health/history': {
    params: idParams,
    query: z.object(pageQuery),
    responses: { 200: { description: "One score a day (the MSP's date), newest first: the day a signal arrived, and every night", schema: healthHistorySchema } },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
  'POST /v1/companies/{id}/signals': {
    params: idParams,
    body: signalBody,
    responses: {
      202: {
        description: 'Taken in: the latest signal of its kind feeds the health score (an older `observedAt` than the one in is kept out, `current: false`)',
        schema: signalAcceptedSchema,
      },
    },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'] },
  },
} as const satisfies Record<string, RequestSpec>;
