/** Portal access routes: staff invitations and resets, the public set-up and reset, and `me`. */
import { idParams } from '../common/schemas';
import { contactSchema } from '../contacts/contact.schema';
import type { RequestSpec } from '../http/request';
import { accepted, meSchema, publicResetBody, setupBody, setupResult } from './portal.schema';

export const portalApi = {
  'POST /v1/contacts/{id}/invite': {
    params: idParams,
    responses: { 202: { description: 'A set-up link is being emailed; `portal.status` is `pending` (a new invite voids the previous link)', schema: contactSchema } },
    errors: { 404: ['NOT_FOUND'], 409: ['CONTACT_INACTIVE', 'COMPANY_ARCHIVED', 'CONTACT_HAS_NO_EMAIL', 'CONTACT_HAS_NO_COMPANY'] },
  },
  'POST /v1/contacts/{id}/password-reset': {
    params: idParams,
    responses: { 202: { description: 'A reset link is being emailed', schema: accepted } },
    errors: { 404: ['NOT_FOUND'], 409: ['PORTAL_NOT_ACTIVE', 'CONTACT_INACTIVE', 'COMPANY_ARCHIVED'] },
  },
  'POST /v1/public/portal/setup': {
    body: setupBody,
    responses: { 200: { description: 'Password set; the portal account is active', schema: setupResult } },
    errors: { 400: ['INVALID_TOKEN'], 403: ['PORTAL_PAUSED'], 409: ['CONTACT_INACTIVE'] },
  },
  'POST /v1/public/portal/password-reset': {
    body: publicResetBody,
    responses: { 202: { description: 'Always accepted at once (the request is carried out afterwards); a reset link is emailed when a portal-active contact has this email, at most 3 per address per hour', schema: accepted } },
  },
  'GET /v1/portal/me': {
    responses: { 200: { description: 'The signed-in contact and its company', schema: meSchema } },
    errors: { 403: ['CONTACT_INACTIVE', 'PORTAL_PAUSED'] },
  },
} as const satisfies Record<string, RequestSpec>;
