/**
 * SLA policy: request bodies and the resource as API.md ("Service levels") names them, and the
 * business-hours shape a company's settings reuse (`businessHours`, "Client settings").
 *
 * Everything the calculator (`business-time.ts`) relies on is refused here with a 400 rather
 * than discovered when a ticket's due time is computed: an unknown zone, a malformed or
 * overlapping interval, and a week with no open time at all (no due time could ever be
 * reached). A PATCH replaces a field whole (`hours`, `holidays`, `targets`), so each field
 * is valid on its own and no merged check is needed.
 */
import { IANAZone } from 'luxon';
import * as z from 'zod';
import { id, isoTime, pageOf, text, patchBody } from '../common/schemas';
import { PRIORITIES, readWallTime, WEEKDAYS } from './business-time';

/** A response or resolution target: at most a year of business minutes. */
export const MAX_TARGET_MINUTES = 525_600;
/** Intervals per day: split shifts, not minute-by-minute rosters. */
export const MAX_INTERVALS_PER_DAY = 12;
/** Holidays on one policy: decades of public holidays. */
export const MAX_HOLIDAYS = 1_000;

export const timezone = z
  .string()
  .refine((v) => IANAZone.isValidZone(v), 'Must be an IANA time zone such as "Europe/London"')
  .meta({ description: 'IANA time zone the hours and holidays are read in', example: 'Europe/London' });

const wallTime = z
  .string()
  .regex(/^(?:([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'Must be a local time "HH:MM" (00:00–23:59, or 24:00 as an end)');

const interval = z
  .tuple([wallTime, wallTime])
  // Only compared once both are well-formed times (zod still runs this when one is not).
  .refine(([s, e]) => {
    const [a, b] = [readWallTime(s), readWallTime(e)];
    return a === undefined || b === undefined || a < b;
  }, 'The start must be before the end (use "24:00" for midnight at the end of the day)')
  .meta({ description: 'Local wall-clock [start, end); "24:00" ends at the next midnight', example: ['08:00', '18:00'] });

/** One day's intervals, sorted by start on the way in; touching intervals are fine, overlapping ones are not. */
const dayHours = z
  .array(interval)
  .max(MAX_INTERVALS_PER_DAY)
  .transform((list) => [...list].sort((a, b) => readWallTime(a[0])! - readWallTime(b[0])!) as [string, string][])
  .superRefine((sorted, ctx) => {
    for (let i = 1; i < sorted.length; i++) {
      if (readWallTime(sorted[i]![0])! < readWallTime(sorted[i - 1]![1])!) {
        ctx.addIssue({ code: 'custom', message: `Intervals overlap: ${sorted[i - 1]!.join('–')} and ${sorted[i]!.join('–')}` });
      }
    }
  });

const weekShape = Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours])) as Record<(typeof WEEKDAYS)[number], typeof dayHours>;

/** A week of opening hours, in local wall time; at least one day has an interval. */
export const weekHoursBody = z
  .strictObject(weekShape)
  .refine((w) => WEEKDAYS.some((d) => w[d].length > 0), 'A week needs at least one interval of business hours (or use "24x7")')
  .meta({ id: 'BusinessHoursInput' });

/** A policy's hours, or a company's override of them: round the clock, or a week of intervals. */
export const hoursBody = z.union([z.literal('24x7'), weekHoursBody], {
  error: 'Must be "24x7" or a week of intervals: { "mon": [["08:00","18:00"]], …, "sun": [] }',
});

const holiday = z.iso.date().meta({ description: 'A local date the service desk is closed (YYYY-MM-DD)' });

const target = z
  .strictObject({
    responseMinutes: z.number().int().min(1).max(MAX_TARGET_MINUTES).meta({ description: 'Business minutes to the first response' }),
    resolutionMinutes: z.number().int().min(1).max(MAX_TARGET_MINUTES).meta({ description: 'Business minutes to resolution' }),
  })
  .refine((t) => t.responseMinutes <= t.resolutionMinutes, { path: ['responseMinutes'], message: 'Must not exceed resolutionMinutes' });

/** Every priority has a target: a ticket of any priority gets due times. */
const targets = z.strictObject(Object.fromEntries(PRIORITIES.map((p) => [p, target])) as Record<(typeof PRIORITIES)[number], typeof target>);

/** The fields a create may send and a PATCH may change (defaults apply on create only). */
const fields = {
  name: text(200).min(1, 'Required'),
  isDefault: z.boolean().meta({ description: 'Exactly one policy is the default (API.md)' }),
  timezone,
  hours: hoursBody,
  holidays: z
    .array(holiday)
    .max(MAX_HOLIDAYS)
    .transform((list) => [...new Set(list)].sort())
    .meta({ description: 'Closed local dates; stored sorted, duplicates dropped' }),
  targets,
};

export const createSlaPolicyBody = z
  .strictObject({
    ...fields,
    isDefault: fields.isDefault.default(false),
    holidays: fields.holidays.default([]),
  })
  .meta({ id: 'CreateSlaPolicy' });
export type CreateSlaPolicyInput = z.output<typeof createSlaPolicyBody>;

export const updateSlaPolicyBody = patchBody(z.strictObject(fields))
  .meta({ id: 'UpdateSlaPolicy' });
export type UpdateSlaPolicyInput = z.output<typeof updateSlaPolicyBody>;

/** The stored and returned shapes (no input rules: what was stored passed them). */
const intervalOut = z.tuple([z.string(), z.string()]);
export const weekHoursSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(intervalOut)])) as Record<(typeof WEEKDAYS)[number], z.ZodArray<typeof intervalOut>>)
  .meta({ id: 'BusinessHours' });
export const hoursSchema = z.union([z.literal('24x7'), weekHoursSchema]);
const targetOut = z.object({ responseMinutes: z.number().int(), resolutionMinutes: z.number().int() });

export const slaPolicySchema = z
  .object({
    id,
    name: z.string(),
    isDefault: z.boolean(),
    timezone: z.string(),
    hours: hoursSchema,
    holidays: z.array(z.string()),
    targets: z.object(Object.fromEntries(PRIORITIES.map((p) => [p, targetOut])) as Record<(typeof PRIORITIES)[number], typeof targetOut>),
    version: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'SlaPolicy' });
export type SlaPolicy = z.output<typeof slaPolicySchema>;

export const slaPolicyPageSchema = pageOf(slaPolicySchema, 'SlaPolicyPage');
