/** The client settings routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import { idParams } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { clientSettingsBody, clientSettingsSchema, mspSettingsBody, mspSettingsSchema } from './settings.schema';

export const settingsApi = {
  'GET /v1/companies/{id}/settings': {
    params: idParams,
    responses: { 200: { description: "The company's client settings (defaults where none were set); `ETag` carries the company's version", schema: clientSettingsSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'PUT /v1/companies/{id}/settings': {
    params: idParams,
    body: clientSettingsBody,
    responses: {
      200: {
        description:
          "The settings, replaced whole (a field left out takes its default), as one change of the company (its version moves; audited as `company.settings_updated`). `billingContactId` and `billingRates.hourlyRate` are the company's own `billingContactId` and `hourlyRate`",
        schema: clientSettingsSchema,
      },
    },
    errors: {
      400: ['UNKNOWN_SLA_POLICY', 'UNKNOWN_CONTACT', 'UNKNOWN_STAFF_USER', 'INVALID_IF_MATCH'],
      404: ['NOT_FOUND'],
      409: ['COMPANY_ARCHIVED', 'CONTACT_NOT_IN_COMPANY', 'CONCURRENT_CHANGE'],
      412: ['VERSION_MISMATCH'],
    },
  },
  'GET /v1/settings': {
    responses: { 200: { description: "The MSP-wide defaults: the deployment's time zone and currency, and the ticket categories; `ETag` carries its version", schema: mspSettingsSchema } },
  },
  'PUT /v1/settings': {
    body: mspSettingsBody,
    responses: { 200: { description: 'The MSP-wide defaults with the categories replaced (a company whose settings list no categories offers these in its portal)', schema: mspSettingsSchema } },
    errors: { 400: ['INVALID_IF_MATCH'], 409: ['DEPLOYMENT_SETTING', 'CONCURRENT_CHANGE'], 412: ['VERSION_MISMATCH'] },
  },
} as const satisfies Record<string, RequestSpec>;
