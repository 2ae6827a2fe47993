/** Schema pieces every capability shares: ids, times, the problem document. */
import * as z from 'zod';

/** `true` when `T`'s keys are exactly `K`: a zod-free field list (`company.fields.ts`) checked against its schema's output. */
export type HasExactly<T, K extends PropertyKey> = [keyof T] extends [K] ? ([K] extends [keyof T] ? true : false) : false;

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const id = z.string().regex(ULID, 'Must be a 26-character ULID');
export const idParams = z.object({ id });
export const isoTime = z.string().meta({ format: 'date-time' });

/** List paging: `?limit=` (1–100, default 50) and `?cursor=` (`http/pagination.ts`). */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2048).optional(),
};

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable UPPER_SNAKE code clients can switch on' }),
    errors: z.array(
      z.object({
        in: z.enum(['body', 'query', 'path', 'header']),
        path: z.string().meta({ description: 'In the body a JSON Pointer (RFC 6901, `/lineItems/0/unitPrice`; `""` the whole body), otherwise the parameter or header name' }),
        message: z.string(),
      }),
    ),
  })
  .meta({ id: 'Problem' });

/** A PATCH body: every field of `fields` optional, and at least one sent (an empty PATCH is a mistake, not a no-op). */
export const patchBody = <S extends z.core.$ZodLooseShape, C extends z.core.$ZodObjectConfig>(fields: z.ZodObject<S, C>) => fields.partial().refine((b) => Object.keys(b).length > 0, 'Send at least one field to change');

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id: name });

/**
 * What a person may type, decided here for every schema. A single line (names, titles,
 * subjects, address lines, phone numbers, tags, …) holds no control character at all: no C0
 * (NUL, TAB, CR, LF, …), DEL or C1, and no Unicode line or paragraph separator, so nothing typed
 * can break a line of an email header, a CSV row or a log entry. Multi-line text (notes,
 * descriptions, comment bodies) may hold line breaks and tabs, and no other control character.
 * Checked before trimming, so a trailing line break is refused, not silently dropped.
 */
export const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
export const MULTI_LINE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** One line of text, trimmed, at most `max` characters (`.min(1, …)` for a required one, `.nullable()` where a PATCH may clear it). */
export const text = (max: number) =>
  z
    .string()
    .refine((v) => !SINGLE_LINE_FORBIDDEN.test(v), 'Must be a single line without control characters')
    .trim()
    .max(max);

/** Text that may span lines (LF, CR, TAB allowed), trimmed, at most `max` characters. */
export const multiline = (max: number) =>
  z
    .string()
    .refine((v) => !MULTI_LINE_FORBIDDEN.test(v), 'Must not contain control characters other than line breaks and tabs')
    .trim()
    .max(max);

/** What a single line becomes where it must fit on one line whatever it holds (an email subject built from stored data). */
export const toOneLine = (v: string): string => v.replace(new RegExp(` *(?:${SINGLE_LINE_FORBIDDEN.source})+ *`, 'g'), ' ').trim();
