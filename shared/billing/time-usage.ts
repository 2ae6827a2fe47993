/**
 * Billable time against a contract, per period of use: the minutes logged, the minutes the
 * contract's included hours cover, and the overage. One definition for the invoice and for
 * `GET /v1/contracts/{id}/usage`. After-hours time billed apart (the company has an
 * `afterHoursRate`) draws on no included hours, so it is not "used" here either.
 */
import { divideHalfUp } from './money';
import { periodOfUse, type BillingPeriod, type BillingSchedule } from './periods';
import { minutesToHours, quantityNumber, type Hundredths } from './quantity';

/** What billing reads of a time entry. */
export interface BillableTime {
  id: string;
  /** The day the work was done (`YYYY-MM-DD`). */
  date: string;
  minutes: number;
  billable: boolean;
  /** Work done after hours; absent (an entry written before the flag) reads as false. */
  afterHours?: boolean;
  /** Set once an invoice bills it. */
  invoiceId: string | null;
}

/**
 * Included minutes of a period: the included hours, prorated like the fee when the contract
 * covers the period in part (half-up to the minute). None when `includedHours` is null.
 */
export const includedMinutes = (includedHours: Hundredths | null, period: BillingPeriod): number =>
  includedHours === null
    ? 0
    : Number(divideHalfUp(BigInt(includedHours) * 60n * BigInt(period.fraction.numerator), 100n * BigInt(period.fraction.denominator)));

export interface PeriodUsage {
  includedMinutes: number;
  usedMinutes: number;
  overageMinutes: number;
}

/**
 * Whether an entry's time is billed apart at the company's after-hours rate: it is after-hours
 * work and the company has that rate. Otherwise (no rate set) after-hours time is ordinary time.
 */
export const billedAfterHours = (e: Pick<BillableTime, 'afterHours'>, afterHoursRateSet: boolean): boolean => afterHoursRateSet && e.afterHours === true;

/** The billable entries whose period of use is `period`. */
export const entriesOfPeriod = <T extends BillableTime>(schedule: BillingSchedule, period: BillingPeriod, entries: readonly T[]): T[] =>
  entries.filter((e) => e.billable && periodOfUse(schedule, e.date).from === period.from);

/** A period's usage of the included hours: its billable entries, less after-hours time billed apart (`afterHoursRateSet`). */
export const periodUsage = (
  schedule: BillingSchedule,
  includedHours: Hundredths | null,
  period: BillingPeriod,
  entries: readonly BillableTime[],
  afterHoursRateSet = false,
): PeriodUsage => {
  const used = entriesOfPeriod(schedule, period, entries)
    .filter((e) => !billedAfterHours(e, afterHoursRateSet))
    .reduce((s, e) => s + e.minutes, 0);
  return usageOfMinutes(includedHours, period, used);
};

/** A period's usage from the billable minutes logged in it (the usage route reads them from the contract's day totals). */
export const usageOfMinutes = (includedHours: Hundredths | null, period: BillingPeriod, usedMinutes: number): PeriodUsage => {
  const included = includedMinutes(includedHours, period);
  // Without included hours nothing is "over": all of it is billed at the hourly rate.
  return { includedMinutes: included, usedMinutes, overageMinutes: includedHours === null ? 0 : Math.max(0, usedMinutes - included) };
};

/** The usage route's numbers: hours to two decimals (half-up), `includedHours` null without included hours. */
export const usageInHours = (u: PeriodUsage, hasIncludedHours: boolean) => ({
  includedHours: hasIncludedHours ? quantityNumber(minutesToHours(u.includedMinutes)) : null,
  usedHours: quantityNumber(minutesToHours(u.usedMinutes)),
  overageHours: quantityNumber(minutesToHours(u.overageMinutes)),
});
