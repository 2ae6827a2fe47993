/**
 * A contract's invoices, priced: pure, no I/O. The caller (the billing run) passes the
 * contract, the company's live counts and the contract's time entries, and writes what comes
 * back (the invoice, its key, the entries it marks invoiced) in one transaction.
 *
 * Rules (docs/billing.md):
 * - Advance: every `fixed`, `per_device` and `per_user` line bills the period that starts on
 *   the billing date: quantity × unit price (quantity: the line's own, else 1 for fixed, the
 *   active assets or active contacts), held to the line's cap, × the period's fraction when
 *   the contract covers it in part, rounded once, half-up, to cents.
 * - Arrears: billable entries not yet invoiced and dated before the billing date, one group
 *   per period of use. In each, `includedHours` (prorated like the fee) are covered at 0.00;
 *   the rest is billed at `overageRate` when the contract has included hours, else (and as the
 *   overage's fallback) at the `hourly` line's unit price, the contract's `hourlyRate`, the
 *   company's hourly rate — the first that is set. Minutes become hours to 2 decimals
 *   (half-up) once per line; the amount is hours × rate, half-up, held to the hourly line's
 *   cap for the whole period of use. Time logged late for a period already billed adds
 *   exactly what it would have added on time (its included hours and cap are that period's).
 * - After hours: when the company has an `afterHoursRate`, billable entries flagged
 *   `afterHours` are priced apart, on one line per period of use at that rate: they draw on no
 *   included hours, are no overage and are not held to the hourly line's cap. Without that
 *   rate they are ordinary time (above). Late after-hours time, too, adds exactly what it
 *   would have on time (hours rounded once over the period's after-hours minutes).
 * - The total is the sum of the lines; every amount is in the contract's currency.
 */
import { ValidationError } from '../http/errors';
import { HourlyRateMissingError } from './billing-errors';
import type { Contract, LineItemKind } from './contract.schema';
import { formatAmount, inCurrency, lineAmount, parseAmount, sumCents, type Cents, type Currency, type Money } from './money';
import { billingEventsDue, FREQUENCY_MONTHS, periodOfUse, type BillingEvent, type BillingPeriod, type BillingSchedule } from './periods';
import { minutesToHours, quantityNumber, readQuantity, units, type Hundredths } from './quantity';
import { billedAfterHours, includedMinutes, type BillableTime } from './time-usage';

export type PricedContract = Pick<
  Contract,
  'id' | 'type' | 'currency' | 'startDate' | 'endDate' | 'billingFrequency' | 'billingDay' | 'lineItems' | 'includedHours' | 'hourlyRate' | 'overageRate'
>;

/** The company's live counts at billing time (per_device / per_user lines without a quantity). */
export interface LiveCounts {
  activeAssets: number;
  activeContacts: number;
}

export interface PricingContext {
  counts: LiveCounts;
  /** The company's hourly rate (client settings, else the MSP's), in its currency; null when none is set. */
  companyHourlyRate: Money | null;
  /** The company's after-hours rate (client settings' `billingRates.afterHoursRate`), in its currency; null: after-hours time is ordinary time. */
  companyAfterHoursRate: Money | null;
}

export type LineSource =
  | { kind: 'advance'; lineItemId: string }
  | { kind: 'included' | 'time' | 'after_hours'; period: { from: string; to: string } };

export interface DraftLine {
  description: string;
  quantity: Hundredths;
  unitPrice: Cents;
  amount: Cents;
  source: LineSource;
}

export interface TimeConsumed {
  period: { from: string; to: string };
  minutes: number;
  timeEntryIds: string[];
}

export interface InvoiceDraft {
  contractId: string;
  /** One invoice per contract and key: the billing run's idempotency key with the contract id. */
  key: string;
  billingDate: string;
  kind: BillingEvent['kind'];
  period: { from: string; to: string };
  currency: Currency;
  lines: DraftLine[];
  /** The sum of the lines' amounts. */
  total: Cents;
  /** Per period of use, the entries this invoice bills (mark them invoiced in the same transaction). */
  time: TimeConsumed[];
  /** Every entry of `time`, sorted. */
  timeEntryIds: string[];
}

/** A line as API.md writes it: `{ description, quantity, unitPrice, amount }`. */
export const toApiLine = (l: Pick<DraftLine, 'description' | 'quantity' | 'unitPrice' | 'amount'>) => ({
  description: l.description,
  quantity: quantityNumber(l.quantity),
  unitPrice: formatAmount(l.unitPrice),
  amount: formatAmount(l.amount),
});

interface AdvanceItem {
  id: string;
  description: string;
  kind: Exclude<LineItemKind, 'hourly'>;
  quantity: Hundredths | null;
  unitPrice: Cents;
  cap: Cents | null;
}

interface Terms {
  contractId: string;
  schedule: BillingSchedule;
  currency: Currency;
  advance: AdvanceItem[];
  hourlyLine: { description: string; unitPrice: Cents; cap: Cents | null } | null;
  includedHours: Hundredths | null;
  hourlyRate: Cents | null;
  overageRate: Cents | null;
}

const hundredths = (value: number, path: string): Hundredths => {
  const r = readQuantity(value);
  if (!r.ok) throw new ValidationError([{ path, message: r.message }]);
  return r.value;
};

const termsOf = (c: PricedContract): Terms => {
  const advance: AdvanceItem[] = [];
  let hourlyLine: Terms['hourlyLine'] = null;
  c.lineItems.forEach((item, i) => {
    const unitPrice = parseAmount(item.unitPrice, `lineItems.${i}.unitPrice`);
    const cap = item.cap === null ? null : parseAmount(item.cap, `lineItems.${i}.cap`);
    if (item.kind === 'hourly') hourlyLine ??= { description: item.description, unitPrice, cap };
    else advance.push({ id: item.id, description: item.description, kind: item.kind, quantity: item.quantity === null ? null : hundredths(item.quantity, `lineItems.${i}.quantity`), unitPrice, cap });
  });
  return {
    contractId: c.id,
    schedule: { startDate: c.startDate, endDate: c.endDate, billingFrequency: c.billingFrequency, billingDay: c.billingDay },
    currency: c.currency,
    advance,
    hourlyLine,
    includedHours: c.includedHours === null ? null : hundredths(c.includedHours, 'includedHours'),
    hourlyRate: c.hourlyRate === null ? null : parseAmount(c.hourlyRate, 'hourlyRate'),
    overageRate: c.overageRate === null ? null : parseAmount(c.overageRate, 'overageRate'),
  };
};

const span = (p: { from: string; to: string }) => `${p.from} to ${p.to}`;
const hoursText = (h: Hundredths) => `${quantityNumber(h)} h`;

const count = (n: number, what: string): Hundredths => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a count, not ${n}`);
  return units(n);
};

const advanceQuantity = (item: AdvanceItem, counts: LiveCounts): Hundredths =>
  item.quantity ??
  (item.kind === 'per_device' ? count(counts.activeAssets, 'activeAssets') : item.kind === 'per_user' ? count(counts.activeContacts, 'activeContacts') : 100);

const advanceLines = (t: Terms, counts: LiveCounts, period: BillingPeriod): DraftLine[] =>
  t.advance.map((item) => {
    const quantity = advanceQuantity(item, counts);
    const { numerator, denominator } = period.fraction;
    const capped = item.cap !== null && BigInt(item.unitPrice) * BigInt(quantity) > BigInt(item.cap) * 100n;
    const notes = [numerator !== denominator ? `${numerator} of ${denominator} days` : '', capped ? `capped at ${formatAmount(item.cap!)}` : ''].filter(Boolean);
    return {
      description: `${item.description}, ${span(period)}${notes.length ? ` (${notes.join(', ')})` : ''}`,
      quantity,
      unitPrice: item.unitPrice,
      amount: lineAmount(item.unitPrice, quantity, { cap: item.cap, fraction: period.fraction }),
      source: { kind: 'advance', lineItemId: item.id },
    };
  });

/** The rate for hours beyond the included ones (`overage`) or for all hours. */
const rateFor = (t: Terms, ctx: PricingContext, overage: boolean): Cents => {
  const rate =
    (overage ? t.overageRate : null) ??
    t.hourlyLine?.unitPrice ??
    t.hourlyRate ??
    (ctx.companyHourlyRate === null ? null : inCurrency(ctx.companyHourlyRate, t.currency));
  if (rate === null) throw new HourlyRateMissingError(t.contractId);
  return rate;
};

const sum = (entries: readonly BillableTime[]) => entries.reduce((s, e) => s + e.minutes, 0);

/**
 * The time lines of one period of use: `added` entries billed now, after `invoiced` ones
 * billed before. A line is what the period's time is worth with it minus what it was worth
 * without it (hours and amount alike), so the lines of a period of use always add up to
 * what one line would bill had all its time been logged on time: its cap holds across
 * invoices, and late time never rounds twice.
 */
const timeLines = (t: Terms, ctx: PricingContext, period: BillingPeriod, added: readonly BillableTime[], invoiced: readonly BillableTime[]): DraftLine[] => {
  const before = sum(invoiced);
  const after = before + sum(added);
  const included = includedMinutes(t.includedHours, period);
  const [coveredBefore, coveredAfter] = [Math.min(before, included), Math.min(after, included)];
  const [chargedBefore, chargedAfter] = [before - coveredBefore, after - coveredAfter];
  const label = t.hourlyLine?.description ?? 'Support time';
  const where = { from: period.from, to: period.to };
  const lines: DraftLine[] = [];
  if (t.includedHours !== null && coveredAfter > coveredBefore) {
    lines.push({
      description: `${label}, included hours, ${span(period)}`,
      quantity: minutesToHours(coveredAfter) - minutesToHours(coveredBefore),
      unitPrice: 0,
      amount: 0,
      source: { kind: 'included', period: where },
    });
  }
  if (chargedAfter > chargedBefore) {
    const overage = t.includedHours !== null;
    const rate = rateFor(t, ctx, overage);
    const cap = t.hourlyLine?.cap ?? null;
    const worth = (minutes: number) => lineAmount(rate, minutesToHours(minutes), { cap });
    const capped = cap !== null && lineAmount(rate, minutesToHours(chargedAfter)) > cap;
    const what = overage ? `${label}, hours beyond the ${hoursText(t.includedHours!)} included` : label;
    lines.push({
      description: `${what}, ${span(period)}${capped ? ` (capped at ${formatAmount(cap!)})` : ''}`,
      quantity: minutesToHours(chargedAfter) - minutesToHours(chargedBefore),
      unitPrice: rate,
      amount: worth(chargedAfter) - worth(chargedBefore),
      source: { kind: 'time', period: where },
    });
  }
  return lines;
};

/**
 * The after-hours line of one period of use (the company has an after-hours rate): `added`
 * after-hours entries billed now, after `invoiced` ones billed before. As for ordinary time, the
 * line is the period's after-hours time priced with it minus without it, so late time rounds
 * once over the period. No included hours, no cap: the hourly line's cap holds its own time.
 */
const afterHoursLines = (t: Terms, rate: Money, period: BillingPeriod, added: readonly BillableTime[], invoiced: readonly BillableTime[]): DraftLine[] => {
  const before = sum(invoiced);
  const after = before + sum(added);
  if (after <= before) return [];
  const unitPrice = inCurrency(rate, t.currency);
  const label = t.hourlyLine?.description ?? 'Support time';
  return [
    {
      description: `${label}, after hours, ${span(period)}`,
      quantity: minutesToHours(after) - minutesToHours(before),
      unitPrice,
      amount: lineAmount(unitPrice, minutesToHours(after)) - lineAmount(unitPrice, minutesToHours(before)),
      source: { kind: 'after_hours', period: { from: period.from, to: period.to } },
    },
  ];
};

/** A period of use's time lines: ordinary time first, then after-hours time billed apart (only when the company has its rate). */
const periodLines = (t: Terms, ctx: PricingContext, period: BillingPeriod, added: readonly BillableTime[], invoiced: readonly BillableTime[]): DraftLine[] => {
  const apart = ctx.companyAfterHoursRate !== null;
  const ordinary = (e: BillableTime) => !billedAfterHours(e, apart);
  const lines = timeLines(t, ctx, period, added.filter(ordinary), invoiced.filter(ordinary));
  if (!apart) return lines;
  const afterHours = (e: BillableTime) => billedAfterHours(e, apart);
  return [...lines, ...afterHoursLines(t, ctx.companyAfterHoursRate!, period, added.filter(afterHours), invoiced.filter(afterHours))];
};

/**
 * The invoice of one billing event. `entries`: the contract's time entries not yet invoiced,
 * and the invoiced ones of the same periods of use (they count against their period's
 * included hours and cap); entries of other periods are ignored.
 */
const draftFor = (t: Terms, event: BillingEvent, ctx: PricingContext, entries: readonly BillableTime[]): InvoiceDraft => {
  const groups = new Map<string, { period: BillingPeriod; entries: BillableTime[]; invoiced: BillableTime[] }>();
  for (const e of entries) {
    if (!e.billable || (e.invoiceId === null && e.date >= event.billingDate)) continue;
    const period = periodOfUse(t.schedule, e.date);
    const group = groups.get(period.from) ?? groups.set(period.from, { period, entries: [], invoiced: [] }).get(period.from)!;
    (e.invoiceId === null ? group.entries : group.invoiced).push(e);
  }
  // Periods of use with nothing new to bill bring no line.
  const ordered = [...groups.values()].filter((g) => g.entries.length > 0).sort((a, b) => (a.period.from < b.period.from ? -1 : 1));

  const lines = [
    ...(event.kind === 'period' ? advanceLines(t, ctx.counts, event.period) : []),
    ...ordered.flatMap((g) => periodLines(t, ctx, g.period, g.entries, g.invoiced)),
  ];
  const time = ordered.map((g) => ({ period: { from: g.period.from, to: g.period.to }, minutes: sum(g.entries), timeEntryIds: g.entries.map((e) => e.id).sort() }));
  return {
    contractId: t.contractId,
    key: event.key,
    billingDate: event.billingDate,
    kind: event.kind,
    period: { from: event.period.from, to: event.period.to },
    currency: t.currency,
    lines,
    total: sumCents(lines.map((l) => l.amount)),
    time,
    timeEntryIds: time.flatMap((g) => g.timeEntryIds).sort(),
  };
};

/** The invoice for one billing event of the contract (see periods.ts `billingEventsDue`). */
export const draftInvoice = (contract: PricedContract, event: BillingEvent, ctx: PricingContext, entries: readonly BillableTime[]): InvoiceDraft =>
  draftFor(termsOf(contract), event, ctx, entries);

/**
 * Every invoice due from `nextBillingDate` through `through`, oldest first (a catch-up), each
 * billing the time the ones before it left; and the contract's next billing date after them.
 */
export const draftInvoicesDue = (
  contract: PricedContract,
  nextBillingDate: string | null,
  through: string,
  ctx: PricingContext,
  entries: readonly BillableTime[],
  limit?: number,
): { invoices: InvoiceDraft[]; nextBillingDate: string | null } => {
  const terms = termsOf(contract);
  const due = billingEventsDue(terms.schedule, nextBillingDate, through, limit);
  let current = entries;
  const invoices = due.events.map((event) => {
    const draft = draftFor(terms, event, ctx, current);
    const billed = new Set(draft.timeEntryIds);
    if (billed.size > 0) current = current.map((e) => (billed.has(e.id) ? { ...e, invoiceId: `draft:${draft.key}` } : e));
    return draft;
  });
  return { invoices, nextBillingDate: due.nextBillingDate };
};

/** What the contract's advance lines bill in a year of whole periods, at today's counts (the renewal dashboard's `annualValue`). */
export const annualValue = (contract: PricedContract, counts: LiveCounts): Money => {
  const t = termsOf(contract);
  const perYear = 12 / FREQUENCY_MONTHS[t.schedule.billingFrequency];
  const perPeriod = t.advance.map((item) => lineAmount(item.unitPrice, advanceQuantity(item, counts), { cap: item.cap }));
  return { cents: sumCents(perPeriod.map((c) => c * perYear)), currency: t.currency };
};
