/** The inbound upsert's request spec, one shape for companies and contacts (their `*.api.ts` name it by route). */
import type * as z from 'zod';
import type { RequestSpec } from '../http/request';
import { externalParams } from './crm.schema';

export const externalUpsertSpec = <B extends z.ZodType, S extends z.ZodType>(o: { body: B; schema: S; what: string; naturalKey: string; errors: Record<number, readonly string[]> }) =>
  ({
    params: externalParams,
    body: o.body,
    responses: {
      200: {
        description: `The ${o.what} linked to this external id (or, found by its ${o.naturalKey}, linked to it now), updated to the body: the outside system is the source of truth (no \`If-Match\`; a lost race is read again and the body applied again). A field left out keeps its value. Nothing differs: nothing written, version kept`,
        schema: o.schema,
      },
      201: { description: `Created and linked to the external id; \`Location\` names it`, schema: o.schema },
    },
    errors: { ...o.errors, 409: [...(o.errors[409] ?? []), 'CONCURRENT_CHANGE'] },
  }) satisfies RequestSpec;
