/** The time-entry routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { createTimeEntryBody, timeEntryListQuery, timeEntryPageSchema, timeEntryParams, timeEntrySchema, updateTimeEntryBody, usageQuery, usageSchema } from './time-entry.schema';

export const timeEntryApi = {
  'GET /v1/tickets/{id}/time-entries': {
    params: idParams,
    query: timeEntryListQuery,
    responses: { 200: { description: "The ticket's time entries by date of work", schema: timeEntryPageSchema } },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
  'POST /v1/tickets/{id}/time-entries': {
    params: idParams,
    body: createTimeEntryBody,
    responses: { 201: { description: 'Logged by the signed-in staff member; `Location` names it, `ETag` carries its version', schema: timeEntrySchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED', 'CONTRACT_NOT_IN_COMPANY', 'INVALID_STATE', 'CONCURRENT_CHANGE'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'PATCH /v1/time-entries/{id}': {
    params: timeEntryParams,
    body: updateTimeEntryBody,
    responses: { 200: { description: 'The updated entry. `If-Match` makes it conditional on the version', schema: timeEntrySchema } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONTRACT_NOT_IN_COMPANY', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'DELETE /v1/time-entries/{id}': {
    params: timeEntryParams,
    responses: { 204: { description: 'Deleted. `If-Match` makes it conditional on the version' } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'GET /v1/contracts/{id}/usage': {
    params: idParams,
    query: usageQuery,
    responses: { 200: { description: 'Billable time against the contract in one period of use: included, used and overage hours', schema: usageSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
