/**
 * Quantities (devices, users, hours) as integers in hundredths: 1.25 h is 125. Outside they
 * are JSON numbers with at most 2 decimals; a number whose shortest form has more (a float's
 * artefact such as 0.30000000000000004) is refused rather than rounded behind the caller's back.
 */
import type { Read } from './money';

/** Hundredths of a unit: an integer 0 ≤ q ≤ MAX_QUANTITY. */
export type Hundredths = number;

/** 1 000 000.00 units: far past any company's devices, users or hours in one period. */
export const MAX_QUANTITY: Hundredths = 100_000_000;

const DECIMAL = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

export const readQuantity = (value: unknown, max: Hundredths = MAX_QUANTITY): Read<Hundredths> => {
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, message: 'Must be a number' };
  if (value < 0) return { ok: false, message: 'Must not be negative' };
  const m = DECIMAL.exec(String(value));
  if (!m) return { ok: false, message: 'Must have at most 2 decimal places' };
  const q = m[1]!.length > 12 ? Infinity : Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (q > max) return { ok: false, message: `Must be at most ${max / 100}` };
  return { ok: true, value: q };
};

/** Hundredths → the JSON number (125 → 1.25; exact: the nearest double prints as the decimal). */
export const quantityNumber = (q: Hundredths): number => q / 100;

/** Whole units → hundredths (a count of devices or users). */
export const units = (n: number): Hundredths => n * 100;

/** Minutes → hours in hundredths, half-up (7 min = 0.1166… h → 0.12; 1 min → 0.02; 0.3 min would be 0.00). */
export const minutesToHours = (minutes: number): Hundredths => Math.floor((minutes * 200 + 60) / 120);

/** Hours in hundredths → minutes, half-up (the included hours of a period: 1.25 h → 75 min). */
export const hoursToMinutes = (hours: Hundredths): number => Math.floor((hours * 60 * 2 + 100) / 200);
