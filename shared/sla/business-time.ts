/**
 * Business time: how long a ticket's clock has run inside a calendar's opening hours, and
 * when a number of business minutes will have elapsed. Pure (no clock, no I/O); time zones
 * come from luxon's `IANAZone`, i.e. the runtime's Intl data, because daylight-saving rules
 * are data that changes and hand-written offsets get them wrong.
 *
 * What "open" means. A calendar lists, per weekday, intervals of local wall-clock time
 * (`["08:00","18:00"]`, `"24:00"` as an end meaning the next local midnight), plus holidays:
 * whole local dates closed whatever the weekday. `"24x7"` is every day `00:00–24:00`;
 * holidays still close their dates (a policy that truly never closes lists none).
 *
 * Wall times and daylight saving (the rule, applied to every opening and closing time):
 * an interval `[s, e]` on local date D is open from the FIRST instant of D at which the
 * local clock reads `s` or later, until the first instant of D at which it reads `e` or later.
 * - Every wall time that exists once: exactly that time, so 08:00–18:00 on a change day is
 *   still 08:00–18:00 on the wall, and an interval spanning the change is an hour shorter or
 *   longer in real time (00:00–08:00 in New York: 7 real hours on 14 March 2027, 9 on 7 November).
 * - A wall time that does not exist (spring forward: 01:30 on 28 March 2027 in Europe/London,
 *   where the clocks go from 01:00 GMT to 02:00 BST) resolves to the instant the clocks jump
 *   (02:00 BST = 01:00 UTC): the first moment the clock reads 01:30 or later. An interval
 *   wholly inside the gap is empty that day.
 * - A wall time that happens twice (fall back: 01:30 on 31 October 2027 in Europe/London)
 *   resolves to its first occurrence (01:30 BST). So an interval is one unbroken stretch of
 *   real time: 01:00–03:00 that night is open from 01:00 BST to 03:00 GMT, three real hours;
 *   the office does not close while the clock is turned back.
 * These readings are monotonic in the wall time, so intervals stay ordered and never overlap.
 * Where clocks go back across midnight (Asia/Beirut), the repeated hour belongs to the date
 * the clock shows, as everywhere. luxon's `DateTime.fromObject` is not used for this because
 * its readings differ: it moves 01:30 in the gap to 02:30 BST (losing half an hour of an
 * office that opened "at 01:30") and reads an ambiguous 01:30 as its second occurrence (GMT).
 *
 * Ends of counting. A due time is the EARLIEST instant by which the minutes have elapsed:
 * 600 minutes from Monday 08:00 with 08:00–18:00 hours is Monday 18:00, not Tuesday 08:00; a
 * start outside hours counts from the next opening; 0 minutes is the start itself.
 *
 * Bounds. A calendar may have no open time for a long stretch (every date a holiday, or
 * intervals that all fall in a daylight-saving gap). Rather than loop, counting throws
 * `NoBusinessTimeError` (409 `SLA_NO_BUSINESS_TIME`) after `MAX_CLOSED_DAYS` consecutive
 * local dates without a minute open: a configuration that cannot give a due time is an
 * error the policy's owner must fix, not a ticket that silently has none.
 *
 * Cost. Closed dates are skipped with integer arithmetic (no zone look-ups); an open date
 * needs two offsets, read from a per-process table of each zone's offsets learnt a week at a
 * time (see `offsetMs`), so 10,000 business minutes take well under a millisecond.
 * Time is held as epoch milliseconds throughout, so sums are exact.
 */
import { IANAZone } from 'luxon';
import { ConflictError } from '../http/errors';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** `["08:00","18:00"]`: local wall times, start before end, `"24:00"` allowed as an end. */
export type WallInterval = readonly [string, string];
export type WeekHours = Readonly<Record<Weekday, readonly WallInterval[]>>;
export type Hours = '24x7' | WeekHours;

export interface BusinessCalendar {
  /** IANA zone the hours and holidays are read in, e.g. `Europe/London`. */
  timezone: string;
  hours: Hours;
  /** Closed local dates, `YYYY-MM-DD`. */
  holidays: readonly string[];
}

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export interface Target {
  responseMinutes: number;
  resolutionMinutes: number;
}
export interface SlaCalendarPolicy extends BusinessCalendar {
  targets: Readonly<Record<Priority, Target>>;
}

/** Consecutive local dates without business time after which counting gives up (a little over a year, so a year of holidays still fails loudly). */
export const MAX_CLOSED_DAYS = 400;

/** The calendar has no business time for `MAX_CLOSED_DAYS` days in a row, so no due time can be computed. */
export class NoBusinessTimeError extends ConflictError {
  constructor(fromDate: string) {
    super(
      'SLA_NO_BUSINESS_TIME',
      `The SLA calendar has no business hours in the ${MAX_CLOSED_DAYS} days from ${fromDate} (check its hours and holidays).`,
    );
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const WALL_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** `"HH:MM"` → minutes after local midnight (`"24:00"` → 1440), or undefined when malformed. */
export const readWallTime = (text: string): number | undefined => {
  const m = WALL_TIME.exec(text);
  if (!m) return undefined;
  return m[3] !== undefined ? 1440 : Number(m[1]) * 60 + Number(m[2]);
};

/** A calendar read once: per weekday (0 = Monday) sorted minute intervals, holidays as day numbers. */
interface Compiled {
  zone: ZoneTable;
  days: (readonly [number, number])[][];
  holidays: Set<number>;
  /** Every day 00:00–24:00 and no holidays: business time is real time. */
  alwaysOpen: boolean;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (Date.UTC does the calendar arithmetic). */
const dayNumberOf = (date: string): number => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`Not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY;
};
const dateOf = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
/** 0 = Monday … 6 = Sunday (1970-01-01, day 0, was a Thursday). */
const weekdayOf = (day: number): number => (((day + 3) % 7) + 7) % 7;

const compile = (cal: BusinessCalendar): Compiled => {
  const zone = zoneTable(cal.timezone);
  const days = WEEKDAYS.map((wd): (readonly [number, number])[] => {
    if (cal.hours === '24x7') return [[0, 1440]];
    return cal.hours[wd]
      .map(([s, e]): readonly [number, number] => {
        const a = readWallTime(s);
        const b = readWallTime(e);
        if (a === undefined || b === undefined || a >= b) throw new RangeError(`Not an interval: ${s}–${e} on ${wd}`);
        return [a, b];
      })
      .sort((x, y) => x[0] - y[0]);
  });
  const holidays = new Set(cal.holidays.map(dayNumberOf));
  return { zone, days, holidays, alwaysOpen: cal.hours === '24x7' && holidays.size === 0 };
};

/**
 * Zone offsets, remembered. Asking Intl for an offset costs ~15 µs, so each zone's offsets are
 * learnt a week (UTC, from the epoch's Thursday) at a time and kept for the process's life
 * (time-zone data does not change under a running process): a week whose two ends share an
 * offset is taken to have it throughout, otherwise the one change inside is found by bisection
 * to the second (changes fall on whole seconds). This assumes at most one change per zone in
 * any week, true of every zone's rules in use. The memory is bounded: a zone's table is
 * dropped once it holds `MAX_WEEKS` weeks.
 */
const WEEK = 7 * DAY;
const MAX_WEEKS = 20_000;
interface WeekOffsets {
  /** Offset (ms) from the week's start, and, when the clocks change within it, the change. */
  first: number;
  change?: { at: number; offset: number };
}
interface ZoneTable {
  zone: IANAZone;
  weeks: Map<number, WeekOffsets>;
}
const zones = new Map<string, ZoneTable | null>();

const zoneTable = (name: string): ZoneTable => {
  let table = zones.get(name);
  if (table === undefined) {
    table = IANAZone.isValidZone(name) ? { zone: IANAZone.create(name), weeks: new Map() } : null;
    zones.set(name, table);
  }
  if (table === null) throw new RangeError(`Not an IANA time zone: ${name}`);
  return table;
};

const offsetMs = (table: ZoneTable, t: number): number => {
  const k = Math.floor(t / WEEK);
  let w = table.weeks.get(k);
  if (w === undefined) {
    const raw = (at: number): number => table.zone.offset(at) * MINUTE;
    const start = k * WEEK;
    const first = raw(start);
    const last = raw(start + WEEK - 1000); // the week's last whole second
    w = { first };
    if (last !== first) {
      // Bisect in whole seconds: lo still on the first offset, hi already on the new one.
      let lo = start / 1000;
      let hi = (start + WEEK - 1000) / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (raw(mid * 1000) === first) lo = mid;
        else hi = mid;
      }
      w.change = { at: hi * 1000, offset: last };
    }
    if (table.weeks.size >= MAX_WEEKS) table.weeks.clear();
    table.weeks.set(k, w);
  }
  return w.change && t >= w.change.at ? w.change.offset : w.first;
};

/** The local date (day number) the clock shows at instant `t`. */
const localDay = (zone: ZoneTable, t: number): number => Math.floor((t + offsetMs(zone, t)) / DAY);

/**
 * The instant for wall time `wall` (local milliseconds since the epoch, as if UTC) by the rule
 * above: its first occurrence, or, inside a spring-forward gap, the instant the clocks jump.
 * Offsets lie within −12 h…+14 h, so the instant is within [wall − 14 h, wall + 12 h]; the
 * offsets at both ends of that window are the only candidates (one clock change at most in it).
 */
const instantOfWall = (zone: ZoneTable, wall: number): number => {
  const before = offsetMs(zone, wall - 15 * HOUR);
  const after = offsetMs(zone, wall + 13 * HOUR);
  const tBefore = wall - before;
  if (before === after) return tBefore;
  const tAfter = wall - after;
  const okBefore = offsetMs(zone, tBefore) === before;
  const okAfter = offsetMs(zone, tAfter) === after;
  if (okBefore && okAfter) return Math.min(tBefore, tAfter); // fall back: the first occurrence
  if (okBefore) return tBefore;
  if (okAfter) return tAfter;
  // Spring forward: the wall time never shows; the clocks jump somewhere in (tAfter, tBefore].
  // Find the first instant on the new offset (changes fall on whole seconds; search to the ms).
  let lo = Math.min(tAfter, tBefore); // still on the old offset
  let hi = Math.max(tAfter, tBefore); // already on the new one
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
};

/**
 * The open stretches of local date `day` as real instants `[open, close)`, in order; `[]` when
 * the date is closed. With no clock change within reach of the date, one offset serves all its
 * wall times (two look-ups); otherwise each time is resolved on its own.
 */
const openIntervals = (c: Compiled, day: number): [number, number][] => {
  if (c.holidays.has(day)) return [];
  const mins = c.days[weekdayOf(day)]!;
  if (mins.length === 0) return [];
  const midnight = day * DAY;
  const first = offsetMs(c.zone, midnight - 15 * HOUR);
  const steady = first === offsetMs(c.zone, midnight + DAY + 13 * HOUR);
  const at = (minute: number): number => (steady ? midnight + minute * MINUTE - first : instantOfWall(c.zone, midnight + minute * MINUTE));
  const out: [number, number][] = [];
  for (const [s, e] of mins) {
    const open = at(s);
    const close = at(e);
    if (close > open) out.push([open, close]);
  }
  return out;
};

/** An ISO time must say its offset: without one, `Date.parse` would read it in the process's own zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

const toMs = (t: Date | string): number => {
  if (typeof t === 'string' && !ISO_INSTANT.test(t)) throw new RangeError(`Not an ISO 8601 time with an offset: ${t}`);
  const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`Not a time: ${String(t)}`);
  return ms;
};

const addMs = (c: Compiled, start: number, amount: number): number => {
  if (amount <= 0 || c.alwaysOpen) return start + Math.max(0, amount);
  let remaining = amount;
  let cursor = start;
  let closedRun = 0;
  for (let day = localDay(c.zone, start); ; day++) {
    const intervals = openIntervals(c, day);
    let opened = false;
    for (const [open, close] of intervals) {
      if (close <= cursor) continue;
      opened = true;
      const from = Math.max(open, cursor);
      if (close - from >= remaining) return from + remaining;
      remaining -= close - from;
      cursor = close;
    }
    closedRun = opened ? 0 : closedRun + 1;
    if (closedRun >= MAX_CLOSED_DAYS) throw new NoBusinessTimeError(dateOf(day - MAX_CLOSED_DAYS + 1));
  }
};

/**
 * The instant (ISO 8601, UTC) at which `minutes` of business time have elapsed after `start`.
 * Throws `NoBusinessTimeError` when the calendar stays closed for `MAX_CLOSED_DAYS` days.
 */
export const addBusinessMinutes = (start: Date | string, minutes: number, calendar: BusinessCalendar): string => {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`Minutes must be a finite number ≥ 0, not ${minutes}`);
  return new Date(addMs(compile(calendar), toMs(start), Math.round(minutes * MINUTE))).toISOString();
};

const betweenMs = (c: Compiled, from: number, to: number): number => {
  if (to <= from) return 0;
  if (c.alwaysOpen) return to - from;
  let total = 0;
  const last = localDay(c.zone, to);
  for (let day = localDay(c.zone, from); day <= last; day++) {
    for (const [open, close] of openIntervals(c, day)) {
      const a = Math.max(open, from);
      const b = Math.min(close, to);
      if (b > a) total += b - a;
    }
  }
  return total;
};

/**
 * Business minutes between two instants (fractional when they are not whole minutes apart;
 * 0 when `to` is not after `from`): elapsed SLA time, time paused, time to first response.
 * Never throws for a closed calendar; the answer is simply 0.
 */
export const businessMinutesBetween = (from: Date | string, to: Date | string, calendar: BusinessCalendar): number =>
  betweenMs(compile(calendar), toMs(from), toMs(to)) / MINUTE;

/**
 * A ticket's due times under a policy: its priority's targets counted in business time from
 * creation. A company's `businessHours` (client settings) replaces the policy's hours and keeps
 * its time zone and holidays; `null`/absent means the policy's own hours.
 */
export const dueTimes = (
  createdAt: Date | string,
  priority: Priority,
  policy: SlaCalendarPolicy,
  overrideHours?: Hours | null,
): { responseDueAt: string; resolutionDueAt: string } => {
  const target = policy.targets[priority];
  if (!target) throw new RangeError(`No target for priority ${String(priority)}`);
  const c = compile({ timezone: policy.timezone, hours: overrideHours ?? policy.hours, holidays: policy.holidays });
  const start = toMs(createdAt);
  const response = addMs(c, start, target.responseMinutes * MINUTE);
  // Resolution ≥ response (the schema's rule), so continue from the response due time.
  const resolution =
    target.resolutionMinutes >= target.responseMinutes
      ? addMs(c, response, (target.resolutionMinutes - target.responseMinutes) * MINUTE)
      : addMs(c, start, target.resolutionMinutes * MINUTE);
  return { responseDueAt: new Date(response).toISOString(), resolutionDueAt: new Date(resolution).toISOString() };
};
