/** The notification log route's shapes: the handler parses with them, OpenAPI documents them. */
import * as z from 'zod';
import { idParams, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { notificationPageSchema } from './notification.schema';

export const notificationApi = {
  'GET /v1/companies/{id}/notifications': {
    params: idParams,
    query: z.object(pageQuery),
    responses: {
      200: {
        description:
          "Who the company's notification rules told of each event, newest first: one entry per recipient, `sent` (its mail queued once) or `skipped` with the reason (an inactive contact, one without email, one no longer the company's, a deleted one)",
        schema: notificationPageSchema,
      },
    },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
