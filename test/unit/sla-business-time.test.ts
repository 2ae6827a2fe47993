/**
 * Business time and SLA due times (shared/sla/business-time.ts) and the policy schema
 * (shared/sla/sla.schema.ts): a table of due times worked out by hand across weekends,
 * holidays and the 2027 daylight-saving changes in Europe/London (28 March, 31 October; the
 * clocks change at 01:00 UTC) and America/New_York (14 March at 02:00 EST = 07:00 UTC,
 * 7 November at 02:00 EDT = 06:00 UTC), then properties over random calendars.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  dueTimes,
  NoBusinessTimeError,
  WEEKDAYS,
  type BusinessCalendar,
  type SlaCalendarPolicy,
  type WeekHours,
} from '../../shared/sla/business-time';
import { createSlaPolicyBody, slaPolicySchema, updateSlaPolicyBody } from '../../shared/sla/sla.schema';

const week = (days: Partial<WeekHours>): WeekHours => ({ mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], ...days });
const weekdays = (s: string, e: string): WeekHours => {
  const i: [string, string][] = [[s, e]];
  return week({ mon: i, tue: i, wed: i, thu: i, fri: i });
};
const everyDay = (s: string, e: string): WeekHours => week(Object.fromEntries(WEEKDAYS.map((d) => [d, [[s, e]]])));

/** London office, Mon–Fri 08:00–18:00; Good Friday and Easter Monday 2027 (26, 29 March, around the clock change) and the Christmas substitutes (27, 28 December). */
const LON: BusinessCalendar = { timezone: 'Europe/London', hours: weekdays('08:00', '18:00'), holidays: ['2027-03-26', '2027-03-29', '2027-12-27', '2027-12-28'] };
/** A night desk in London, every day 01:00–03:00 local: the hour the clocks change in. */
const LON_NIGHT: BusinessCalendar = { timezone: 'Europe/London', hours: everyDay('01:00', '03:00'), holidays: [] };
/** Sunday 01:15–01:45 lies wholly in London's spring gap; Wednesday 09:00–10:00. */
const LON_GAP: BusinessCalendar = { timezone: 'Europe/London', hours: week({ sun: [['01:15', '01:45']], wed: [['09:00', '10:00']] }), holidays: [] };
const LON_24: BusinessCalendar = { timezone: 'Europe/London', hours: '24x7', holidays: [] };
/** New York office, Mon–Fri 09:00–17:00; Independence Day observed (5 July 2027) and Thanksgiving (25 November 2027). */
const NYC: BusinessCalendar = { timezone: 'America/New_York', hours: weekdays('09:00', '17:00'), holidays: ['2027-07-05', '2027-11-25'] };
/** A New York night shift, every day 00:00–08:00 local: 7 real hours on 14 March, 9 on 7 November. */
const NYC_NIGHT: BusinessCalendar = { timezone: 'America/New_York', hours: everyDay('00:00', '08:00'), holidays: [] };
const NYC_24: BusinessCalendar = { timezone: 'America/New_York', hours: '24x7', holidays: [] };

const dueCases: [string, BusinessCalendar, string, number, string][] = [
  // London: GMT = UTC until 28 March 01:00 UTC, BST = UTC+1 until 31 October 01:00 UTC.
  ['LON inside hours', LON, '2027-03-02T10:00:00Z', 60, '2027-03-02T11:00:00.000Z'], // Tue 10:00 GMT + 1 h
  ['LON before opening counts from 08:00', LON, '2027-03-02T06:00:00Z', 60, '2027-03-02T09:00:00.000Z'], // Tue 06:00 → 08:00 + 60
  ['LON after closing counts from the next morning', LON, '2027-03-02T19:00:00Z', 60, '2027-03-03T09:00:00.000Z'], // Tue 19:00 → Wed 08:00 + 60
  ['LON ends exactly at closing: that day, not the next opening', LON, '2027-03-01T08:00:00Z', 600, '2027-03-01T18:00:00.000Z'], // Mon 08:00 + 10 h
  ['LON Friday evening over the weekend', LON, '2027-03-05T17:30:00Z', 120, '2027-03-08T09:30:00.000Z'], // Fri 30 min, Mon 08:00 + 90
  ['LON starting on Saturday', LON, '2027-03-06T12:00:00Z', 30, '2027-03-08T08:30:00.000Z'], // Mon 08:00 + 30
  // Thu 25 Mar 17:00 GMT: 60 min Thu; Fri 26 holiday; Sat; Sun 28 clocks change; Mon 29 holiday; Tue 30 08:00 BST (07:00Z) + 60.
  ['LON Easter and the spring change', LON, '2027-03-25T17:00:00Z', 120, '2027-03-30T08:00:00.000Z'],
  ['LON starting on a holiday (Good Friday)', LON, '2027-03-26T10:00:00Z', 30, '2027-03-30T07:30:00.000Z'], // Tue 30 08:00 BST + 30 = 08:30 BST
  // Fri 29 Oct 17:00 BST (16:00Z): 60 min Fri; Sun 31 clocks go back; Mon 1 Nov 08:00 GMT (08:00Z) + 60.
  ['LON over the autumn change', LON, '2027-10-29T16:00:00Z', 120, '2027-11-01T09:00:00.000Z'],
  // Fri 24 Dec 16:00 GMT: 120 min Fri; Sat, Sun; Mon 27, Tue 28 holidays; Wed 29 08:00 + 120.
  ['LON Christmas substitutes', LON, '2027-12-24T16:00:00Z', 240, '2027-12-29T10:00:00.000Z'],
  // Mon 1 Mar 09:00 GMT + 10,000: Mon 540 (→ 9,460), 1–5 Mar Tue–Fri 2,400 (→ 7,060), 8–12 Mar 3,000 (→ 4,060),
  // 15–19 Mar 3,000 (→ 1,060), Mon 22 600 (→ 460), Tue 23 08:00 + 460 min = 15:40 GMT.
  ['LON 10,000 minutes', LON, '2027-03-01T09:00:00Z', 10_000, '2027-03-23T15:40:00.000Z'],
  // Night desk, 28 Mar: 01:00 local never shows (00:59:59 GMT → 02:00 BST) so it opens at the jump, 01:00Z,
  // and closes at 03:00 BST = 02:00Z: 60 real minutes. 30 more from Mon 29 01:00 BST = 00:00Z.
  ['LON night desk, spring gap', LON_NIGHT, '2027-03-28T00:00:00Z', 90, '2027-03-29T00:30:00.000Z'],
  // 31 Oct: opens at the first 01:00 (BST, 00:00Z), stays open through the repeated hour until 03:00 GMT = 03:00Z: 180 minutes.
  ['LON night desk, autumn repeated hour', LON_NIGHT, '2027-10-31T00:00:00Z', 150, '2027-10-31T02:30:00.000Z'],
  // 01:30Z is 01:30 GMT, the second 01:30 of the night: inside the stretch, 60 more → 02:30Z.
  ['LON night desk, start in the second 01:30', LON_NIGHT, '2027-10-31T01:30:00Z', 60, '2027-10-31T02:30:00.000Z'],
  // Sun 28 Mar 01:15–01:45 never shows: empty. Next: Wed 31 Mar 09:00 BST = 08:00Z + 10.
  ['LON interval wholly in the spring gap is empty', LON_GAP, '2027-03-28T00:00:00Z', 10, '2027-03-31T08:10:00.000Z'],
  // A week earlier the same Sunday interval exists: 01:15 GMT + 10.
  ['LON same interval on an ordinary Sunday', LON_GAP, '2027-03-21T00:00:00Z', 10, '2027-03-21T01:25:00.000Z'],
  // 24x7: business minutes are real minutes, whatever the wall clock does (00:30 GMT → 02:30 BST).
  ['LON 24x7 across the spring change', LON_24, '2027-03-28T00:30:00Z', 60, '2027-03-28T01:30:00.000Z'],
  ['LON 24x7 across the autumn change', LON_24, '2027-10-31T00:30:00Z', 60, '2027-10-31T01:30:00.000Z'],
  // 24x7 with 31 Oct a holiday: Sat 23:00 BST (22:00Z) → midnight BST (23:00Z) 60 min; Sunday closed, 25 real hours,
  // until Mon 00:00 GMT (00:00Z 1 Nov); + 60.
  ['LON 24x7 with a holiday on the autumn change', { ...LON_24, holidays: ['2027-10-31'] }, '2027-10-30T22:00:00Z', 120, '2027-11-01T01:00:00.000Z'],
  // New York: EST = UTC−5 until 14 March 07:00Z, EDT = UTC−4 until 7 November 06:00Z.
  // Fri 12 Mar 16:00 EST (21:00Z): 60 min Fri; Mon 15 09:00 EDT (13:00Z) + 60.
  ['NYC Friday before the spring change', NYC, '2027-03-12T21:00:00Z', 120, '2027-03-15T14:00:00.000Z'],
  // Fri 5 Nov 16:30 EDT (20:30Z): 30 min Fri; Mon 8 09:00 EST (14:00Z) + 30.
  ['NYC Friday before the autumn change', NYC, '2027-11-05T20:30:00Z', 60, '2027-11-08T14:30:00.000Z'],
  // Wed 24 Nov 16:00 EST (21:00Z): 60 Wed (→ 420); Thu 25 Thanksgiving; Fri 26 09:00 + 420 = 16:00 EST = 21:00Z.
  ['NYC Thanksgiving', NYC, '2027-11-24T21:00:00Z', 480, '2027-11-26T21:00:00.000Z'],
  // Fri 2 Jul 16:00 EDT (20:00Z): 60 Fri; Mon 5 observed holiday; Tue 6 09:00 EDT (13:00Z) + 60.
  ['NYC Independence Day observed', NYC, '2027-07-02T20:00:00Z', 120, '2027-07-06T14:00:00.000Z'],
  // Tue 2 Mar 03:00Z is still Mon 1 Mar 22:00 EST locally: after hours, so Tue 09:00 EST (14:00Z) + 60.
  ['NYC local date differs from the UTC date', NYC, '2027-03-02T03:00:00Z', 60, '2027-03-02T15:00:00.000Z'],
  // Night shift 14 Mar: 00:00 EST (05:00Z) to 08:00 EDT (12:00Z) = 420 real minutes.
  ['NYC night shift, spring change (7 real hours)', NYC_NIGHT, '2027-03-14T05:00:00Z', 420, '2027-03-14T12:00:00.000Z'],
  ['NYC night shift, one minute more is the next night', NYC_NIGHT, '2027-03-14T05:00:00Z', 421, '2027-03-15T04:01:00.000Z'], // Mon 00:00 EDT = 04:00Z
  // Night shift 7 Nov: 00:00 EDT (04:00Z) to 08:00 EST (13:00Z) = 540 real minutes.
  ['NYC night shift, autumn change (9 real hours)', NYC_NIGHT, '2027-11-07T04:00:00Z', 540, '2027-11-07T13:00:00.000Z'],
  ['NYC 24x7 across the spring change', NYC_24, '2027-03-14T06:30:00Z', 60, '2027-03-14T07:30:00.000Z'], // 01:30 EST → 03:30 EDT
  ['NYC 24x7 across the autumn change', NYC_24, '2027-11-07T05:30:00Z', 60, '2027-11-07T06:30:00.000Z'], // 01:30 EDT → 01:30 EST
];

describe('addBusinessMinutes: due times by hand', () => {
  it.each(dueCases)('%s', (_name, cal, start, minutes, expected) => {
    expect(addBusinessMinutes(start, minutes, cal)).toBe(expected);
    // And the elapsed business time back to the start is the minutes asked for.
    expect(businessMinutesBetween(start, expected, cal)).toBe(minutes);
  });

  it('takes a Date as well as a string, and 0 minutes is the start itself', () => {
    expect(addBusinessMinutes(new Date('2027-03-02T10:00:00Z'), 60, LON)).toBe('2027-03-02T11:00:00.000Z');
    expect(addBusinessMinutes('2027-03-06T12:00:00Z', 0, LON)).toBe('2027-03-06T12:00:00.000Z');
  });

  it('refuses a negative count, a bad time and an unknown zone', () => {
    expect(() => addBusinessMinutes('2027-03-02T10:00:00Z', -1, LON)).toThrow(RangeError);
    expect(() => addBusinessMinutes('not a time', 1, LON)).toThrow(RangeError);
    expect(() => addBusinessMinutes('2027-03-02T10:00:00', 1, LON)).toThrow(/with an offset/); // would be read in the process's zone
    expect(addBusinessMinutes('2027-03-02T10:00:00+01:00', 60, LON)).toBe('2027-03-02T10:00:00.000Z');
    expect(() => addBusinessMinutes('2027-03-02T10:00:00Z', 1, { ...LON, timezone: 'Europe/Londn' })).toThrow(RangeError);
  });

  it('throws NoBusinessTimeError (409) instead of looping when nothing is ever open', () => {
    const mondays: string[] = [];
    for (let t = Date.UTC(2027, 0, 4); t < Date.UTC(2030, 0, 1); t += 7 * 86_400_000) mondays.push(new Date(t).toISOString().slice(0, 10));
    const mondaysOnly: BusinessCalendar = { timezone: 'Europe/London', hours: week({ mon: [['09:00', '17:00']] }), holidays: mondays };
    expect(() => addBusinessMinutes('2027-01-01T00:00:00Z', 60, mondaysOnly)).toThrow(NoBusinessTimeError);
    expect(() => addBusinessMinutes('2027-01-01T00:00:00Z', 60, { ...LON, hours: week({}) })).toThrow(/no business hours in the 400 days from 2027-01-01/);
    try {
      addBusinessMinutes('2027-01-01T00:00:00Z', 60, mondaysOnly);
    } catch (e) {
      expect((e as NoBusinessTimeError).code).toBe('SLA_NO_BUSINESS_TIME');
    }
    // Counting elapsed time never throws: a closed calendar has simply had none.
    expect(businessMinutesBetween('2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z', mondaysOnly)).toBe(0);
  });

  it('computes 10,000 business minutes well under a millisecond (closed days skipped, offsets remembered)', () => {
    addBusinessMinutes('2027-03-01T09:00:00Z', 10_000, LON); // learn the zone's offsets once
    // The best of five batches: a loaded machine (CI runs test files side by side) stalls some batches, not all.
    const runs = 100;
    const batches = Array.from({ length: 5 }, () => {
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) addBusinessMinutes('2027-03-01T09:00:00Z', 10_000, LON);
      return (performance.now() - t0) / runs;
    });
    expect(Math.min(...batches)).toBeLessThan(1); // ~0.08 ms on a quiet machine; the bound leaves room for a loaded one
  });
});

describe('businessMinutesBetween', () => {
  it.each<[string, BusinessCalendar, string, string, number]>([
    ['LON over a weekend', LON, '2027-03-05T17:30:00Z', '2027-03-08T09:30:00Z', 120], // 30 Fri + 90 Mon
    ['LON whole week with Good Friday', LON, '2027-03-22T00:00:00Z', '2027-03-29T00:00:00Z', 2_400], // Mon–Thu 600 each
    ['LON night desk on the spring change day', LON_NIGHT, '2027-03-27T12:00:00Z', '2027-03-28T12:00:00Z', 60],
    ['LON night desk on the autumn change day', LON_NIGHT, '2027-10-30T12:00:00Z', '2027-10-31T12:00:00Z', 180],
    ['NYC night shift, 14 March', NYC_NIGHT, '2027-03-14T00:00:00Z', '2027-03-14T23:00:00Z', 420],
    ['NYC night shift, 7 November', NYC_NIGHT, '2027-11-07T00:00:00Z', '2027-11-07T23:00:00Z', 540],
    ['NYC 24x7 over the spring change night is real time', NYC_24, '2027-03-14T05:00:00Z', '2027-03-14T09:00:00Z', 240],
    ['seconds count as fractions of a minute', LON, '2027-03-02T10:00:00Z', '2027-03-02T10:00:30Z', 0.5],
    ['to before from is 0', LON, '2027-03-02T11:00:00Z', '2027-03-02T10:00:00Z', 0],
  ])('%s', (_name, cal, from, to, expected) => {
    expect(businessMinutesBetween(from, to, cal)).toBe(expected);
  });
});

const targets = {
  critical: { responseMinutes: 60, resolutionMinutes: 240 },
  high: { responseMinutes: 120, resolutionMinutes: 480 },
  medium: { responseMinutes: 240, resolutionMinutes: 1_200 },
  low: { responseMinutes: 480, resolutionMinutes: 2_400 },
};
const LON_POLICY: SlaCalendarPolicy = { ...LON, targets };

describe('dueTimes', () => {
  it('counts each priority in the policy hours', () => {
    // Fri 5 Mar 17:30 GMT, critical: 30 Fri + 30 Mon → Mon 08:30; 240: 30 Fri + 210 Mon → 11:30.
    expect(dueTimes('2027-03-05T17:30:00Z', 'critical', LON_POLICY)).toEqual({
      responseDueAt: '2027-03-08T08:30:00.000Z',
      resolutionDueAt: '2027-03-08T11:30:00.000Z',
    });
    // Thu 25 Mar 17:00 GMT, low. Response 480: 60 Thu (→ 420); Fri 26 holiday, weekend, Mon 29 holiday;
    // Tue 30 08:00 BST + 420 = 15:00 BST (14:00Z). Resolution 2,400: 60 Thu, Tue 30 600, Wed 31 600,
    // Thu 1 Apr 600 (→ 540); Fri 2 Apr 08:00 + 540 = 17:00 BST (16:00Z).
    expect(dueTimes('2027-03-25T17:00:00Z', 'low', LON_POLICY)).toEqual({
      responseDueAt: '2027-03-30T14:00:00.000Z',
      resolutionDueAt: '2027-04-02T16:00:00.000Z',
    });
  });

  it("uses a company's businessHours instead of the policy's, keeping the policy's zone and holidays", () => {
    // 24x7 override: Fri 17:30 + 60 and + 240 real minutes.
    expect(dueTimes('2027-03-05T17:30:00Z', 'critical', LON_POLICY, '24x7')).toEqual({
      responseDueAt: '2027-03-05T18:30:00.000Z',
      resolutionDueAt: '2027-03-05T21:30:00.000Z',
    });
    // Mon–Fri 07:00–19:00 and Sat 09:00–13:00: Fri 17:30–19:00 is 90 ≥ 60 → 18:30; 240 − 90 = 150 on Sat → 11:30.
    const extended = { ...weekdays('07:00', '19:00'), sat: [['09:00', '13:00']] as [string, string][] };
    expect(dueTimes('2027-03-05T17:30:00Z', 'critical', LON_POLICY, extended)).toEqual({
      responseDueAt: '2027-03-05T18:30:00.000Z',
      resolutionDueAt: '2027-03-06T11:30:00.000Z',
    });
    // Good Friday stays closed under the override: Thu 25 Mar 18:30 GMT + 60 → 30 Thu, Sat 27 09:00 + 30.
    expect(dueTimes('2027-03-25T18:30:00Z', 'critical', LON_POLICY, extended).responseDueAt).toBe('2027-03-27T09:30:00.000Z');
    // null means no override.
    expect(dueTimes('2027-03-05T17:30:00Z', 'critical', LON_POLICY, null)).toEqual(dueTimes('2027-03-05T17:30:00Z', 'critical', LON_POLICY));
  });
});

/** Random calendars: zones with 1 h, 30 min and no daylight saving, 0–3 intervals a day on a 15-minute grid (some inside the change hours), a few holidays. */
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const dayArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 })
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) out.push([hhmm(sorted[i]! * 15), hhmm(sorted[i + 1]! * 15)]);
    return out;
  });
const calendarArb: fc.Arbitrary<BusinessCalendar> = fc.record({
  timezone: fc.constantFrom('Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Sao_Paulo'),
  hours: fc.oneof(
    { weight: 1, arbitrary: fc.constant('24x7' as const) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(...WEEKDAYS.map(() => dayArb))
        .filter((days) => days.some((d) => d.length > 0))
        .map((days): WeekHours => week(Object.fromEntries(WEEKDAYS.map((d, i) => [d, days[i]!])))),
    },
  ),
  holidays: fc.uniqueArray(fc.integer({ min: 0, max: 400 }).map((d) => new Date(Date.UTC(2027, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)), { maxLength: 20 }),
});
/** Starts to the second between December 2026 and February 2028: both years' changes, every zone. */
const startArb = fc.integer({ min: Date.UTC(2026, 11, 1) / 1000, max: Date.UTC(2028, 1, 1) / 1000 }).map((s) => new Date(s * 1000).toISOString());
const minutesArb = fc.integer({ min: 0, max: 20_000 });

describe('business time properties', () => {
  it('addBusinessMinutes is monotonic in the minutes', () => {
    fc.assert(
      fc.property(calendarArb, startArb, minutesArb, minutesArb, (cal, start, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(Date.parse(addBusinessMinutes(start, lo, cal))).toBeLessThanOrEqual(Date.parse(addBusinessMinutes(start, hi, cal)));
      }),
      { numRuns: 300 },
    );
  });

  it('businessMinutesBetween(start, addBusinessMinutes(start, m)) is m, and a millisecond earlier it is not yet', () => {
    fc.assert(
      fc.property(calendarArb, startArb, minutesArb, (cal, start, m) => {
        const due = addBusinessMinutes(start, m, cal);
        expect(businessMinutesBetween(start, due, cal)).toBe(m);
        if (m > 0) expect(businessMinutesBetween(start, new Date(Date.parse(due) - 1).toISOString(), cal)).toBeLessThan(m);
      }),
      { numRuns: 300 },
    );
  });

  it('counting on from a due time is counting the sum (so the resolution due time may continue from the response one)', () => {
    fc.assert(
      fc.property(calendarArb, startArb, minutesArb, minutesArb, (cal, start, a, b) => {
        expect(addBusinessMinutes(addBusinessMinutes(start, a, cal), b, cal)).toBe(addBusinessMinutes(start, a + b, cal));
      }),
      { numRuns: 200 },
    );
  });

  it('24x7 without holidays is real time in every zone', () => {
    fc.assert(
      fc.property(calendarArb, startArb, minutesArb, (cal, start, m) => {
        expect(Date.parse(addBusinessMinutes(start, m, { ...cal, hours: '24x7', holidays: [] }))).toBe(Date.parse(start) + m * 60_000);
      }),
      { numRuns: 100 },
    );
  });
});

/**
 * The rule read a second way, by brute force with luxon's DateTime and nothing of the
 * calculator's: walk each local date's real time in 15-minute steps (every change and every
 * interval end in these zones falls on that grid), open at the first step whose wall time is
 * the start or later, close likewise; then count open minutes one by one from the start.
 */
const oracleDue = (cal: BusinessCalendar, start: number, minutes: number): number | undefined => {
  const STEP = 15 * 60_000;
  const wallMinute = (t: number) => {
    const d = DateTime.fromMillis(t, { zone: cal.timezone });
    return { date: d.toISODate()!, weekday: d.weekday, minute: d.hour * 60 + d.minute };
  };
  const open: [number, number][] = [];
  // Local dates from the day before the start for 10 days (ample for the minutes drawn below).
  let t = Math.floor((start - 86_400_000) / STEP) * STEP;
  while (wallMinute(t).minute !== 0 || wallMinute(t - STEP).date === wallMinute(t).date) t += STEP; // first instant of a local date
  for (let day = 0; day < 10; day++) {
    const { date, weekday } = wallMinute(t);
    const steps: { t: number; minute: number }[] = [];
    for (let u = t; wallMinute(u).date === date; u += STEP) steps.push({ t: u, minute: wallMinute(u).minute });
    const next = steps[steps.length - 1]!.t + STEP;
    const list = cal.hours === '24x7' ? [['00:00', '24:00'] as const] : cal.hours[WEEKDAYS[weekday - 1]!];
    const at = (hhmm: string) => {
      const w = hhmm === '24:00' ? 1440 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
      return steps.find((s) => s.minute >= w)?.t ?? next;
    };
    if (!cal.holidays.includes(date)) for (const [a, b] of list) if (at(b) > at(a)) open.push([at(a), at(b)]);
    t = next;
  }
  const end = open.length ? open[open.length - 1]![1] : start;
  let n = 0;
  let u = start;
  for (; n < minutes; u += 60_000) {
    if (u >= end) return undefined; // not enough open time in the window walked: no verdict
    if (open.some(([a, b]) => u >= a && u < b)) n++;
  }
  return u;
};

describe('business time agrees with a brute-force reading of the rule near clock changes', () => {
  const changes = [
    Date.UTC(2027, 2, 28, 1), // London, spring
    Date.UTC(2027, 9, 31, 1), // London, autumn
    Date.UTC(2027, 2, 14, 7), // New York, spring
    Date.UTC(2027, 10, 7, 6), // New York, autumn
    Date.UTC(2027, 3, 3, 15), // Lord Howe, back 30 min
    Date.UTC(2027, 9, 2, 15, 30), // Lord Howe, forward 30 min
    Date.UTC(2027, 3, 3, 14), // Chatham, back
    Date.UTC(2027, 8, 25, 14), // Chatham, forward
  ];
  it('due times match minute for minute', () => {
    fc.assert(
      fc.property(
        fc.tuple(calendarArb, fc.constantFrom('Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham')).map(([c, timezone]) => ({ ...c, timezone, holidays: [] })),
        fc.constantFrom(...changes),
        fc.integer({ min: -2 * 1440, max: 1440 }),
        fc.integer({ min: 1, max: 900 }),
        (cal, change, offsetMinutes, minutes) => {
          const start = change + offsetMinutes * 60_000;
          const expected = oracleDue(cal, start, minutes);
          fc.pre(expected !== undefined);
          expect(addBusinessMinutes(new Date(start), minutes, cal)).toBe(new Date(expected!).toISOString());
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('SLA policy schema', () => {
  const body = (more: Record<string, unknown> = {}) => ({
    name: 'Standard',
    timezone: 'Europe/London',
    hours: weekdays('08:00', '18:00'),
    targets,
    ...more,
  });
  /** The failing paths (dotted, from the body's root) and messages, as a 400's `errors` would carry them. */
  const problems = (schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    expect(r.success).toBe(false);
    return r.error!.issues.map((i) => [i.path.join('.'), i.message]);
  };

  it('takes a body, applies the defaults, sorts intervals and holidays, and fits the calculator', () => {
    const parsed = createSlaPolicyBody.parse(
      body({ hours: week({ mon: [['13:00', '24:00'], ['08:00', '12:00']] }), holidays: ['2027-12-28', '2027-12-27', '2027-12-28'] }),
    );
    expect(parsed).toEqual({
      name: 'Standard',
      isDefault: false,
      timezone: 'Europe/London',
      hours: week({ mon: [['08:00', '12:00'], ['13:00', '24:00']] }),
      holidays: ['2027-12-27', '2027-12-28'],
      targets,
    });
    const policy: SlaCalendarPolicy = parsed;
    expect(dueTimes('2027-03-01T11:30:00Z', 'critical', policy).responseDueAt).toBe('2027-03-01T13:30:00.000Z'); // 30 before lunch, 30 after
    expect(createSlaPolicyBody.parse(body({ hours: '24x7' })).hours).toBe('24x7');
  });

  it('refuses a zone luxon does not know', () => {
    expect(problems(createSlaPolicyBody, body({ timezone: 'Europe/Londn' }))).toEqual([['timezone', 'Must be an IANA time zone such as "Europe/London"']]);
    expect(problems(createSlaPolicyBody, body({ timezone: '+01:00' }))).toEqual([['timezone', 'Must be an IANA time zone such as "Europe/London"']]);
  });

  it('refuses overlapping, reversed and malformed intervals; touching ones are fine', () => {
    expect(problems(createSlaPolicyBody, body({ hours: week({ mon: [['08:00', '12:00'], ['11:00', '13:00']] }) }))).toEqual([
      ['hours.mon', 'Intervals overlap: 08:00–12:00 and 11:00–13:00'],
    ]);
    expect(problems(createSlaPolicyBody, body({ hours: week({ tue: [['18:00', '08:00']] }) }))).toEqual([
      ['hours.tue.0', 'The start must be before the end (use "24:00" for midnight at the end of the day)'],
    ]);
    expect(problems(createSlaPolicyBody, body({ hours: week({ wed: [['8:00', '24:30']] }) })).map(([p]) => p)).toEqual(['hours.wed.0.0', 'hours.wed.0.1']);
    expect(createSlaPolicyBody.safeParse(body({ hours: week({ mon: [['08:00', '12:00'], ['12:00', '18:00']] }) })).success).toBe(true);
  });

  it('refuses a week with no business hours, and anything but "24x7" as a string', () => {
    expect(problems(createSlaPolicyBody, body({ hours: week({}) }))).toEqual([['hours', 'A week needs at least one interval of business hours (or use "24x7")']]);
    expect(problems(createSlaPolicyBody, body({ hours: '24/7' }))).toEqual([['hours', 'Must be "24x7" or a week of intervals: { "mon": [["08:00","18:00"]], …, "sun": [] }']]);
  });

  it('refuses a response target beyond resolution, non-integer or non-positive minutes, and a missing priority', () => {
    expect(problems(createSlaPolicyBody, body({ targets: { ...targets, high: { responseMinutes: 600, resolutionMinutes: 480 } } }))).toEqual([
      ['targets.high.responseMinutes', 'Must not exceed resolutionMinutes'],
    ]);
    expect(problems(createSlaPolicyBody, body({ targets: { ...targets, low: { responseMinutes: 0, resolutionMinutes: 1.5 } } })).map(([p]) => p)).toEqual([
      'targets.low.responseMinutes',
      'targets.low.resolutionMinutes',
    ]);
    const { low: _low, ...three } = targets;
    expect(problems(createSlaPolicyBody, body({ targets: three })).map(([p]) => p)).toEqual(['targets.low']);
  });

  it('refuses impossible holidays', () => {
    expect(problems(createSlaPolicyBody, body({ holidays: ['2027-02-29'] })).map(([p]) => p)).toEqual(['holidays.0']);
  });

  it('PATCH takes any one field, checked the same way, and refuses an empty body', () => {
    expect(updateSlaPolicyBody.parse({ isDefault: true })).toEqual({ isDefault: true });
    expect(updateSlaPolicyBody.parse({ hours: '24x7' })).toEqual({ hours: '24x7' });
    expect(problems(updateSlaPolicyBody, { hours: week({}) })).toEqual([['hours', 'A week needs at least one interval of business hours (or use "24x7")']]);
    expect(problems(updateSlaPolicyBody, {})).toEqual([['', 'Send at least one field to change']]);
    expect(problems(updateSlaPolicyBody, { version: 3 })).toContainEqual(['', 'Unrecognized key: "version"']);
  });

  it('the stored shape carries id, version and times', () => {
    const stored = {
      id: '01JQ0000000000000000000000',
      ...createSlaPolicyBody.parse(body()),
      version: 1,
      createdAt: '2027-01-01T00:00:00.000Z',
      updatedAt: '2027-01-01T00:00:00.000Z',
    };
    expect(slaPolicySchema.parse(stored)).toEqual(stored);
  });
});
