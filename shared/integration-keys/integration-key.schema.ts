/** Integration keys: the request body and the resource (the key itself appears once, in the `201`). */
import * as z from 'zod';
import { id, isoTime, pageOf, text } from '../common/schemas';
import { INTEGRATION_SCOPES } from '../routes';

/** Keys expire: a year unless asked otherwise, two at most. */
export const DEFAULT_KEY_DAYS = 365;
export const MAX_KEY_DAYS = 730;

export const createIntegrationKeyBody = z
  .object({
    name: text(100).min(1).meta({ description: 'Which tool holds it, e.g. "NinjaOne RMM"' }),
    scopes: z
      .array(z.enum(INTEGRATION_SCOPES))
      .min(1)
      .refine((v) => new Set(v).size === v.length, 'Must not repeat a scope')
      .meta({ description: '`signals`: `POST /v1/companies/{id}/signals`' }),
    expiresInDays: z.number().int().min(1).max(MAX_KEY_DAYS).default(DEFAULT_KEY_DAYS),
  })
  .strict();
export type CreateIntegrationKeyInput = z.output<typeof createIntegrationKeyBody>;

export const integrationKeySchema = z
  .object({
    id,
    name: z.string(),
    scopes: z.array(z.enum(INTEGRATION_SCOPES)),
    hint: z.string().meta({ description: 'The key\'s first characters, to tell keys apart (`clk_<id>_ab12…`)' }),
    createdAt: isoTime,
    createdBy: z.string().meta({ description: "The staff user who created it (Cognito `sub`)" }),
    expiresAt: isoTime,
    revokedAt: isoTime.nullable(),
    lastUsedAt: isoTime.nullable().meta({ description: 'Last use, to within 5 minutes' }),
  })
  .meta({ id: 'IntegrationKey' });
export type IntegrationKey = z.output<typeof integrationKeySchema>;

export const createdIntegrationKeySchema = integrationKeySchema
  .extend({ key: z.string().meta({ description: 'The key (`clk_…`), shown this once: send it as `Authorization: Bearer <key>`' }) })
  .meta({ id: 'CreatedIntegrationKey' });

export const integrationKeyPageSchema = pageOf(integrationKeySchema, 'IntegrationKeyPage');
