/**
 * Webhooks (API.md v1.1 "CRM sync"): the subscription's request bodies and resource, and a
 * delivery as its log shows it. The URL's shape (https, no credentials, no fragment) is checked
 * here; where it resolves to (never a private, loopback or link-local address) is checked by
 * `url-policy.ts` on every create, change and delivery.
 */
import * as z from 'zod';
import { id, isoTime, pageOf, text, patchBody } from '../common/schemas';
import { CHANGE_EVENT_TYPES, EVENT_SELECTORS } from './change-events';

/** Subscriptions an MSP may keep: a CRM or two, an automation tool, a data warehouse. */
export const MAX_WEBHOOKS = 50;

const url = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v), 'Must be an absolute URL')
  .refine((v) => !URL.canParse(v) || ['https:', 'http:'].includes(new URL(v).protocol), 'Must be an https URL')
  .refine((v) => !URL.canParse(v) || (!new URL(v).username && !new URL(v).password), 'Must not carry a user name or password: the signature proves who sends')
  .refine((v) => !URL.canParse(v) || !new URL(v).hash, 'Must not have a fragment')
  .meta({ description: 'Where deliveries are POSTed: https, never a private, loopback or link-local address (locally also http://127.0.0.1 and http://localhost)', example: 'https://crm.example.com/hooks/clientele' });

const events = z
  .array(z.enum(EVENT_SELECTORS))
  .min(1)
  .max(EVENT_SELECTORS.length)
  .refine((v) => new Set(v).size === v.length, 'Must not repeat an event')
  .meta({ description: 'Event types (`company.updated`) or a whole kind (`company.*`)' });

const system = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'Must be a lower-case slug such as "hubspot"')
  .meta({
    description:
      'The external system behind this URL, as it names itself in `PUT /v1/external/{system}/…`: changes that came in from that system are not sent back to it (the loop guard)',
  });

export const createWebhookBody = z
  .object({
    url,
    events,
    active: z.boolean().default(true),
    system: system.nullable().default(null),
    description: text(500).nullable().default(null),
  })
  .strict();
export type CreateWebhookInput = z.output<typeof createWebhookBody>;

export const updateWebhookBody = patchBody(z.strictObject({ url, events, active: z.boolean(), system: system.nullable(), description: text(500).nullable() }));
export type UpdateWebhookInput = z.output<typeof updateWebhookBody>;

export const webhookSchema = z
  .object({
    id,
    url: z.string(),
    events: z.array(z.enum(EVENT_SELECTORS)),
    active: z.boolean(),
    system: z.string().nullable(),
    description: z.string().nullable(),
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.output<typeof webhookSchema>;

export const createdWebhookSchema = webhookSchema
  .extend({
    secret: z.string().meta({
      description: 'The signing secret (`whsec_…`, Standard Webhooks): shown once, here. Verify `webhook-signature` with it.',
    }),
  })
  .meta({ id: 'CreatedWebhook' });

export const webhookPageSchema = pageOf(webhookSchema, 'WebhookPage');

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const deliverySchema = z
  .object({
    id: z.string().meta({ description: 'The `webhook-id` every attempt of this event carries (`msg_<ULID>`, time-ordered)' }),
    eventType: z.enum(CHANGE_EVENT_TYPES),
    status: z.enum(DELIVERY_STATUSES).meta({
      description: '`pending` (to be attempted, or retried at `nextAttemptAt`), `succeeded` (a 2xx), `failed` (no 2xx in 24 h), `cancelled` (the webhook was paused or deleted first)',
    }),
    attempts: z.array(
      z.object({
        at: isoTime,
        statusCode: z.number().int().nullable().meta({ description: "The receiver's HTTP status; null when there was no response" }),
        error: z.string().nullable().meta({ description: 'Why there was no response (timeout, refused, an address not allowed)' }),
        durationMs: z.number().int(),
      }),
    ),
    nextAttemptAt: isoTime.nullable(),
    payload: z.unknown().meta({ description: 'The body POSTed: `{ type, timestamp, data, origin }`' }),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'WebhookDelivery' });
export type DeliveryResource = z.output<typeof deliverySchema>;

export const deliveryPageSchema = pageOf(deliverySchema, 'WebhookDeliveryPage');

/** An attempt message on the `webhooks` queue. */
export const attemptMessageSchema = z.object({ webhookId: id, deliveryId: z.string().regex(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/), attempt: z.number().int().min(1) });
export type AttemptMessage = z.output<typeof attemptMessageSchema>;
