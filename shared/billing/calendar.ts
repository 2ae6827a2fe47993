/**
 * Calendar dates (`YYYY-MM-DD`, the MSP's local dates) as plain integers: no Date, no time
 * zone, no clock. A date is held as its day number (days since 1970-01-01 in the proleptic
 * Gregorian calendar), so day counts and day arithmetic are integer sums.
 */

/** A day number: days since 1970-01-01 (negative before). */
export type DayNumber = number;

export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Years a billing date may fall in; four digits keep `YYYY-MM-DD` sortable as text. */
export const MIN_YEAR = 1000;
export const MAX_YEAR = 9999;

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** `YYYY-MM-DD` → its parts, or undefined when it is not a real date (2027-02-29, 2026-13-01, 2026-1-1). */
export const readDate = (text: string): CivilDate | undefined => {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < MIN_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
};

export const isDate = (text: string): boolean => readDate(text) !== undefined;

const parts = (text: string): CivilDate => {
  const d = readDate(text);
  // Dates reach this module through the schemas; a malformed one here is a programming error.
  if (!d) throw new RangeError(`Not a YYYY-MM-DD date: ${JSON.stringify(text)}`);
  return d;
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const formatDate = ({ year, month, day }: CivilDate): string => {
  if (year < MIN_YEAR || year > MAX_YEAR) throw new RangeError(`Year ${year} is outside ${MIN_YEAR}–${MAX_YEAR}`);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
};

/** Days from civil (H. Hinnant's algorithm): exact integer arithmetic over the proleptic Gregorian calendar. */
const daysFromCivil = ({ year, month, day }: CivilDate): DayNumber => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

const civilFromDays = (z: DayNumber): CivilDate => {
  const shifted = z + 719468;
  const era = Math.floor(shifted / 146097);
  const doe = shifted - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
};

export const toDayNumber = (date: string): DayNumber => daysFromCivil(parts(date));
export const fromDayNumber = (n: DayNumber): string => formatDate(civilFromDays(n));
export const dateParts = parts;

export const addDays = (date: string, days: number): string => fromDayNumber(toDayNumber(date) + days);

/** Days from `from` to `to`, both included (a day's span is 1). */
export const daysInclusive = (from: string, to: string): number => toDayNumber(to) - toDayNumber(from) + 1;

/**
 * `months` calendar months after (or before, when negative) the year and month of `date`, on
 * `anchorDay` (default: the date's own day), clamped to the last day of a shorter month.
 * The anchor is passed on, never the clamped day: from an anchor of 31 January, +1 is
 * 28/29 February and +2 is 31 March (not 28/29 March).
 */
export const addMonths = (date: string, months: number, anchorDay?: number): string => {
  const d = parts(date);
  const anchor = anchorDay ?? d.day;
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return formatDate({ year, month, day: Math.min(anchor, daysInMonth(year, month)) });
};

/** Whole calendar months from the month of `from` to the month of `to` (days ignored). */
export const monthIndexDiff = (from: string, to: string): number => {
  const a = parts(from);
  const b = parts(to);
  return (b.year - a.year) * 12 + (b.month - a.month);
};

export const minDate = (a: string, b: string): string => (a <= b ? a : b);
export const maxDate = (a: string, b: string): string => (a >= b ? a : b);

/** The local date (`YYYY-MM-DD`) of an instant in an IANA time zone: "today" in the MSP's zone. */
export const localDate = (instant: Date, timeZone: string): string => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const part = (t: string) => f.find((p) => p.type === t)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
};
