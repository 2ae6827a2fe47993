/** The companies routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import { externalUpsertSpec } from '../crm/crm.api';
import { MINIMAL_ANSWER, type RequestSpec } from '../http/request';
import { primaryContactBody } from '../contacts/contact.schema';
import { companyPageSchema, companySchema, createCompanyBody, listCompaniesQuery, updateCompanyBody } from './company.schema';

export const companyApi = {
  'POST /v1/companies': {
    body: createCompanyBody,
    responses: { 201: { description: 'Created; `Location` names it, `ETag` carries its version', schema: companySchema } },
    errors: { 400: ['UNKNOWN_STAFF_USER'], 409: ['COMPANY_NAME_TAKEN'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/companies': {
    query: listCompaniesQuery,
    responses: { 200: { description: 'Companies sorted by name, case-insensitively', schema: companyPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'GET /v1/companies/{id}': {
    params: idParams,
    responses: { 200: { description: 'The company; `ETag` carries its version', schema: companySchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'PATCH /v1/companies/{id}': {
    params: idParams,
    body: updateCompanyBody,
    responses: { 200: { description: 'The updated company', schema: companySchema }, 204: MINIMAL_ANSWER },
    minimalAnswer: true,
    errors: {
      400: ['INVALID_IF_MATCH', 'UNKNOWN_STAFF_USER', 'UNKNOWN_CONTACT'],
      404: ['NOT_FOUND'],
      409: ['COMPANY_NAME_TAKEN', 'COMPANY_ARCHIVED', 'CONTACT_NOT_IN_COMPANY', 'CONCURRENT_CHANGE'],
      412: ['VERSION_MISMATCH'],
    },
  },
  'PUT /v1/external/{system}/companies/{externalId}': externalUpsertSpec({
    body: createCompanyBody,
    schema: companySchema,
    what: 'company',
    naturalKey: 'name (any case)',
    errors: { 400: ['UNKNOWN_STAFF_USER'], 409: ['COMPANY_NAME_TAKEN', 'COMPANY_ARCHIVED'] },
  }),
  'PUT /v1/companies/{id}/primary-contact': {
    params: idParams,
    body: primaryContactBody,
    responses: { 200: { description: 'The company with its new primary contact', schema: companySchema }, 204: MINIMAL_ANSWER },
    minimalAnswer: true,
    errors: { 400: ['UNKNOWN_CONTACT', 'INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['CONTACT_NOT_IN_COMPANY', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
} as const satisfies Record<string, RequestSpec>;
