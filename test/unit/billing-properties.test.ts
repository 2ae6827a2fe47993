/**
 * Properties of billing over random contracts, random time (some of it logged late) and
 * random sequences of runs: every invoice's total is the sum of its lines; no entry is billed
 * twice; the invoiced minutes equal the billable minutes, never more; a second run adds
 * nothing; however the runs and the logging fall, a period's time bills the same amount;
 * no line drifts more than half a cent from its exact value; caps hold. Some time is after
 * hours, and some companies have an after-hours rate: without one, the invoices are exactly
 * those of the same time unflagged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, fromDayNumber, toDayNumber } from '../../shared/billing/calendar';
import { draftInvoicesDue, type InvoiceDraft, type PricedContract, type PricingContext } from '../../shared/billing/contract-pricing';
import type { LineItem } from '../../shared/billing/contract.schema';
import { sumCents } from '../../shared/billing/money';
import { billingEventsDue, periodOfUse } from '../../shared/billing/periods';
import { readQuantity } from '../../shared/billing/quantity';
import type { BillableTime } from '../../shared/billing/time-usage';

const cents = (max: number) => fc.integer({ min: 0, max }).map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);
const hundredths = (max: number) => fc.integer({ min: 0, max }).map((q) => q / 100);

const contractArb = fc
  .record({
    start: fc.integer({ min: toDayNumber('2026-01-01'), max: toDayNumber('2030-12-31') }),
    length: fc.option(fc.integer({ min: 0, max: 800 }), { nil: null }),
    billingFrequency: fc.constantFrom('monthly' as const, 'quarterly' as const, 'annually' as const),
    billingDay: fc.option(fc.integer({ min: 1, max: 28 }), { nil: null }),
    advance: fc.array(
      fc.record({
        kind: fc.constantFrom('fixed' as const, 'per_device' as const, 'per_user' as const),
        quantity: fc.option(hundredths(100_000), { nil: null }),
        unitPrice: cents(500_000),
        cap: fc.option(cents(2_000_000), { nil: null }),
      }),
      { maxLength: 4 },
    ),
    hourly: fc.option(fc.record({ unitPrice: cents(50_000), cap: fc.option(cents(200_000), { nil: null }) }), { nil: null }),
    includedHours: fc.option(hundredths(4_000), { nil: null }),
    hourlyRate: fc.option(cents(50_000), { nil: null }),
    overageRate: fc.option(cents(50_000), { nil: null }),
  })
  .map((r): PricedContract => {
    const lineItems: LineItem[] = r.advance.map((a, i) => ({ id: `L${i}`, description: `Line ${i}`, ...a }));
    if (r.hourly) lineItems.push({ id: 'H', description: 'Support', kind: 'hourly', quantity: null, ...r.hourly });
    const startDate = fromDayNumber(r.start);
    return {
      id: 'C',
      type: 'managed_services',
      currency: 'USD',
      startDate,
      endDate: r.length === null ? null : addDays(startDate, r.length),
      billingFrequency: r.billingFrequency,
      billingDay: r.billingDay,
      lineItems,
      includedHours: r.includedHours,
      hourlyRate: r.hourlyRate,
      overageRate: r.includedHours === null ? null : r.overageRate,
    };
  });

/** Entries over the contract's days, each logged before some run (`round`: the run that first sees it). */
const entriesArb = (c: PricedContract, runs: number) => {
  const days = c.endDate === null ? 900 : toDayNumber(c.endDate) - toDayNumber(c.startDate);
  return fc
    .array(
      fc.record({ offset: fc.integer({ min: 0, max: days }), minutes: fc.integer({ min: 0, max: 600 }), billable: fc.boolean(), afterHours: fc.boolean(), round: fc.integer({ min: 0, max: runs }) }),
      { maxLength: 40 },
    )
    .map((es) =>
      es.map((e, i) => ({
        id: `e${String(i).padStart(2, '0')}`,
        date: addDays(c.startDate, e.offset),
        minutes: e.minutes,
        billable: e.billable,
        afterHours: e.afterHours,
        invoiceId: null as string | null,
        round: e.round,
      })),
    );
};

const scenarioArb = contractArb.chain((contract) => {
  const horizon = contract.endDate === null ? 1000 : toDayNumber(contract.endDate) - toDayNumber(contract.startDate) + 60;
  return fc.record({
    contract: fc.constant(contract),
    throughs: fc.uniqueArray(fc.integer({ min: 0, max: horizon }), { minLength: 1, maxLength: 4 }).map((a) => a.sort((x, y) => x - y).map((d) => addDays(contract.startDate, d))),
    entries: entriesArb(contract, 4),
    counts: fc.record({ activeAssets: fc.integer({ min: 0, max: 500 }), activeContacts: fc.integer({ min: 0, max: 500 }) }),
    /** The company's after-hours rate in cents, or none. */
    afterHoursRate: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
  });
});

type Logged = BillableTime & { round: number };

/**
 * Runs billing once per `through`, each seeing the entries logged by then; then, with every
 * entry logged, once more through the next billing date (an open-ended contract) or the day
 * after the end (an ended one), so that everything dated before the last invoice is due on it.
 */
const history = (contract: PricedContract, throughs: string[], entries: Logged[], ctx: PricingContext) => {
  let state = entries.map((e) => ({ ...e }));
  let next: string | null = contract.startDate;
  const invoices: InvoiceDraft[] = [];
  const runs = [...throughs];
  for (let run = 0; run < runs.length; run++) {
    const through = runs[run]!;
    const last = run >= throughs.length - 1;
    const visible = state.filter((e) => last || e.round <= run);
    const out = draftInvoicesDue(contract, next, through, ctx, visible);
    for (const d of out.invoices) {
      state = state.map((e) => (d.timeEntryIds.includes(e.id) ? { ...e, invoiceId: d.key } : e));
      invoices.push(d);
    }
    next = out.nextBillingDate;
    // Running again through the same date: nothing more.
    expect(billingEventsDue(contract, next, through).events).toEqual([]);
    if (run === throughs.length - 1 && next !== null) runs.push(contract.endDate === null ? next : addDays(contract.endDate, 1));
  }
  return { invoices, state, next };
};

/** Per period of use: the hours and amount its time lines billed, over all invoices. */
const timeByPeriod = (invoices: InvoiceDraft[]) => {
  const by = new Map<string, { hours: number; amount: number; included: number }>();
  for (const l of invoices.flatMap((d) => d.lines)) {
    if (l.source.kind === 'advance') continue;
    const k = `${l.source.period.from}${l.source.kind === 'after_hours' ? ' after hours' : ''}`;
    const v = by.get(k) ?? { hours: 0, amount: 0, included: 0 };
    if (l.source.kind === 'included') v.included += l.quantity;
    else [v.hours, v.amount] = [v.hours + l.quantity, v.amount + l.amount];
    by.set(k, v);
  }
  return Object.fromEntries([...by].sort());
};

const withinHalfCent = (amount: number, unitCents: number, qty: number, numerator: number, denominator: number) => {
  const diff = 200n * BigInt(denominator) * BigInt(amount) - 2n * BigInt(unitCents) * BigInt(qty) * BigInt(numerator);
  return diff <= 100n * BigInt(denominator) && diff >= -100n * BigInt(denominator);
};

const usd = (cents: number | null) => (cents === null ? null : { cents, currency: 'USD' });

const toCents = (s: string) => Math.round(Number(s) * 100); // test-only: generated strings have ≤ 2 places and ≤ 8 digits

describe('billing properties', () => {
  it('bills every billable minute exactly once over any sequence of runs, and totals equal their lines', () => {
    fc.assert(
      fc.property(scenarioArb, ({ contract, throughs, entries, counts, afterHoursRate }) => {
        const ctx: PricingContext = { counts, companyHourlyRate: { cents: 9_500, currency: 'USD' }, companyAfterHoursRate: usd(afterHoursRate) };
        const finalThrough = contract.endDate === null ? throughs.at(-1)! : addDays(contract.endDate, 1);
        const runs = [...throughs.filter((t) => t < finalThrough), finalThrough];
        const { invoices, state, next } = history(contract, runs, entries, ctx);

        const keys = invoices.map((d) => d.key);
        expect(new Set(keys).size).toBe(keys.length);
        const billed = invoices.flatMap((d) => d.timeEntryIds);
        expect(new Set(billed).size).toBe(billed.length);
        for (const d of invoices) {
          expect(d.total).toBe(sumCents(d.lines.map((l) => l.amount)));
          expect(d.lines.every((l) => l.amount >= 0)).toBe(true);
          for (const id of d.timeEntryIds) {
            const e = entries.find((x) => x.id === id)!;
            expect(e.billable).toBe(true);
            expect(e.date < d.billingDate).toBe(true);
          }
          expect(d.time.reduce((s, g) => s + g.minutes, 0)).toBe(d.timeEntryIds.reduce((s, id) => s + entries.find((e) => e.id === id)!.minutes, 0));
        }

        const minutes = (es: BillableTime[]) => es.reduce((s, e) => s + e.minutes, 0);
        const billable = entries.filter((e) => e.billable);
        const invoicedMinutes = minutes(state.filter((e) => e.invoiceId !== null));
        expect(invoicedMinutes).toBeLessThanOrEqual(minutes(billable));
        // Everything dated before the last billing date is billed; with an end date, everything.
        const cutoff = contract.endDate === null ? (invoices.at(-1)?.billingDate ?? contract.startDate) : addDays(contract.endDate, 1);
        expect(invoicedMinutes).toBe(minutes(billable.filter((e) => e.date < cutoff)));
        if (contract.endDate !== null) expect(next).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('late time bills what it would have billed on time: per period of use, the same hours and amount', () => {
    fc.assert(
      fc.property(scenarioArb, ({ contract, throughs, entries, counts, afterHoursRate }) => {
        const ctx: PricingContext = { counts, companyHourlyRate: { cents: 12_000, currency: 'USD' }, companyAfterHoursRate: usd(afterHoursRate) };
        const finalThrough = contract.endDate === null ? throughs.at(-1)! : addDays(contract.endDate, 1);
        const late = history(contract, [...throughs.filter((t) => t < finalThrough), finalThrough], entries, ctx);
        const onTime = history(contract, [finalThrough], entries, ctx);
        expect(late.invoices.map((d) => d.key)).toEqual(onTime.invoices.map((d) => d.key));
        expect(timeByPeriod(late.invoices)).toEqual(timeByPeriod(onTime.invoices));
        // Advance lines do not depend on time at all.
        const advance = (h: typeof late) => h.invoices.map((d) => d.lines.filter((l) => l.source.kind === 'advance'));
        expect(advance(late)).toEqual(advance(onTime));
      }),
      { numRuns: 200 },
    );
  });

  it('holds every line to its cap and within half a cent of its exact value', () => {
    fc.assert(
      fc.property(scenarioArb, ({ contract, throughs, entries, counts, afterHoursRate }) => {
        const ctx: PricingContext = { counts, companyHourlyRate: { cents: 7_777, currency: 'USD' }, companyAfterHoursRate: usd(afterHoursRate) };
        const all = entries.map((e) => ({ ...e, round: 0 }));
        const { invoices } = history(contract, [contract.endDate === null ? throughs.at(-1)! : addDays(contract.endDate, 1)], all, ctx);
        const hourly = contract.lineItems.find((l) => l.kind === 'hourly');
        for (const d of invoices) {
          for (const l of d.lines) {
            if (l.source.kind === 'advance') {
              const lineId = l.source.lineItemId;
              const item = contract.lineItems.find((x) => x.id === lineId)!;
              if (item.cap !== null) expect(l.amount).toBeLessThanOrEqual(toCents(item.cap));
              else {
                const { numerator, denominator } = d.kind === 'period' ? billingEventsDue(contract, d.billingDate, d.billingDate).events[0]!.period.fraction : { numerator: 1, denominator: 1 };
                expect(withinHalfCent(l.amount, l.unitPrice, l.quantity, numerator, denominator)).toBe(true);
              }
              if (item.quantity !== null) expect(l.quantity).toBe((readQuantity(item.quantity) as { value: number }).value);
            } else if (l.source.kind === 'time') {
              // All time logged on time: one line per period of use, priced in one rounding unless capped.
              const cap = hourly?.cap ?? null;
              if (cap !== null) expect(l.amount).toBeLessThanOrEqual(toCents(cap));
              if (cap === null || l.amount < toCents(cap)) expect(withinHalfCent(l.amount, l.unitPrice, l.quantity, 1, 1)).toBe(true);
            } else if (l.source.kind === 'after_hours') {
              // At the company's after-hours rate, held to no cap.
              expect(l.unitPrice).toBe(afterHoursRate);
              expect(withinHalfCent(l.amount, l.unitPrice, l.quantity, 1, 1)).toBe(true);
            } else {
              expect(l.amount).toBe(0);
            }
          }
        }
        // And the period of use of every billed entry is the period its line names.
        for (const d of invoices) for (const g of d.time) for (const id of g.timeEntryIds) expect(periodOfUse(contract, entries.find((e) => e.id === id)!.date).from).toBe(g.period.from);
      }),
      { numRuns: 200 },
    );
  });

  it('without an after-hours rate, flagged time bills exactly as the same time unflagged; with one, no after-hours line draws on included hours', () => {
    fc.assert(
      fc.property(scenarioArb, ({ contract, throughs, entries, counts, afterHoursRate }) => {
        const finalThrough = contract.endDate === null ? throughs.at(-1)! : addDays(contract.endDate, 1);
        const runs = [...throughs.filter((t) => t < finalThrough), finalThrough];
        const plain: PricingContext = { counts, companyHourlyRate: { cents: 10_000, currency: 'USD' }, companyAfterHoursRate: null };
        const flagged = history(contract, runs, entries, plain);
        const unflagged = history(contract, runs, entries.map((e) => ({ ...e, afterHours: false })), plain);
        expect(flagged.invoices).toEqual(unflagged.invoices);

        if (afterHoursRate === null) return;
        // With a rate, the ordinary lines are those of the ordinary time alone: after-hours time changes none of them.
        const apart = history(contract, runs, entries, { ...plain, companyAfterHoursRate: usd(afterHoursRate) });
        const ordinaryOnly = history(contract, runs, entries.filter((e) => !e.afterHours), plain);
        const ordinary = (h: typeof apart) => h.invoices.flatMap((d) => d.lines.filter((l) => l.source.kind !== 'after_hours').map((l) => [d.key, l]));
        expect(ordinary(apart)).toEqual(ordinary(ordinaryOnly));
        const billedAfterHours = apart.invoices.flatMap((d) => d.lines).filter((l) => l.source.kind === 'after_hours');
        expect(billedAfterHours.every((l) => l.unitPrice === afterHoursRate)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
