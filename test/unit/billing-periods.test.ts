/** Calendar months, billing periods, catch-up and proration (shared/billing/periods.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysInclusive, fromDayNumber, isDate, isLeapYear, toDayNumber } from '../../shared/billing/calendar';
import { billingEventsDue, extendTerm, noticeDeadline, periodOfUse, type BillingSchedule } from '../../shared/billing/periods';
import { ConflictError } from '../../shared/http/errors';

const schedule = (s: Partial<BillingSchedule> & { startDate: string }): BillingSchedule => ({ endDate: null, billingFrequency: 'monthly', billingDay: null, ...s });
const spans = (s: BillingSchedule, through: string, next: string | null = s.startDate) =>
  billingEventsDue(s, next, through).events.map((e) => [e.billingDate, e.kind, e.period.from, e.period.to, `${e.period.fraction.numerator}/${e.period.fraction.denominator}`]);

/** An oracle for day arithmetic, in the test only: UTC midnight, where no day is ever 23 or 25 hours. */
const viaDate = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('calendar', () => {
  it('knows leap years and real dates', () => {
    expect([2024, 2027, 2000, 2100, 2400].map(isLeapYear)).toEqual([true, false, true, false, true]);
    expect(isDate('2028-02-29')).toBe(true);
    expect(isDate('2027-02-29')).toBe(false);
    expect(isDate('2100-02-29')).toBe(false);
    expect(isDate('2000-02-29')).toBe(true);
    expect(isDate('2027-04-31')).toBe(false);
    expect(isDate('2027-13-01')).toBe(false);
    expect(isDate('2027-1-01')).toBe(false);
    expect(isDate('0999-12-31')).toBe(false);
  });

  it('counts days as integers, across leap days and centuries', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('2000-03-01') - toDayNumber('2000-02-28')).toBe(2);
    expect(toDayNumber('2100-03-01') - toDayNumber('2100-02-28')).toBe(1);
    expect(daysInclusive('2028-02-01', '2028-02-29')).toBe(29);
    expect(daysInclusive('2027-01-01', '2027-12-31')).toBe(365);
    expect(daysInclusive('2028-01-01', '2028-12-31')).toBe(366);
    fc.assert(
      fc.property(fc.integer({ min: toDayNumber('1900-01-01'), max: toDayNumber('2999-12-31') }), fc.integer({ min: -5000, max: 5000 }), (n, days) => {
        const date = fromDayNumber(n);
        expect(toDayNumber(date)).toBe(n);
        expect(addDays(date, days)).toBe(viaDate(date, days));
      }),
    );
  });

  it('adds calendar months keeping the anchor day, clamped in shorter months', () => {
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
    expect(addMonths('2027-01-31', 2)).toBe('2027-03-31');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2027-01-31', 3)).toBe('2027-04-30');
    expect(addMonths('2027-01-31', -2)).toBe('2026-11-30');
    expect(addMonths('2027-11-30', 3)).toBe('2028-02-29');
    expect(addMonths('2027-02-28', 1, 31)).toBe('2027-03-31'); // the anchor, not the clamped day
    expect(addMonths('2027-02-28', 1)).toBe('2027-03-28');
    expect(addMonths('2028-02-29', 12)).toBe('2029-02-28');
    expect(addMonths('2028-02-29', 48)).toBe('2032-02-29');
  });
});

describe('billing periods', () => {
  it('the 31-January case: anniversary billing on the 28th/29th of February, then the 31st of March', () => {
    expect(spans(schedule({ startDate: '2027-01-31' }), '2027-05-01')).toEqual([
      ['2027-01-31', 'period', '2027-01-31', '2027-02-27', '1/1'],
      ['2027-02-28', 'period', '2027-02-28', '2027-03-30', '1/1'],
      ['2027-03-31', 'period', '2027-03-31', '2027-04-29', '1/1'],
      ['2027-04-30', 'period', '2027-04-30', '2027-05-30', '1/1'],
    ]);
    // Leap year: 29 February.
    expect(spans(schedule({ startDate: '2028-01-31' }), '2028-03-31').map((e) => e[0])).toEqual(['2028-01-31', '2028-02-29', '2028-03-31']);
  });

  it('annual billing from 29 February keeps its anchor through the non-leap years', () => {
    expect(spans(schedule({ startDate: '2028-02-29', billingFrequency: 'annually' }), '2032-02-29').map((e) => [e[0], e[3]])).toEqual([
      ['2028-02-29', '2029-02-27'],
      ['2029-02-28', '2030-02-27'],
      ['2030-02-28', '2031-02-27'],
      ['2031-02-28', '2032-02-28'],
      ['2032-02-29', '2033-02-27'],
    ]);
  });

  it('a billing day opens with a prorated stub up to the next billing day', () => {
    expect(spans(schedule({ startDate: '2027-01-15', billingDay: 1 }), '2027-03-01')).toEqual([
      ['2027-01-15', 'period', '2027-01-15', '2027-01-31', '17/31'],
      ['2027-02-01', 'period', '2027-02-01', '2027-02-28', '1/1'],
      ['2027-03-01', 'period', '2027-03-01', '2027-03-31', '1/1'],
    ]);
    // Starting after the billing day: the stub runs into the next month, measured against 15 Jan–14 Feb.
    expect(spans(schedule({ startDate: '2027-01-20', billingDay: 15 }), '2027-02-15')).toEqual([
      ['2027-01-20', 'period', '2027-01-20', '2027-02-14', '26/31'],
      ['2027-02-15', 'period', '2027-02-15', '2027-03-14', '1/1'],
    ]);
    // Starting on the billing day: no stub.
    expect(spans(schedule({ startDate: '2027-01-15', billingDay: 15 }), '2027-02-15').map((e) => e[4])).toEqual(['1/1', '1/1']);
    // A leap February in the stub's reference period: 10 of 29 days.
    expect(spans(schedule({ startDate: '2028-02-20', billingDay: 1 }), '2028-02-20')).toEqual([['2028-02-20', 'period', '2028-02-20', '2028-02-29', '10/29']]);
  });

  it('quarterly and annual stubs are measured against a whole quarter or year', () => {
    expect(spans(schedule({ startDate: '2027-01-15', billingDay: 1, billingFrequency: 'quarterly' }), '2027-05-01')).toEqual([
      ['2027-01-15', 'period', '2027-01-15', '2027-01-31', '17/92'], // 1 Nov 2026 – 31 Jan 2027
      ['2027-02-01', 'period', '2027-02-01', '2027-04-30', '1/1'],
      ['2027-05-01', 'period', '2027-05-01', '2027-07-31', '1/1'],
    ]);
    expect(spans(schedule({ startDate: '2028-03-10', billingDay: 1, billingFrequency: 'annually' }), '2028-04-01')[0]).toEqual([
      '2028-03-10',
      'period',
      '2028-03-10',
      '2028-03-31',
      '22/366', // 1 Apr 2027 – 31 Mar 2028, a leap year's February inside
    ]);
  });

  it('an end date cuts the last period (prorated) and brings a closing invoice for the last time logged', () => {
    const s = schedule({ startDate: '2027-01-01', endDate: '2027-03-15' });
    const due = billingEventsDue(s, '2027-01-01', '2027-12-31');
    expect(due.events.map((e) => [e.billingDate, e.kind, e.period.from, e.period.to, `${e.period.fraction.numerator}/${e.period.fraction.denominator}`, e.key])).toEqual([
      ['2027-01-01', 'period', '2027-01-01', '2027-01-31', '1/1', '2027-01-01'],
      ['2027-02-01', 'period', '2027-02-01', '2027-02-28', '1/1', '2027-02-01'],
      ['2027-03-01', 'period', '2027-03-01', '2027-03-15', '15/31', '2027-03-01'],
      ['2027-03-16', 'closing', '2027-03-01', '2027-03-15', '15/31', '2027-03-16/closing'],
    ]);
    expect(due.nextBillingDate).toBeNull();
    // An end on the anniversary: whole periods, and the closing invoice the day after.
    const year = billingEventsDue(schedule({ startDate: '2027-01-01', endDate: '2027-12-31', billingFrequency: 'annually' }), '2027-01-01', '2028-01-01');
    expect(year.events.map((e) => [e.billingDate, e.kind])).toEqual([
      ['2027-01-01', 'period'],
      ['2028-01-01', 'closing'],
    ]);
  });

  it('catches up from nextBillingDate through the date asked, in chunks if bounded, and never past it', () => {
    const s = schedule({ startDate: '2027-01-31' });
    expect(billingEventsDue(s, '2027-02-28', '2027-06-29')).toMatchObject({ events: [{ billingDate: '2027-02-28' }, { billingDate: '2027-03-31' }, { billingDate: '2027-04-30' }, { billingDate: '2027-05-31' }], nextBillingDate: '2027-06-30' });
    expect(billingEventsDue(s, '2027-02-28', '2027-06-30', 2)).toMatchObject({ events: [{ billingDate: '2027-02-28' }, { billingDate: '2027-03-31' }], nextBillingDate: '2027-04-30' });
    expect(billingEventsDue(s, '2027-02-28', '2027-02-27')).toEqual({ events: [], nextBillingDate: '2027-02-28' });
    expect(billingEventsDue(s, null, '2099-01-01')).toEqual({ events: [], nextBillingDate: null });
  });

  it('refuses a nextBillingDate that is not on the schedule (409 INVALID_STATE)', () => {
    const s = schedule({ startDate: '2027-01-31', endDate: '2027-12-31' });
    for (const next of ['2027-02-27', '2027-03-30', '2028-01-05', '2027-01-01']) {
      expect(() => billingEventsDue(s, next, '2028-12-31')).toThrow(ConflictError);
    }
    try {
      billingEventsDue(s, '2027-02-27', '2028-12-31');
    } catch (err) {
      expect((err as ConflictError).code).toBe('INVALID_STATE');
    }
  });

  it('puts each day of work in its period of use; days outside the contract in the first or last', () => {
    const s = schedule({ startDate: '2027-01-31', endDate: '2027-06-15' });
    expect(periodOfUse(s, '2027-02-27')).toMatchObject({ from: '2027-01-31', to: '2027-02-27' });
    expect(periodOfUse(s, '2027-02-28')).toMatchObject({ from: '2027-02-28', to: '2027-03-30' });
    expect(periodOfUse(s, '2027-01-01')).toMatchObject({ from: '2027-01-31' });
    expect(periodOfUse(s, '2027-12-01')).toMatchObject({ from: '2027-05-31', to: '2027-06-15' });
  });

  it('tiles the contract: periods follow each other without gap or overlap, fractions count their days (property)', () => {
    const day = fc.integer({ min: toDayNumber('2020-01-01'), max: toDayNumber('2035-12-31') }).map(fromDayNumber);
    fc.assert(
      fc.property(
        day,
        fc.option(fc.integer({ min: 0, max: 1500 })),
        fc.constantFrom('monthly' as const, 'quarterly' as const, 'annually' as const),
        fc.option(fc.integer({ min: 1, max: 28 })),
        (startDate, length, billingFrequency, billingDay) => {
          const endDate = length === null ? null : addDays(startDate, length);
          const s: BillingSchedule = { startDate, endDate, billingFrequency, billingDay };
          const through = endDate === null ? addDays(startDate, 1500) : addDays(endDate, 1);
          const { events, nextBillingDate } = billingEventsDue(s, startDate, through);
          const periods = events.filter((e) => e.kind === 'period').map((e) => e.period);
          expect(periods[0]!.from).toBe(startDate);
          periods.forEach((p, i) => {
            expect(p.from <= p.to).toBe(true);
            expect(p.fraction.numerator).toBe(p.fraction.denominator === 1 && p.fraction.numerator === 1 ? 1 : daysInclusive(p.from, p.to));
            expect(p.fraction.numerator <= p.fraction.denominator).toBe(true);
            if (i > 0) expect(p.from).toBe(addDays(periods[i - 1]!.to, 1));
            // Only the first (a stub) and the last (cut by the end) may be partial.
            if (i > 0 && i < periods.length - 1) expect(p.fraction).toEqual({ numerator: 1, denominator: 1 });
            if (billingDay !== null && i > 0) expect(Number(p.from.slice(8))).toBe(billingDay);
          });
          const keys = events.map((e) => e.key);
          expect(new Set(keys).size).toBe(keys.length);
          if (endDate !== null) {
            expect(periods.at(-1)!.to).toBe(endDate);
            expect(events.at(-1)).toMatchObject({ kind: 'closing', billingDate: addDays(endDate, 1) });
            expect(nextBillingDate).toBeNull();
          } else {
            expect(nextBillingDate! > through).toBe(true);
          }
        },
      ),
    );
  });
});

describe('renewal dates', () => {
  it('extends a term by whole months on the contract anchor', () => {
    expect(extendTerm({ startDate: '2027-01-01', endDate: '2027-12-31' }, 12)).toBe('2028-12-31');
    expect(extendTerm({ startDate: '2026-03-01', endDate: '2027-02-28' }, 12)).toBe('2028-02-29'); // a leap February
    expect(extendTerm({ startDate: '2027-01-31', endDate: '2027-02-27' }, 1)).toBe('2027-03-30'); // next term from 31 March
    expect(extendTerm({ startDate: '2027-01-31', endDate: '2028-01-30' }, 12)).toBe('2029-01-30');
    expect(extendTerm({ startDate: '2027-01-01', endDate: '2027-06-10' }, 3)).toBe('2027-09-10'); // off the anchor: from its own next day
    expect(() => extendTerm({ startDate: '2027-01-01', endDate: null }, 12)).toThrow(ConflictError);
  });

  it('puts the notice deadline noticeDays before the end', () => {
    expect(noticeDeadline('2027-03-01', 30)).toBe('2027-01-30');
    expect(noticeDeadline('2028-03-01', 1)).toBe('2028-02-29');
    expect(noticeDeadline('2028-03-01', 0)).toBe('2028-03-01');
  });
});
