/**
 * After-hours time, priced (shared/billing/contract-pricing.ts), each table worked out by hand.
 * With the company's `afterHoursRate`: billable after-hours minutes bill on their own line per
 * period of use at that rate, draw on no included hours, are no overage and are not held to the
 * hourly line's cap. Without it: ordinary time, exactly as before the flag.
 */
import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, HourlyRateMissingError } from '../../shared/billing/billing-errors';
import { draftInvoice, draftInvoicesDue, toApiLine, type InvoiceDraft, type PricedContract, type PricingContext } from '../../shared/billing/contract-pricing';
import { CONTRACT_TYPES } from '../../shared/billing/contract.schema';
import { formatAmount, type Money } from '../../shared/billing/money';
import { billingEventsDue } from '../../shared/billing/periods';
import { periodUsage, usageInHours, type BillableTime } from '../../shared/billing/time-usage';
import { contract, entry, item } from '../helpers/pricing';

const late = (id: string, date: string, minutes: number, more: Partial<BillableTime> = {}) => entry(id, date, minutes, { afterHours: true, ...more });
const usd = (cents: number): Money => ({ cents, currency: 'USD' });
const ctx = (afterHours: number | null, more: Partial<PricingContext> = {}): PricingContext => ({
  counts: { activeAssets: 12, activeContacts: 25 },
  companyHourlyRate: null,
  companyAfterHoursRate: afterHours === null ? null : usd(afterHours),
  ...more,
});
const invoiceOn = (c: PricedContract, date: string, entries: BillableTime[], context: PricingContext) => {
  const event = billingEventsDue(c, c.startDate, date).events.at(-1)!;
  expect(event.billingDate).toBe(date);
  return draftInvoice(c, event, context, entries);
};
const table = (d: InvoiceDraft) => d.lines.map((l) => Object.values(toApiLine(l)));
const total = (d: InvoiceDraft) => formatAmount(d.total);
const JAN = '2027-01-01 to 2027-01-31';
const january = (c: PricedContract) => billingEventsDue(c, c.startDate, '2027-01-01').events[0]!.period;

describe('managed services: after-hours time on its own line at the company rate', () => {
  const c = contract({ type: 'managed_services', lineItems: [item('fixed', 'Managed services', '1500.00')], hourlyRate: '125.00' });
  const entries = [
    entry('t1', '2027-01-10', 90),
    late('a1', '2027-01-12', 50),
    late('a2', '2027-01-20', 25),
    late('n1', '2027-01-21', 60, { billable: false }), // not billable: never billed, after hours or not
  ];

  it('with an after-hours rate of 187.50: 1.25 h × 187.50 = 234.375 → 234.38 (half-up, once)', () => {
    const d = invoiceOn(c, '2027-02-01', entries, ctx(18_750));
    expect(table(d)).toEqual([
      ['Managed services, 2027-02-01 to 2027-02-28', 1, '1500.00', '1500.00'],
      [`Support time, ${JAN}`, 1.5, '125.00', '187.50'], // 90 min at the contract's rate
      [`Support time, after hours, ${JAN}`, 1.25, '187.50', '234.38'], // 75 min
    ]);
    expect(total(d)).toBe('1921.88');
    expect(d.timeEntryIds).toEqual(['a1', 'a2', 't1']);
    expect(d.time).toEqual([{ period: { from: '2027-01-01', to: '2027-01-31' }, minutes: 165, timeEntryIds: ['a1', 'a2', 't1'] }]);
  });

  it('without one: after-hours time is ordinary time, 165 min = 2.75 h at 125.00', () => {
    const d = invoiceOn(c, '2027-02-01', entries, ctx(null));
    expect(table(d)).toEqual([
      ['Managed services, 2027-02-01 to 2027-02-28', 1, '1500.00', '1500.00'],
      [`Support time, ${JAN}`, 2.75, '125.00', '343.75'],
    ]);
    expect(total(d)).toBe('1843.75');
    expect(d.timeEntryIds).toEqual(['a1', 'a2', 't1']);
  });
});

describe('block hours: after-hours time leaves the included hours and the cap alone', () => {
  const c = contract({
    type: 'block_hours',
    lineItems: [item('fixed', 'Block of 2 hours', '400.00'), item('hourly', 'Additional support hours', '150.00', { cap: '300.00' })],
    includedHours: 2,
    overageRate: '165.00',
  });
  const jan = [entry('n1', '2027-01-05', 150), late('a1', '2027-01-06', 200)]; // 2.5 h ordinary, 3.33 h after hours

  it('with a rate: 2 h included, 0.5 h over at 165.00, 3.33 h after hours at 200.00, uncapped', () => {
    const d = invoiceOn(c, '2027-02-01', jan, ctx(20_000));
    expect(table(d)).toEqual([
      ['Block of 2 hours, 2027-02-01 to 2027-02-28', 1, '400.00', '400.00'],
      [`Additional support hours, included hours, ${JAN}`, 2, '0.00', '0.00'],
      [`Additional support hours, hours beyond the 2 h included, ${JAN}`, 0.5, '165.00', '82.50'],
      [`Additional support hours, after hours, ${JAN}`, 3.33, '200.00', '666.00'], // 200 min = 3.333 h → 3.33; past the 300.00 cap of the hourly line
    ]);
    expect(total(d)).toBe('1148.50');
    // The usage figures follow: after-hours time is not "used" of the included hours.
    expect(usageInHours(periodUsage(c, 200, january(c), jan, true), true)).toEqual({
      includedHours: 2,
      usedHours: 2.5,
      overageHours: 0.5,
    });
  });

  it('without a rate: all 350 min draw on the block, 3.83 h over at 165.00 held to the 300.00 cap', () => {
    const d = invoiceOn(c, '2027-02-01', jan, ctx(null));
    expect(table(d)).toEqual([
      ['Block of 2 hours, 2027-02-01 to 2027-02-28', 1, '400.00', '400.00'],
      [`Additional support hours, included hours, ${JAN}`, 2, '0.00', '0.00'],
      [`Additional support hours, hours beyond the 2 h included, ${JAN} (capped at 300.00)`, 3.83, '165.00', '300.00'], // 230 min; 631.95 capped
    ]);
    expect(total(d)).toBe('700.00');
    expect(usageInHours(periodUsage(c, 200, january(c), jan, false), true)).toEqual({
      includedHours: 2,
      usedHours: 5.83,
      overageHours: 3.83,
    });
  });

  it('only after-hours time: no included line, the block stays whole for ordinary time', () => {
    const d = invoiceOn(c, '2027-02-01', [late('a1', '2027-01-06', 60)], ctx(20_000));
    expect(table(d)).toEqual([
      ['Block of 2 hours, 2027-02-01 to 2027-02-28', 1, '400.00', '400.00'],
      [`Additional support hours, after hours, ${JAN}`, 1, '200.00', '200.00'],
    ]);
  });
});

describe('break-fix', () => {
  const c = contract({ type: 'break_fix' });

  it('ordinary time at the company hourly rate, after-hours time at its after-hours rate', () => {
    const entries = [entry('a', '2027-01-11', 57), late('b', '2027-01-12', 7)]; // 0.95 h; 7 min = 0.1166 h → 0.12
    const d = invoiceOn(c, '2027-02-01', entries, ctx(16_500, { companyHourlyRate: usd(11_000) }));
    expect(table(d)).toEqual([
      [`Support time, ${JAN}`, 0.95, '110.00', '104.50'],
      [`Support time, after hours, ${JAN}`, 0.12, '165.00', '19.80'],
    ]);
    expect(total(d)).toBe('124.30');
    // Without the after-hours rate: 64 min = 1.07 h at 110.00 = 117.70.
    expect(table(invoiceOn(c, '2027-02-01', entries, ctx(null, { companyHourlyRate: usd(11_000) })))).toEqual([[`Support time, ${JAN}`, 1.07, '110.00', '117.70']]);
  });

  it('after-hours time needs no hourly rate when it has its own; ordinary time still does', () => {
    expect(total(invoiceOn(c, '2027-02-01', [late('b', '2027-01-12', 30)], ctx(16_500)))).toBe('82.50');
    expect(() => invoiceOn(c, '2027-02-01', [late('b', '2027-01-12', 30)], ctx(null))).toThrow(HourlyRateMissingError);
    expect(() => invoiceOn(c, '2027-02-01', [late('b', '2027-01-12', 30), entry('a', '2027-01-11', 30)], ctx(16_500))).toThrow(HourlyRateMissingError);
  });

  it('the after-hours rate is the company’s, in its currency: another currency than the contract’s is refused, only when there is after-hours time', () => {
    const eur = ctx(null, { companyHourlyRate: usd(11_000), companyAfterHoursRate: { cents: 16_500, currency: 'EUR' } });
    expect(() => invoiceOn(c, '2027-02-01', [late('b', '2027-01-12', 30)], eur)).toThrow(CurrencyMismatchError);
    expect(total(invoiceOn(c, '2027-02-01', [entry('a', '2027-01-11', 30)], eur))).toBe('55.00');
  });
});

describe('every contract type bills after-hours time the same way', () => {
  const terms: Record<(typeof CONTRACT_TYPES)[number], Partial<PricedContract>> = {
    managed_services: { lineItems: [item('fixed', 'Managed', '100.00')], includedHours: 5, hourlyRate: '90.00' },
    break_fix: { hourlyRate: '90.00' },
    retainer: { lineItems: [item('fixed', 'Retainer', '100.00')], includedHours: 5, hourlyRate: '90.00' },
    per_device: { lineItems: [item('per_device', 'Devices', '1.00', { quantity: 100 })], hourlyRate: '90.00' },
    per_user: { lineItems: [item('per_user', 'Users', '1.00', { quantity: 100 })], hourlyRate: '90.00' },
    block_hours: { lineItems: [item('fixed', 'Block', '100.00')], includedHours: 5, overageRate: '120.00' },
  };

  it.each(CONTRACT_TYPES)('%s: 100 min after hours = 1.67 h × 133.33 = 222.66 (222.6611 half-up), beside its other lines', (type) => {
    const c = contract({ type, ...terms[type] });
    const d = invoiceOn(c, '2027-02-01', [late('a', '2027-01-15', 100), entry('o', '2027-01-16', 60)], ctx(13_333, { companyHourlyRate: usd(5_000) }));
    const afterHours = d.lines.filter((l) => l.source.kind === 'after_hours').map((l) => Object.values(toApiLine(l)));
    expect(afterHours).toEqual([[`Support time, after hours, ${JAN}`, 1.67, '133.33', '222.66']]);
    // The ordinary hour is billed (or covered) exactly as without any after-hours time.
    const ordinary = (x: InvoiceDraft) => x.lines.filter((l) => l.source.kind !== 'after_hours');
    expect(ordinary(d)).toEqual(ordinary(invoiceOn(c, '2027-02-01', [entry('o', '2027-01-16', 60)], ctx(13_333, { companyHourlyRate: usd(5_000) }))));
    expect(d.timeEntryIds).toEqual(['a', 'o']);
  });
});

describe('late after-hours time', () => {
  const c = contract({ type: 'managed_services', lineItems: [item('fixed', 'Managed services', '1500.00')], hourlyRate: '125.00' });

  it('adds what it would have on time: hours rounded once over the period (0.83 h billed, then 1.25 − 0.83 = 0.42 h)', () => {
    const billed = late('a1', '2027-01-12', 50, { invoiceId: 'INV1' }); // billed on 1 Feb: 0.83 h × 187.50 = 155.625 → 155.63
    const d = invoiceOn(c, '2027-03-01', [billed, late('a2', '2027-01-30', 25)], ctx(18_750));
    expect(table(d)).toEqual([
      ['Managed services, 2027-03-01 to 2027-03-31', 1, '1500.00', '1500.00'],
      [`Support time, after hours, ${JAN}`, 0.42, '187.50', '78.75'], // 234.38 − 155.63
    ]);
    // Ordinary time billed before does not change the after-hours line, nor the reverse.
    const withOrdinary = invoiceOn(c, '2027-03-01', [billed, entry('o1', '2027-01-03', 600, { invoiceId: 'INV1' }), late('a2', '2027-01-30', 25)], ctx(18_750));
    expect(table(withOrdinary)).toEqual(table(d));
  });

  it('a catch-up bills each period’s after-hours time once, on the invoice after it', () => {
    const entries = [late('a1', '2027-01-15', 60), entry('o1', '2027-01-16', 60), late('a2', '2027-02-15', 30)];
    const { invoices } = draftInvoicesDue(c, '2027-02-01', '2027-03-01', ctx(20_000), entries);
    expect(invoices.map((d) => [d.key, d.timeEntryIds, total(d)])).toEqual([
      ['2027-02-01', ['a1', 'o1'], '1825.00'], // 1500 + 125 + 200
      ['2027-03-01', ['a2'], '1600.00'], // 1500 + 0.5 h × 200
    ]);
  });
});
