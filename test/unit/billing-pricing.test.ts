/**
 * Invoice lines per contract type, worked out by hand in each table (shared/billing/contract-pricing.ts).
 * Amounts: quantity × unit price (× days covered / days of the period), held to the cap, rounded
 * once per line, half-up; minutes → hours to 2 decimals, half-up, before pricing.
 */
import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, HourlyRateMissingError } from '../../shared/billing/billing-errors';
import { annualValue, draftInvoice, draftInvoicesDue, toApiLine, type InvoiceDraft, type PricedContract, type PricingContext } from '../../shared/billing/contract-pricing';
import { formatAmount } from '../../shared/billing/money';
import { billingEventsDue, type BillingEvent } from '../../shared/billing/periods';
import { periodUsage, usageInHours } from '../../shared/billing/time-usage';
import type { BillableTime } from '../../shared/billing/time-usage';
import { contract, entry, item } from '../helpers/pricing';

const ctx = (more: Partial<PricingContext> = {}): PricingContext => ({ counts: { activeAssets: 12, activeContacts: 25 }, companyHourlyRate: null, companyAfterHoursRate: null, ...more });

/** The event billing on `date` (a period start of the contract, or its closing day). */
const eventOn = (c: PricedContract, date: string): BillingEvent => {
  const e = billingEventsDue(c, c.startDate, date).events.at(-1)!;
  expect(e.billingDate).toBe(date);
  return e;
};
const invoiceOn = (c: PricedContract, date: string, entries: BillableTime[] = [], context = ctx()) => draftInvoice(c, eventOn(c, date), context, entries);
const table = (d: InvoiceDraft) => d.lines.map((l) => Object.values(toApiLine(l)));
const total = (d: InvoiceDraft) => formatAmount(d.total);

describe('managed services: a fixed fee in advance, billable time in arrears', () => {
  const c = contract({ type: 'managed_services', lineItems: [item('fixed', 'Managed services', '1500.00')], hourlyRate: '125.00' });
  const entries = [
    entry('t1', '2027-01-10', 90),
    entry('t2', '2027-01-20', 45),
    entry('t3', '2027-01-25', 60, { billable: false }),
    entry('t4', '2027-02-03', 30), // in February: the March invoice bills it
  ];

  it('bills February in advance and January’s time in arrears', () => {
    const d = invoiceOn(c, '2027-02-01', entries);
    expect(table(d)).toEqual([
      ['Managed services, 2027-02-01 to 2027-02-28', 1, '1500.00', '1500.00'],
      ['Support time, 2027-01-01 to 2027-01-31', 2.25, '125.00', '281.25'], // 135 min = 2.25 h
    ]);
    expect(total(d)).toBe('1781.25');
    expect(d).toMatchObject({ key: '2027-02-01', kind: 'period', period: { from: '2027-02-01', to: '2027-02-28' }, currency: 'USD', timeEntryIds: ['t1', 't2'] });
    expect(d.time).toEqual([{ period: { from: '2027-01-01', to: '2027-01-31' }, minutes: 135, timeEntryIds: ['t1', 't2'] }]);
  });

  it('the first invoice bills the first month only: no time is dated before the start', () => {
    const d = invoiceOn(c, '2027-01-01', entries);
    expect(table(d)).toEqual([['Managed services, 2027-01-01 to 2027-01-31', 1, '1500.00', '1500.00']]);
    expect(d.timeEntryIds).toEqual([]);
  });

  it('the 31-January case: the fee each month, periods from the 31st, the 28th, the 31st', () => {
    const jan31 = { ...c, startDate: '2027-01-31' };
    const { invoices, nextBillingDate } = draftInvoicesDue(jan31, jan31.startDate, '2027-03-31', ctx(), []);
    expect(invoices.map((d) => [d.period.from, d.period.to, table(d)[0]![3]])).toEqual([
      ['2027-01-31', '2027-02-27', '1500.00'],
      ['2027-02-28', '2027-03-30', '1500.00'],
      ['2027-03-31', '2027-04-29', '1500.00'],
    ]);
    expect(nextBillingDate).toBe('2027-04-30');
  });
});

describe('per device and per user: live counts, a prorated first period', () => {
  const lines = [item('per_device', 'Endpoint management', '45.00'), item('per_user', 'User support', '30.00')];

  it('prices from the active assets and contacts; the stub by days, half-up once per line', () => {
    const c = contract({ type: 'per_device', startDate: '2027-01-15', billingDay: 1, lineItems: lines });
    const stub = invoiceOn(c, '2027-01-15');
    expect(table(stub)).toEqual([
      ['Endpoint management, 2027-01-15 to 2027-01-31 (17 of 31 days)', 12, '45.00', '296.13'], // 540.00 × 17/31 = 296.129…
      ['User support, 2027-01-15 to 2027-01-31 (17 of 31 days)', 25, '30.00', '411.29'], // 750.00 × 17/31 = 411.290…
    ]);
    expect(total(stub)).toBe('707.42');
    const feb = invoiceOn(c, '2027-02-01', [], ctx({ counts: { activeAssets: 14, activeContacts: 25 } }));
    expect(table(feb)).toEqual([
      ['Endpoint management, 2027-02-01 to 2027-02-28', 14, '45.00', '630.00'],
      ['User support, 2027-02-01 to 2027-02-28', 25, '30.00', '750.00'],
    ]);
    expect(total(feb)).toBe('1380.00');
  });

  it('a leap February stub: 20 of 29 days', () => {
    const c = contract({ type: 'per_device', startDate: '2028-02-10', billingDay: 1, lineItems: [lines[0]!] });
    expect(table(invoiceOn(c, '2028-02-10'))).toEqual([['Endpoint management, 2028-02-10 to 2028-02-29 (20 of 29 days)', 12, '45.00', '372.41']]); // 540 × 20/29 = 372.413…
  });

  it('a fixed quantity overrides the count; a cap holds the line', () => {
    const c = contract({
      type: 'per_user',
      lineItems: [item('per_device', 'Servers', '95.50', { quantity: 3 }), item('per_user', 'User support', '30.00', { cap: '600.00' })],
    });
    const d = invoiceOn(c, '2027-01-01');
    expect(table(d)).toEqual([
      ['Servers, 2027-01-01 to 2027-01-31', 3, '95.50', '286.50'],
      ['User support, 2027-01-01 to 2027-01-31 (capped at 600.00)', 25, '30.00', '600.00'], // 750.00 held to 600.00
    ]);
    expect(total(d)).toBe('886.50');
  });

  it('quarterly: three months in advance, a stub measured against the quarter', () => {
    const c = contract({ type: 'per_device', startDate: '2027-01-15', billingDay: 1, billingFrequency: 'quarterly', lineItems: [item('per_device', 'Endpoint management', '135.00')] });
    expect(table(invoiceOn(c, '2027-01-15'))).toEqual([['Endpoint management, 2027-01-15 to 2027-01-31 (17 of 92 days)', 12, '135.00', '299.35']]); // 1620 × 17/92 = 299.347…
    expect(table(invoiceOn(c, '2027-02-01'))).toEqual([['Endpoint management, 2027-02-01 to 2027-04-30', 12, '135.00', '1620.00']]);
  });
});

describe('retainer: a monthly fee with included hours; the rest at the hourly rate', () => {
  const c = contract({ type: 'retainer', lineItems: [item('fixed', 'Monthly retainer', '2000.00')], includedHours: 15, hourlyRate: '140.00' });

  it('covers 15 h of January and bills the 1.5 h beyond them', () => {
    const entries = [entry('a', '2027-01-05', 600), entry('b', '2027-01-18', 390)]; // 990 min = 16.5 h
    const d = invoiceOn(c, '2027-02-01', entries);
    expect(table(d)).toEqual([
      ['Monthly retainer, 2027-02-01 to 2027-02-28', 1, '2000.00', '2000.00'],
      ['Support time, included hours, 2027-01-01 to 2027-01-31', 15, '0.00', '0.00'],
      ['Support time, hours beyond the 15 h included, 2027-01-01 to 2027-01-31', 1.5, '140.00', '210.00'],
    ]);
    expect(total(d)).toBe('2210.00');
    // The usage route reads the same numbers.
    expect(usageInHours(periodUsage(c, 1500, eventOn(c, '2027-01-01').period, entries), true)).toEqual({ includedHours: 15, usedHours: 16.5, overageHours: 1.5 });
  });
});

describe('block hours: included hours per period of use, overage at overageRate, held to the cap', () => {
  const c = contract({
    type: 'block_hours',
    lineItems: [item('fixed', 'Block of 10 hours', '1200.00'), item('hourly', 'Additional support hours', '150.00', { cap: '750.00' })],
    includedHours: 10,
    overageRate: '165.00',
  });

  it('caps January’s overage and bills February’s in full', () => {
    const jan = [entry('j1', '2027-01-04', 600), entry('j2', '2027-01-21', 440)]; // 1040 min: 10 h included, 7.33 h over
    const feb = [entry('f1', '2027-02-08', 675)]; // 11.25 h: 1.25 h over
    const first = invoiceOn(c, '2027-02-01', [...jan, ...feb]);
    expect(table(first)).toEqual([
      ['Block of 10 hours, 2027-02-01 to 2027-02-28', 1, '1200.00', '1200.00'],
      ['Additional support hours, included hours, 2027-01-01 to 2027-01-31', 10, '0.00', '0.00'],
      // 7.33 × 165.00 = 1209.45, held to 750.00
      ['Additional support hours, hours beyond the 10 h included, 2027-01-01 to 2027-01-31 (capped at 750.00)', 7.33, '165.00', '750.00'],
    ]);
    expect(total(first)).toBe('1950.00');
    expect(first.timeEntryIds).toEqual(['j1', 'j2']);

    const billed = [...jan.map((e) => ({ ...e, invoiceId: 'INV1' })), ...feb];
    const second = invoiceOn(c, '2027-03-01', billed);
    expect(table(second)).toEqual([
      ['Block of 10 hours, 2027-03-01 to 2027-03-31', 1, '1200.00', '1200.00'],
      ['Additional support hours, included hours, 2027-02-01 to 2027-02-28', 10, '0.00', '0.00'],
      ['Additional support hours, hours beyond the 10 h included, 2027-02-01 to 2027-02-28', 1.25, '165.00', '206.25'],
    ]);
    expect(second.timeEntryIds).toEqual(['f1']);
  });

  it('time logged late counts against its own period’s included hours and cap', () => {
    const billedJan = [entry('j1', '2027-01-04', 540, { invoiceId: 'INV1' })]; // 9 h, billed on 1 Feb
    const late = entry('j9', '2027-01-30', 180); // 3 h more for January, logged after 1 Feb
    const d = invoiceOn(c, '2027-03-01', [...billedJan, late]);
    expect(table(d)).toEqual([
      ['Block of 10 hours, 2027-03-01 to 2027-03-31', 1, '1200.00', '1200.00'],
      ['Additional support hours, included hours, 2027-01-01 to 2027-01-31', 1, '0.00', '0.00'], // the 1 h January had left
      ['Additional support hours, hours beyond the 10 h included, 2027-01-01 to 2027-01-31', 2, '165.00', '330.00'],
    ]);
    expect(d.time).toEqual([{ period: { from: '2027-01-01', to: '2027-01-31' }, minutes: 180, timeEntryIds: ['j9'] }]);

    // January's overage already reached the cap: the late hours add nothing.
    const capped = invoiceOn(c, '2027-03-01', [entry('j1', '2027-01-04', 1200, { invoiceId: 'INV1' }), late]);
    expect(table(capped)[1]).toEqual(['Additional support hours, hours beyond the 10 h included, 2027-01-01 to 2027-01-31 (capped at 750.00)', 3, '165.00', '0.00']);
  });

  it('prorates the included hours of a stub like its fee (leap February: 10 h × 20/29 = 414 min)', () => {
    const stubbed = { ...c, startDate: '2028-02-10', billingDay: 1 };
    const d = invoiceOn(stubbed, '2028-03-01', [entry('x', '2028-02-15', 420)]); // 7 h: 414 min included, 6 min over
    expect(table(d)).toEqual([
      ['Block of 10 hours, 2028-03-01 to 2028-03-31', 1, '1200.00', '1200.00'],
      ['Additional support hours, included hours, 2028-02-10 to 2028-02-29', 6.9, '0.00', '0.00'], // 414 min
      ['Additional support hours, hours beyond the 10 h included, 2028-02-10 to 2028-02-29', 0.1, '165.00', '16.50'], // 6 min
    ]);
  });

  it('without an overage rate, overage falls back to the hourly line’s price', () => {
    const d = invoiceOn({ ...c, overageRate: null }, '2027-02-01', [entry('j', '2027-01-10', 660)]);
    expect(table(d)[2]).toEqual(['Additional support hours, hours beyond the 10 h included, 2027-01-01 to 2027-01-31', 1, '150.00', '150.00']);
  });
});

describe('break-fix: every billable minute at the hourly rate', () => {
  const c = contract({ type: 'break_fix' });
  const jan = [entry('a', '2027-01-11', 7), entry('b', '2027-01-12', 50)]; // 57 min = 0.95 h

  it('falls back to the company’s hourly rate, in the contract’s currency', () => {
    const d = invoiceOn(c, '2027-02-01', jan, ctx({ companyHourlyRate: { cents: 11000, currency: 'USD' } }));
    expect(table(d)).toEqual([['Support time, 2027-01-01 to 2027-01-31', 0.95, '110.00', '104.50']]);
    expect(total(d)).toBe('104.50');
  });

  it('an hourly line names the time and sets its rate; hours round once per line, half-up', () => {
    const d = invoiceOn({ ...c, lineItems: [item('hourly', 'Remote support', '95.00')], hourlyRate: '80.00' }, '2027-02-01', [entry('a', '2027-01-11', 70)]);
    expect(table(d)).toEqual([['Remote support, 2027-01-01 to 2027-01-31', 1.17, '95.00', '111.15']]); // 70 min = 1.1666 h → 1.17
  });

  it('a period without time has no lines', () => {
    expect(invoiceOn(c, '2027-02-01', [], ctx({ companyHourlyRate: { cents: 11000, currency: 'USD' } })).lines).toEqual([]);
  });

  it('refuses a company rate in another currency, and time with no rate at all', () => {
    expect(() => invoiceOn(c, '2027-02-01', jan, ctx({ companyHourlyRate: { cents: 11000, currency: 'EUR' } }))).toThrow(CurrencyMismatchError);
    try {
      invoiceOn(c, '2027-02-01', jan);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(HourlyRateMissingError);
      expect((err as HourlyRateMissingError).toJSON()).toMatchObject({ status: 409, code: 'HOURLY_RATE_MISSING' });
    }
    // A contract rate of its own never reads the company's, whatever its currency.
    expect(total(invoiceOn({ ...c, hourlyRate: '100.00' }, '2027-02-01', jan, ctx({ companyHourlyRate: { cents: 1, currency: 'EUR' } })))).toBe('95.00');
  });
});

describe('catching up, and the end of a contract', () => {
  it('bills every period due in one run, each invoice taking the time the ones before left', () => {
    const c = contract({ type: 'managed_services', lineItems: [item('fixed', 'Managed services', '1000.00')], hourlyRate: '100.00' });
    const entries = [entry('e1', '2027-01-15', 60), entry('e2', '2027-02-15', 30), entry('e3', '2027-03-15', 15), entry('e4', '2027-03-31', 45)];
    const { invoices, nextBillingDate } = draftInvoicesDue(c, '2027-02-01', '2027-04-01', ctx(), entries);
    expect(invoices.map((d) => [d.key, d.timeEntryIds, total(d)])).toEqual([
      ['2027-02-01', ['e1'], '1100.00'],
      ['2027-03-01', ['e2'], '1050.00'],
      ['2027-04-01', ['e3', 'e4'], '1100.00'], // 60 min of March
    ]);
    expect(nextBillingDate).toBe('2027-05-01');
  });

  it('a contract that ends mid-period: the last fee prorated, then a closing invoice for the last time', () => {
    const c = contract({ type: 'managed_services', endDate: '2027-03-15', lineItems: [item('fixed', 'Managed services', '1000.00')], hourlyRate: '100.00' });
    const { invoices, nextBillingDate } = draftInvoicesDue(c, '2027-03-01', '2027-12-31', ctx(), [entry('m1', '2027-03-10', 90), entry('late', '2027-03-20', 60)]);
    expect(invoices.map((d) => [d.key, d.kind, table(d)])).toEqual([
      ['2027-03-01', 'period', [['Managed services, 2027-03-01 to 2027-03-15 (15 of 31 days)', 1, '1000.00', '483.87']]], // 1000 × 15/31 = 483.870…
      ['2027-03-16/closing', 'closing', [['Support time, 2027-03-01 to 2027-03-15', 1.5, '100.00', '150.00']]],
    ]);
    // Work dated after the end is never billed by this contract.
    expect(invoices.flatMap((d) => d.timeEntryIds)).toEqual(['m1']);
    expect(nextBillingDate).toBeNull();
  });
});

describe('annual value (renewal dashboard)', () => {
  it('is a year of whole periods of the advance lines at today’s counts, caps included', () => {
    const c = contract({
      type: 'per_device',
      billingFrequency: 'quarterly',
      lineItems: [item('per_device', 'Endpoints', '135.00'), item('fixed', 'Onsite visits', '500.00', { cap: '400.00' }), item('hourly', 'Support', '120.00')],
    });
    // (12 × 135.00 + 400.00) × 4 = 8080.00
    expect(annualValue(c, { activeAssets: 12, activeContacts: 0 })).toEqual({ cents: 808000, currency: 'USD' });
  });
});
