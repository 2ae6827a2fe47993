/** The contract routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { contractPageSchema, contractSchema, createContractBody, updateContractBody } from '../billing/contract.schema';
import { companySchema } from '../companies/company.schema';
import { companyContractsQuery, defaultContractBody, listContractsQuery, renewalPageSchema, renewalsQuery } from './contract-routes.schema';

const stateChange = (what: string) => ({
  params: idParams,
  responses: { 200: { description: `${what}; \`ETag\` carries its new version. \`If-Match\` makes it conditional on the version`, schema: contractSchema } },
  errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
});

export const contractApi = {
  'GET /v1/companies/{id}/contracts': {
    params: idParams,
    query: companyContractsQuery,
    responses: { 200: { description: "The company's contracts in creation order; `status` filters them", schema: contractPageSchema } },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
  'POST /v1/companies/{id}/contracts': {
    params: idParams,
    body: createContractBody,
    responses: { 201: { description: "A new `draft` contract; `Location` names it, `ETag` carries its version. `currency` defaults to the company's, else the MSP's", schema: contractSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/contracts': {
    query: listContractsQuery,
    responses: { 200: { description: "A company's contracts (`companyId`, in creation order), or every contract of one `status` (default `active`, soonest end first; the others in creation order)", schema: contractPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'GET /v1/contracts/renewals': {
    query: renewalsQuery,
    responses: { 200: { description: "Active contracts ending from today (the MSP's time zone) through `withinDays` later, soonest first, with `companyName`, `annualValue`, `autoRenew` and `noticeDeadline`", schema: renewalPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'GET /v1/contracts/{id}': {
    params: idParams,
    responses: { 200: { description: 'The contract; `ETag` carries its version', schema: contractSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'PATCH /v1/contracts/{id}': {
    params: idParams,
    body: updateContractBody,
    responses: { 200: { description: 'The updated contract; the merged terms are checked as on create. Only a draft may change its `type`. Line items without an `id` get one', schema: contractSchema } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'DELETE /v1/contracts/{id}': {
    params: idParams,
    responses: { 204: { description: 'Deleted; only a draft may be. `If-Match` makes it conditional on the version' } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'POST /v1/contracts/{id}/activate': stateChange('A draft made active; `nextBillingDate` is its first billing date'),
  'POST /v1/contracts/{id}/cancel': stateChange('A draft or active contract cancelled'),
  'POST /v1/contracts/{id}/renew': stateChange(
    'An active or expired contract with an end date, active again with `endDate` extended by `renewalTermMonths` (on the start date\'s monthly anchor); a contract already closed (`nextBillingDate` null) bills again from the day after its old end',
  ),
  'PUT /v1/companies/{id}/default-contract': {
    params: idParams,
    body: defaultContractBody,
    responses: { 200: { description: 'The company with its default contract, which new tickets of the company take when given none', schema: companySchema } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['CONTRACT_NOT_IN_COMPANY', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
} as const satisfies Record<string, RequestSpec>;
