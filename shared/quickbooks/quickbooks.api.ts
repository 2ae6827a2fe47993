/** The QuickBooks routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import { companySchema } from '../companies/company.schema';
import type { RequestSpec } from '../http/request';
import { callbackQuery, callbackResponse, connectResponse, linkCompanyBody } from './quickbooks.schema';

export const quickBooksApi = {
  'GET /v1/integrations/quickbooks/connect': {
    responses: { 200: { description: "Intuit's authorize URL; its `state` is signed and expires in 10 minutes", schema: connectResponse } },
  },
  'GET /v1/public/quickbooks/callback': {
    query: callbackQuery,
    responses: { 200: { description: 'Connected: the tokens are stored (encrypted) with the QuickBooks company (realm) id', schema: callbackResponse } },
    errors: { 400: ['INVALID_STATE', 'QUICKBOOKS_ACCESS_DENIED', 'QUICKBOOKS_AUTHORIZATION_FAILED', 'VALIDATION_FAILED'] },
  },
  'POST /v1/companies/{id}/quickbooks/link': {
    params: idParams,
    body: linkCompanyBody,
    responses: { 200: { description: 'The company, linked (`integrations.quickbooks`)', schema: companySchema } },
    errors: {
      400: ['QUICKBOOKS_CUSTOMER_NOT_FOUND', 'QUICKBOOKS_REJECTED'],
      404: ['NOT_FOUND'],
      409: ['COMPANY_ARCHIVED', 'QUICKBOOKS_NOT_CONNECTED', 'QUICKBOOKS_NAME_CONFLICT', 'QUICKBOOKS_CUSTOMER_LINKED', 'CONCURRENT_CHANGE'],
      429: ['THROTTLED'],
    },
  },
} as const satisfies Record<string, RequestSpec>;
