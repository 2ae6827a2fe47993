/** Schema pieces every capability shares: ids, times, the problem document. */
import * as z from 'zod';

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const id = z.string().regex(ULID, 'Must be a 26-character ULID');
export const idParams = z.object({ id });
export const isoTime = z.string().meta({ format: 'date-time' });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable UPPER_SNAKE code clients can switch on' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .meta({ id: 'Problem' });

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id: name });

/** A text field that may be cleared with `null` on PATCH. */
export const text = (max: number) => z.string().trim().max(max);
