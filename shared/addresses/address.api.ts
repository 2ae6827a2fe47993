/** The address routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import { MINIMAL_ANSWER, type RequestSpec } from '../http/request';
import { addressListSchema, addressParams, addressSchema, createAddressBody, updateAddressBody } from './address.schema';

export const addressApi = {
  'GET /v1/companies/{id}/addresses': {
    params: idParams,
    responses: { 200: { description: "The company's addresses in creation order, all in one page", schema: addressListSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'POST /v1/companies/{id}/addresses': {
    params: idParams,
    body: createAddressBody,
    responses: { 201: { description: 'Created; `Location` names it, `ETag` carries its version. Marking it billing clears the flag on the others', schema: addressSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'PATCH /v1/companies/{id}/addresses/{addressId}': {
    params: addressParams,
    body: updateAddressBody,
    responses: { 200: { description: 'The updated address; `null` clears an optional field. `If-Match` makes it conditional on the version', schema: addressSchema }, 204: MINIMAL_ANSWER },
    minimalAnswer: true,
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'DELETE /v1/companies/{id}/addresses/{addressId}': {
    params: addressParams,
    responses: { 204: { description: 'Deleted (a billing address leaves the company with none). `If-Match` makes it conditional on the version' } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
} as const satisfies Record<string, RequestSpec>;
