/**
 * Billing runs: every active contract due through a date gets one draft invoice per billing
 * date (catching up every one due), never two. What makes "never two" hold, whatever runs at
 * the same time or is delivered again: each invoice's transaction also puts the contract's
 * "billed period" key (conditional on its absence), moves the contract's `nextBillingDate` on
 * (conditional on the date it billed and the version read), and rewrites the unbilled months
 * of the time it bills (conditional on each month's `v` read). A run that loses any of these
 * reads the contract again: it finds the period billed, or bills it from fresh figures.
 * Rules of the amounts: docs/billing.md (shared/billing/contract-pricing.ts).
 */
import { ulid } from 'ulid';
import type * as z from 'zod';
import { addDays } from '../billing/calendar';
import { draftInvoice, type PricingContext } from '../billing/contract-pricing';
import { parseAmount } from '../billing/money';
import { mspToday } from '../billing/msp-defaults';
import { billingEventsDue, periodOfUse, type BillingPeriod, type BillingSchedule } from '../billing/periods';
import type { BillableTime } from '../billing/time-usage';
import { companyActive } from '../companies/company.repository';
import { invoiceItems } from '../invoices/invoice.repository';
import { getCompanyTerms, getContract, liveCounts } from '../contracts/contract.repository';
import type { Contract } from '../billing/contract.schema';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import { retryOnStaleRead } from '../db/optimistic';
import { transact } from '../db/transact';
import { ApiError, BadRequestError, NotFoundError, StaleReadError } from '../http/errors';
import { contractMinutesBetween, periodBounds } from '../time-entries/time-entry.repository';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import { jobKinds } from '../jobs/job-kinds';
import { withLease, type Lease } from '../jobs/lease';
import { logger } from '../logger';
import { enqueue } from '../outbox/outbox';
import {
  AlreadyBilled,
  advanceContract,
  claimBilledPeriod,
  claimScheduledRun,
  countInvoice,
  getRun,
  markRunEnded,
  markRunStarted,
  putNewRun,
  readUnbilled,
  removeBilled,
  savePage,
  ScheduledRunExists,
  stampEntry,
  type UnbilledMonth,
} from './billing-run.repository';
import type { BillingMessage, BillingRun, BillingRunError, billingMessage, StartBillingRunInput } from './billing-run.schema';

export const billingRunLocation = (id: string) => `/v1/billing-runs/${id}`;

/** Days after its billing date a draft invoice is due. */
export const INVOICE_DUE_DAYS = 30;
/** Contracts read per page of a run; its checkpoint is written after each. */
const PAGE = 100;
/** Contracts billed side by side. */
const CONCURRENCY = 8;
/** Stop with this much Lambda time left and continue from a new message. */
const TIME_RESERVE_MS = 60_000;

const newRun = (input: StartBillingRunInput, trigger: BillingRun['trigger']): BillingRun => ({
  id: ulid(),
  status: 'queued',
  through: input.through,
  companyId: input.companyId ?? null,
  trigger,
  invoicesCreated: 0,
  contractsSkipped: 0,
  errors: [],
  startedAt: null,
  completedAt: null,
  createdAt: new Date().toISOString(),
});

const runMessage = (runId: string) => ({ type: 'run', runId }) satisfies z.input<typeof billingMessage>;

/** `POST /v1/billing-runs`: the run and its message in one transaction (202). */
export const startBillingRun = async (input: StartBillingRunInput, idempotency?: IdempotencyContext): Promise<BillingRun> => {
  if (input.companyId && !(await getCompanyTerms(input.companyId, true))) {
    throw new BadRequestError('UNKNOWN_COMPANY', `No company has the id ${input.companyId}.`, [{ path: 'companyId', message: 'Unknown company' }]);
  }
  const run = newRun(input, 'manual');
  await transact([
    ...recordIdempotent(idempotency, { status: 202, body: { id: run.id }, headers: { location: billingRunLocation(run.id) } }),
    putNewRun(run),
    enqueue('billing', runMessage(run.id)),
  ]);
  return run;
};

export const findBillingRun = async (id: string): Promise<BillingRun> => {
  const run = await getRun(id);
  if (!run) throw new NotFoundError('billing run');
  const { cursor: _cursor, ...shown } = run;
  return shown;
};

/** The daily schedule's message: today's run (the MSP's date), once per day however often the message arrives. */
export const startScheduledRun = async (now = new Date()): Promise<string | undefined> => {
  const today = mspToday(now);
  const run = newRun({ through: today }, 'schedule');
  try {
    await transact([claimScheduledRun(today, run.id), putNewRun(run), enqueue('billing', runMessage(run.id))]);
    return run.id;
  } catch (err) {
    if (err instanceof ScheduledRunExists) return undefined;
    throw err;
  }
};

/** The `stamp` message: each billed entry carries its invoice's id. */
export const stampBilledEntries = async (invoiceId: string, entryIds: readonly string[]): Promise<void> => {
  const now = new Date().toISOString();
  for (let i = 0; i < entryIds.length; i += CONCURRENCY) await Promise.all(entryIds.slice(i, i + CONCURRENCY).map((id) => stampEntry(id, invoiceId, now)));
};

export type ContractOutcome = { invoices: number; skipped: boolean; error?: BillingRunError };

const scheduleOf = (c: Contract): BillingSchedule => ({ startDate: c.startDate, endDate: c.endDate, billingFrequency: c.billingFrequency, billingDay: c.billingDay });

/** How many billing dates one contract may catch up on in a run (10 years of monthly periods). */
const MAX_CATCH_UP = 120;

/**
 * Bills one contract through `through`: one invoice per billing date due, oldest first, each in
 * its own transaction with its key, the contract's next date, the time it bills and the run's
 * counter. Re-reads the contract after each (and after any lost race), so it always bills from
 * what is stored, unless the date it just wrote is past `through`.
 */
export const billContract = async (contractId: string, through: string, runId: string): Promise<ContractOutcome> => {
  let invoices = 0;
  for (let n = 0; n < MAX_CATCH_UP; n++) {
    const { step, next } = await retryOnStaleRead(() => billNextPeriod(contractId, through, runId));
    if (step === 'done') return { invoices, skipped: false };
    if (step === 'archived') return { invoices, skipped: true };
    if (step === 'invoiced') invoices++;
    // The date this run just moved the contract to is past `through`: nothing more is due, no need to read it again.
    if ((step === 'invoiced' || step === 'nothing') && next !== undefined && (next === null || next > through)) return { invoices, skipped: false };
    // 'taken': another run billed this period; 'nothing' or 'invoiced' with more due: read on.
  }
  return { invoices, skipped: false };
};

/** What billing one date did, and (once written) the contract's next billing date. */
type Step = { step: 'done' | 'archived' | 'invoiced' | 'nothing' | 'taken'; next?: string | null };

const billNextPeriod = async (contractId: string, through: string, runId: string): Promise<Step> => {
  const contract = await getContract(contractId, true);
  if (!contract || contract.status !== 'active' || contract.nextBillingDate === null || contract.nextBillingDate > through) return { step: 'done' };
  const company = await getCompanyTerms(contract.companyId, true);
  if (!company) return { step: 'done' };
  if (company.status !== 'active') return { step: 'archived' };
  const due = billingEventsDue(scheduleOf(contract), contract.nextBillingDate, through, 1);
  const event = due.events[0];
  if (!event) return { step: 'done' };
  const { months, billedBefore } = await timeToBill(contract, event.billingDate);
  // The company's rates as they are now, in its currency (the one GetItem above reads both).
  const companyRate = (rate: string | null, path: string) => (rate ? { cents: parseAmount(rate, path), currency: company.currency ?? contract.currency } : null);
  const ctx: PricingContext = {
    counts: liveCounts(company),
    companyHourlyRate: companyRate(company.hourlyRate, 'hourlyRate'),
    companyAfterHoursRate: companyRate(company.afterHoursRate, 'settings.afterHoursRate'),
  };
  const draft = draftInvoice(contract, event, ctx, [...months.flatMap((m) => m.entries), ...billedBefore]);
  const now = new Date().toISOString();
  const { invoice, items: invoiceWrite } = invoiceItems({
    companyId: contract.companyId,
    contractId: contract.id,
    period: draft.period,
    number: invoiceNumber(contract.id, event.billingDate, event.kind),
    currency: draft.currency,
    dueDate: addDays(event.billingDate, INVOICE_DUE_DAYS),
    lines: draft.lines,
    timeEntryIds: draft.timeEntryIds,
  });
  const invoiceId = String(invoice.id);
  const billed = new Set(draft.timeEntryIds);
  // Nothing to bill on this date (a break-fix contract without time): the date passes, no empty invoice is made.
  const empty = draft.lines.length === 0;
  try {
    await transact([
      claimBilledPeriod(contract.companyId, contract.id, event.key, empty ? null : invoiceId),
      advanceContract(contract.id, contract.version, event.billingDate, due.nextBillingDate, now),
      // The invoice with its company's "active" check; with nothing to bill, that check alone (an archive at this instant leaves the contract as it is).
      ...(empty
        ? [companyActive(contract.companyId, () => new NotFoundError('company'))]
        : [
            ...invoiceWrite,
            ...removeBilled(months, billed),
            countInvoice(runId),
            ...(billed.size ? [enqueue('billing', { type: 'stamp', invoiceId, timeEntryIds: draft.timeEntryIds } satisfies BillingMessage)] : []),
          ]),
    ]);
  } catch (err) {
    if (err instanceof AlreadyBilled) return { step: 'taken' };
    if (err instanceof ApiError && err.code === 'COMPANY_ARCHIVED') return { step: 'archived' };
    throw err;
  }
  if (empty) return { step: 'nothing', next: due.nextBillingDate };
  logger.info('Invoice drafted', { runId, contractId: contract.id, invoiceId, billingDate: event.billingDate, total: invoice.total, entries: billed.size });
  return { step: 'invoiced', next: due.nextBillingDate };
};

const signature = (months: readonly UnbilledMonth[]) => months.map((m) => `${m.key.sk}@${m.v}`).join(',');

/**
 * What a billing date bills of the contract's time: its unbilled months, and for each period of
 * use they bill into, the time of that period billed before (as one entry already invoiced: it
 * counts against the period's included hours and cap, so late time bills what it would have on
 * time). That earlier time is the period's day totals less what is still unbilled; both are read
 * between two reads of the unbilled months that must agree (every entry write moves a month's
 * `v`), so the two figures are of the same moment, and the invoice's transaction holds the months
 * to that moment too. The after-hours part is worked out the same way from the days'
 * `afterHoursMinutes`, and passed as an after-hours entry: pricing bills it apart or as ordinary
 * time by the company's after-hours rate at this run, as it does the unbilled entries.
 */
const timeToBill = async (contract: Contract, billingDate: string): Promise<{ months: UnbilledMonth[]; billedBefore: BillableTime[] }> => {
  const months = await readUnbilled(contract.companyId, contract.id);
  const schedule = scheduleOf(contract);
  const periods = new Map<string, { period: BillingPeriod; unbilled: number; unbilledAfterHours: number }>();
  for (const e of months.flatMap((m) => m.entries)) {
    const period = periodOfUse(schedule, e.date);
    const g = periods.get(period.from) ?? periods.set(period.from, { period, unbilled: 0, unbilledAfterHours: 0 }).get(period.from)!;
    g.unbilled += e.minutes;
    if (e.afterHours) g.unbilledAfterHours += e.minutes;
  }
  const billing = [...periods.values()].filter((g) => g.period.from < billingDate);
  const billedBefore: BillableTime[] = [];
  for (const g of billing) {
    const total = await contractMinutesBetween(contract.companyId, contract.id, ...periodBounds(schedule, g.period));
    const afterHours = total.afterHoursMinutes - g.unbilledAfterHours;
    const ordinary = total.minutes - total.afterHoursMinutes - (g.unbilled - g.unbilledAfterHours);
    const billed = { date: g.period.from, billable: true, invoiceId: 'billed' };
    if (ordinary > 0) billedBefore.push({ ...billed, id: `billed:${g.period.from}`, minutes: ordinary, afterHours: false });
    if (afterHours > 0) billedBefore.push({ ...billed, id: `billed-after-hours:${g.period.from}`, minutes: afterHours, afterHours: true });
  }
  if (billing.length && signature(await readUnbilled(contract.companyId, contract.id)) !== signature(months)) throw new StaleReadError();
  return { months, billedBefore };
};

/** `INV-<billing date>-<contract>`: unique per contract and billing date (a closing invoice ends in `C`); a draft's number may be changed before it is sent. */
const invoiceNumber = (contractId: string, billingDate: string, kind: 'period' | 'closing') => `INV-${billingDate.replaceAll('-', '')}-${contractId.slice(-8)}${kind === 'closing' ? 'C' : ''}`;

/** The contracts a run looks at: a company's (GSI1), or every active one (GSI2 buckets). */
const listing = (run: BillingRun) =>
  run.companyId ? { index: 'gsi1' as const, partitions: [keys.contractsOfCompany(run.companyId)] } : { index: 'gsi2' as const, partitions: keys.contractStatusPartitions('active') };

/**
 * The worker's run, under the run's lease: page by page through the contracts, billing those
 * due; after each page its position, skipped contracts and errors in one write, so a resumed
 * run (a new delivery, or the sweeper's after a crash) starts at the page it was in, and a
 * contract billed twice over creates nothing the second time.
 */
export const runBilling = (runId: string, remainingMs: () => number) => withLease(jobKinds['billing-run'], runId, (lease) => runLeased(runId, remainingMs, lease));

const runLeased = async (runId: string, remainingMs: () => number, lease: Lease): Promise<'completed' | 'continue' | 'skipped'> => {
  const run = await getRun(runId);
  if (!run || run.status === 'completed' || run.status === 'failed') return 'skipped';
  await markRunStarted(runId, run.startedAt ?? new Date().toISOString());
  let after = run.cursor ?? undefined;
  for (;;) {
    if (remainingMs() < TIME_RESERVE_MS) {
      await lease.handOver(enqueue('billing', runMessage(runId)));
      return 'continue';
    }
    const page = await readIndexPage(listing(run), PAGE, after);
    const due = page.items.filter((c) => c.status === 'active' && typeof c.nextBillingDate === 'string' && c.nextBillingDate <= run.through).map((c) => String(c.id));
    let skipped = 0;
    const errors: BillingRunError[] = [];
    for (let i = 0; i < due.length; i += CONCURRENCY) {
      const outcomes = await Promise.all(
        due.slice(i, i + CONCURRENCY).map((id) =>
          billContract(id, run.through, runId).catch((err: unknown): ContractOutcome => {
            // A contract that cannot be billed (no hourly rate, an amount out of range, …) is reported and skipped; the run goes on.
            if (err instanceof ApiError) return { invoices: 0, skipped: true, error: { contractId: id, code: err.code, message: err.message } };
            throw err;
          }),
        ),
      );
      for (const o of outcomes) {
        if (o.skipped) skipped++;
        if (o.error) errors.push(o.error);
      }
    }
    after = page.next;
    await savePage(runId, after ?? null, skipped, errors);
    if (!after) break;
  }
  await markRunEnded(runId, 'completed', new Date().toISOString());
  return 'completed';
};
