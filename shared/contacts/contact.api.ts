/** The contacts routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import { externalUpsertSpec } from '../crm/crm.api';
import type { RequestSpec } from '../http/request';
import { contactPageSchema, contactSchema, createContactBody, listCompanyContactsQuery, listContactsQuery, updateContactBody, upsertExternalContactBody } from './contact.schema';

export const contactApi = {
  'POST /v1/contacts': {
    body: createContactBody,
    responses: { 201: { description: 'Created (and invited, with `sendInvite`); `Location` names it', schema: contactSchema } },
    errors: { 400: ['UNKNOWN_COMPANY'], 409: ['CONTACT_EMAIL_TAKEN', 'COMPANY_ARCHIVED'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/contacts': {
    query: listContactsQuery,
    responses: { 200: { description: 'Contacts by last name: of `companyId`, with no company (`unassigned=true`), or all; `status` filters. With `q`: a prefix search (accents and case folded) of the full name, the last name, a later word of either name, or the email, in match order, each contact once (README, Contacts)', schema: contactPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'GET /v1/companies/{id}/contacts': {
    params: idParams,
    query: listCompanyContactsQuery,
    responses: { 200: { description: "The company's contacts by last name; with `q`, a prefix search as on `GET /v1/contacts`", schema: contactPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'GET /v1/contacts/{id}': {
    params: idParams,
    responses: { 200: { description: 'The contact; `ETag` carries its version', schema: contactSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'PATCH /v1/contacts/{id}': {
    params: idParams,
    body: updateContactBody,
    responses: { 200: { description: 'The updated contact; a move changes both companies’ counts', schema: contactSchema } },
    errors: { 400: ['UNKNOWN_COMPANY', 'INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['CONTACT_EMAIL_TAKEN', 'COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'DELETE /v1/contacts/{id}': {
    params: idParams,
    responses: { 204: { description: 'Deleted; its tickets and assets remain, with `contactId: null`' } },
    errors: { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
  'PUT /v1/external/{system}/contacts/{externalId}': externalUpsertSpec({
    body: upsertExternalContactBody,
    schema: contactSchema,
    what: 'contact',
    naturalKey: 'email',
    errors: { 400: ['UNKNOWN_COMPANY'], 409: ['CONTACT_EMAIL_TAKEN', 'COMPANY_ARCHIVED'] },
  }),
  'POST /v1/contacts/{id}/deactivate': {
    params: idParams,
    responses: { 200: { description: 'The contact, `inactive`; its portal calls get 403 from the next request on', schema: contactSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'] },
  },
  'POST /v1/contacts/{id}/activate': {
    params: idParams,
    responses: { 200: { description: 'The contact, `active` again', schema: contactSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'] },
  },
} as const satisfies Record<string, RequestSpec>;
