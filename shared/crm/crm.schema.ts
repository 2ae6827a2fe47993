/**
 * CRM sync, inbound (API.md "CRM sync"): the path of an upsert by external id, and what a
 * write through it leaves on the record. Zod-free pieces live in `external-link.repository.ts`.
 */
import * as z from 'zod';
import { SINGLE_LINE_FORBIDDEN } from '../common/schemas';

/** A CRM's slug, as it appears in the path: `hubspot`, `zoho-crm`. */
export const SYSTEM_SLUG = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** An id of the outside system: opaque, kept exactly as sent (not trimmed), one line. */
export const externalId = z
  .string()
  .min(1, 'Required')
  .max(200)
  .refine((v) => !SINGLE_LINE_FORBIDDEN.test(v), 'Must not contain control characters');

export const externalParams = z.object({
  system: z.string().regex(SYSTEM_SLUG, 'Must be a system slug: lower-case letters, digits and hyphens, 1–32 characters, not starting with a hyphen'),
  externalId,
});

/** `{ <system>: <external id> }` on a company or contact: the links its delete removes. */
export const externalIdsSchema = z
  .record(z.string(), z.string())
  .meta({ description: 'The outside systems this record is linked to, by system slug: `{ "hubspot": "1234" }` (`PUT /v1/external/{system}/…/{externalId}`); `{}` when none' });
