/** Microsoft 365 routes. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { callbackQuery, consentQuery, importTenantsBody, importTenantsResult, linkedResult, syncAccepted, syncJobSchema, tenantListSchema, urlResult } from './m365.schema';

export const m365Api = {
  'GET /v1/integrations/m365/consent-url': {
    query: consentQuery,
    responses: { 200: { description: 'The admin-consent URL; its `state` is signed, expires in 30 minutes and names the company', schema: urlResult } },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'] },
  },
  'GET /v1/public/m365/callback': {
    query: callbackQuery,
    responses: { 200: { description: 'Linked; the first sync is queued', schema: linkedResult } },
    errors: { 400: ['INVALID_STATE', 'M365_CONSENT_DENIED'], 404: ['NOT_FOUND'], 409: ['INVALID_STATE', 'M365_TENANT_LINKED', 'M365_ALREADY_LINKED', 'COMPANY_ARCHIVED'] },
  },
  'GET /v1/integrations/m365/tenants': {
    responses: { 200: { description: "The partner's customer tenants (Graph `/contracts`), with the company each is linked to", schema: tenantListSchema } },
  },
  'POST /v1/integrations/m365/tenants/import': {
    body: importTenantsBody,
    responses: { 202: { description: 'One item per tenant: its company and sync job, or its own error', schema: importTenantsResult } },
  },
  'POST /v1/companies/{id}/m365/sync': {
    params: idParams,
    responses: { 202: { description: 'The queued job (or the one already queued or running)', schema: syncAccepted } },
    errors: { 404: ['NOT_FOUND'], 409: ['M365_NOT_LINKED', 'COMPANY_ARCHIVED'] },
  },
  'GET /v1/sync-jobs/{id}': {
    params: idParams,
    responses: { 200: { description: 'The sync job and its counts', schema: syncJobSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
