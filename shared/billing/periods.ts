/**
 * A contract's billing calendar: its periods, the billing dates a run must catch up on, and
 * the proration of a period the contract covers only in part. Calendar months throughout
 * (calendar.ts); every date is the MSP's local `YYYY-MM-DD`.
 *
 * How `startDate` and `billingDay` combine:
 * - `billingDay: null` bills on the anniversary of the start date: periods start on the start
 *   date's day of the month, clamped in shorter months, the anchor kept (a contract starting
 *   31 January has periods starting 28/29 February, 31 March, 30 April, …). No stub.
 * - `billingDay: 1–28` bills on that day of the month. When the start date falls on another
 *   day, the contract opens with a stub from the start date to the day before the next
 *   billing day, prorated; full periods follow from there.
 * - A period the contract covers in part (the stub, or the last one when `endDate` falls
 *   inside it) is billed for the fraction days covered / days of the full period, counting
 *   calendar days, both ends included; the amount is rounded once, half-up, to cents.
 */
import { ConflictError } from '../http/errors';
import { addDays, addMonths, daysInclusive, dateParts, maxDate, minDate, monthIndexDiff } from './calendar';

export const BILLING_FREQUENCIES = ['monthly', 'quarterly', 'annually'] as const;
export type BillingFrequency = (typeof BILLING_FREQUENCIES)[number];
export const FREQUENCY_MONTHS: Record<BillingFrequency, number> = { monthly: 1, quarterly: 3, annually: 12 };

export interface BillingSchedule {
  startDate: string;
  /** Last day covered (included); null: open-ended. */
  endDate: string | null;
  billingFrequency: BillingFrequency;
  billingDay: number | null;
}

export interface Fraction {
  numerator: number;
  denominator: number;
}

export interface BillingPeriod {
  /** First and last day the contract covers in this period (both included). */
  from: string;
  to: string;
  /** The whole period `fraction` is measured against. */
  fullFrom: string;
  fullTo: string;
  /** Days covered / days of the whole period; 1/1 for a whole period. */
  fraction: Fraction;
}

export interface BillingEvent {
  /**
   * The date this invoice bills on, and its idempotency key with `kind`: advance lines cover
   * the period starting on it; time is billed in arrears up to the day before it.
   */
  billingDate: string;
  /** `period`: bills `period` in advance; `closing`: the day after `endDate`, bills the last time logged only. */
  kind: 'period' | 'closing';
  /** The advance period (`period`), or the last period, whose time a closing invoice settles. */
  period: BillingPeriod;
  /** Stable per contract: the key of "one invoice per contract and period". */
  key: string;
}

const anchorDay = (s: BillingSchedule): number => s.billingDay ?? dateParts(s.startDate).day;

/** The first period start on or after the start date that is on the billing day. */
const firstAnchor = (s: BillingSchedule): string => {
  if (s.billingDay === null) return s.startDate;
  const start = dateParts(s.startDate);
  return start.day <= s.billingDay ? addMonths(s.startDate, 0, s.billingDay) : addMonths(s.startDate, 1, s.billingDay);
};

/** Start of whole period `i` (period 0 starts at the first anchor; -1 is the one the stub belongs to). */
const anchorAt = (s: BillingSchedule, i: number): string => addMonths(firstAnchor(s), i * FREQUENCY_MONTHS[s.billingFrequency], anchorDay(s));

/** The index of the whole period holding `date`. */
const indexOf = (s: BillingSchedule, date: string): number => {
  let i = Math.floor(monthIndexDiff(firstAnchor(s), date) / FREQUENCY_MONTHS[s.billingFrequency]);
  while (anchorAt(s, i) > date) i--;
  while (anchorAt(s, i + 1) <= date) i++;
  return i;
};

const periodAt = (s: BillingSchedule, i: number): BillingPeriod => {
  const fullFrom = anchorAt(s, i);
  const fullTo = addDays(anchorAt(s, i + 1), -1);
  const from = maxDate(fullFrom, s.startDate);
  const to = s.endDate === null ? fullTo : minDate(fullTo, s.endDate);
  const whole = from === fullFrom && to === fullTo;
  return { from, to, fullFrom, fullTo, fraction: whole ? { numerator: 1, denominator: 1 } : { numerator: daysInclusive(from, to), denominator: daysInclusive(fullFrom, fullTo) } };
};

/**
 * The period whose use a day of work counts towards (included hours are per period of use).
 * A date outside the contract counts towards its first or last period.
 */
export const periodOfUse = (s: BillingSchedule, date: string): BillingPeriod => {
  let d = maxDate(date, s.startDate);
  if (s.endDate !== null) d = minDate(d, s.endDate);
  return periodAt(s, indexOf(s, d));
};

/** The period that starts on `date`, or undefined when no period of the contract starts then. */
export const periodStartingOn = (s: BillingSchedule, date: string): BillingPeriod | undefined => {
  if (date < s.startDate || (s.endDate !== null && date > s.endDate)) return undefined;
  const p = periodAt(s, indexOf(s, date));
  return p.from === date ? p : undefined;
};

/** A new contract's first billing date. */
export const firstBillingDate = (s: BillingSchedule): string => s.startDate;

const closingEvent = (s: BillingSchedule, endDate: string): BillingEvent => {
  const billingDate = addDays(endDate, 1);
  return { billingDate, kind: 'closing', period: periodOfUse(s, endDate), key: `${billingDate}/closing` };
};

/**
 * Every invoice due from `nextBillingDate` through `through` (both included), oldest first:
 * a run catches up on all of them, then stores the returned `nextBillingDate` (null once the
 * closing invoice of an ended contract is made; a renewal that extends `endDate` afterwards
 * sets it back to the day after the old `endDate`). `limit` bounds one call's catch-up.
 */
export const billingEventsDue = (
  s: BillingSchedule,
  nextBillingDate: string | null,
  through: string,
  limit = Number.POSITIVE_INFINITY,
): { events: BillingEvent[]; nextBillingDate: string | null } => {
  const events: BillingEvent[] = [];
  let next = nextBillingDate;
  while (next !== null && next <= through && events.length < limit) {
    if (s.endDate !== null && next > s.endDate) {
      if (next !== addDays(s.endDate, 1)) throw notOnSchedule(next);
      events.push(closingEvent(s, s.endDate));
      next = null;
      break;
    }
    const period = periodStartingOn(s, next);
    if (!period) throw notOnSchedule(next);
    events.push({ billingDate: next, kind: 'period', period, key: next });
    next = addDays(period.fullTo, 1);
    // A stub's successor starts at the first anchor; an ended contract's at the day after its end.
    if (s.endDate !== null && next > s.endDate) next = addDays(s.endDate, 1);
  }
  return { events, nextBillingDate: next };
};

const notOnSchedule = (date: string) =>
  new ConflictError('INVALID_STATE', `nextBillingDate ${date} is not a billing date of the contract's schedule; it changed after billing began.`);

/** The last day to give notice before `endDate`: `noticeDays` days earlier. */
export const noticeDeadline = (endDate: string, noticeDays: number): string => addDays(endDate, -noticeDays);

/**
 * The new `endDate` after renewing for `months`: the term that follows `endDate` runs whole
 * calendar months on the contract's anchor (31 January start, 12-month terms: ends 30 January,
 * then 30 January again — and a term ending 28 February 2027 renews to 29 February 2028).
 */
export const extendTerm = (s: Pick<BillingSchedule, 'startDate' | 'endDate'>, months: number): string => {
  if (s.endDate === null) throw new ConflictError('INVALID_STATE', 'An open-ended contract has no end date to extend.');
  const termStart = addDays(s.endDate, 1);
  const sinceStart = monthIndexDiff(s.startDate, termStart);
  // Terms that began on the contract's monthly anchor keep it; an end date set off the anchor by hand anchors on its own next day.
  const onAnchor = addMonths(s.startDate, sinceStart) === termStart;
  return addDays(onAnchor ? addMonths(s.startDate, sinceStart + months) : addMonths(termStart, months), -1);
};
