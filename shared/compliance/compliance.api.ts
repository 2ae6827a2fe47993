/** Compliance organization routes. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { complianceOrganizationSchema } from './compliance.schema';

export const complianceApi = {
  'GET /v1/companies/{id}/compliance-organization': {
    params: idParams,
    responses: { 200: { description: "The company's compliance organization", schema: complianceOrganizationSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'POST /v1/companies/{id}/compliance-organization': {
    params: idParams,
    responses: {
      201: { description: 'Promoted', schema: complianceOrganizationSchema },
      200: { description: 'Already an active organization', schema: complianceOrganizationSchema },
    },
    errors: { 404: ['NOT_FOUND'], 409: ['COMPANY_ARCHIVED'] },
  },
  'POST /v1/companies/{id}/compliance-organization/archive': {
    params: idParams,
    responses: { 200: { description: 'The organization, archived', schema: complianceOrganizationSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
