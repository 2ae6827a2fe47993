/** Import routes: templates, upload, job, errors.csv. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { createImportQuery, csvBody, importAccepted, importSchema, templateParams } from './import.schema';

export const importApi = {
  'GET /v1/imports/templates/{template}': {
    params: templateParams,
    responses: { 200: { description: 'The CSV header to fill in', contentType: 'text/csv' } },
    errors: { 400: ['VALIDATION_FAILED'] },
  },
  'POST /v1/imports': {
    query: createImportQuery,
    body: csvBody,
    contentType: 'text/csv',
    responses: { 202: { description: 'Stored and queued; follow it at `GET /v1/imports/{id}`', schema: importAccepted } },
    errors: { 413: ['PAYLOAD_TOO_LARGE'], 415: ['UNSUPPORTED_MEDIA_TYPE'] },
  },
  'GET /v1/imports/{id}': {
    params: idParams,
    responses: { 200: { description: 'Progress, counts and the first 100 row errors', schema: importSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'GET /v1/imports/{id}/errors.csv': {
    params: idParams,
    responses: { 200: { description: 'Each failed row as uploaded, with an `error` column; fix and upload it again', contentType: 'text/csv' } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
