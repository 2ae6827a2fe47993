/** The staff directory route's response shape: the handler answers with it, OpenAPI documents it. */
import type { RequestSpec } from '../http/request';
import { staffDirectorySchema } from './staff.schema';

export const staffApi = {
  'GET /v1/staff': {
    responses: { 200: { description: 'Every enabled user of the staff pool with its staff groups, by name (read from Cognito, at most a minute old)', schema: staffDirectorySchema } },
    errors: { 429: ['THROTTLED'] },
  },
} as const satisfies Record<string, RequestSpec>;
