/** The audit routes' request and response shapes. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { auditByCompanyQuery, auditListQuery, auditPageSchema } from './audit.schema';

export const auditApi = {
  'GET /v1/companies/{id}/audit': {
    params: idParams,
    query: auditListQuery,
    responses: { 200: { description: 'Audit entries, newest first', schema: auditPageSchema } },
    errors: { 404: ['NOT_FOUND'], 400: ['INVALID_CURSOR'] },
  },
  'GET /v1/audit': {
    query: auditByCompanyQuery,
    responses: { 200: { description: 'Audit entries of the company, newest first; kept after a permanent delete', schema: auditPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
} as const satisfies Record<string, RequestSpec>;
