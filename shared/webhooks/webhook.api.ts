/** The webhook routes' request and response shapes: the handlers parse with them, OpenAPI documents them. */
import * as z from 'zod';
import { idParams, pageQuery } from '../common/schemas';
import type { RequestSpec } from '../http/request';
import { createdWebhookSchema, createWebhookBody, deliveryPageSchema, updateWebhookBody, webhookPageSchema, webhookSchema } from './webhook.schema';

const versioned = { 400: ['INVALID_IF_MATCH'], 404: ['NOT_FOUND'], 412: ['VERSION_MISMATCH'] } as const;

export const webhookApi = {
  'GET /v1/webhooks': {
    query: z.object(pageQuery),
    responses: { 200: { description: 'Webhook subscriptions in creation order (never their secrets)', schema: webhookPageSchema } },
    errors: { 400: ['INVALID_CURSOR'] },
  },
  'POST /v1/webhooks': {
    body: createWebhookBody,
    responses: {
      201: {
        description:
          'The new subscription with its signing `secret`, shown this once (an `Idempotency-Key` replay answers without it). `url` must be https and resolve only to public addresses (`400 VALIDATION_FAILED` at `/url`)',
        schema: createdWebhookSchema,
      },
    },
    errors: { 409: ['INVALID_STATE'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  },
  'GET /v1/webhooks/{id}': {
    params: idParams,
    responses: { 200: { description: 'The subscription; `ETag` carries its version', schema: webhookSchema } },
    errors: { 404: ['NOT_FOUND'] },
  },
  'PATCH /v1/webhooks/{id}': {
    params: idParams,
    body: updateWebhookBody,
    responses: { 200: { description: 'The changed subscription. `active: false` pauses it: what it has pending is cancelled at its next attempt, and new changes are not delivered to it', schema: webhookSchema } },
    errors: versioned,
  },
  'DELETE /v1/webhooks/{id}': {
    params: idParams,
    responses: { 204: { description: 'Deleted; pending deliveries are cancelled, the delivery log expires with its 30-day TTL' } },
    errors: versioned,
  },
  'GET /v1/webhooks/{id}/deliveries': {
    params: idParams,
    query: z.object(pageQuery),
    responses: { 200: { description: "The webhook's deliveries of the last 30 days, newest first, each with every attempt", schema: deliveryPageSchema } },
    errors: { 400: ['INVALID_CURSOR'], 404: ['NOT_FOUND'] },
  },
} as const satisfies Record<string, RequestSpec>;
