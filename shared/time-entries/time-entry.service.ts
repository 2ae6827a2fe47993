/**
 * Time-entry rules: an entry is logged on a ticket of an active company, by the signed-in staff
 * member, against a contract of that company (given, else the ticket's contract, else none);
 * an entry an invoice has billed never changes (409 INVALID_STATE). Each write carries the
 * company's "active" condition, the ticket's company as read, the contract's, and the
 * contract-time items (shared/time-entries/time-entry.repository.ts) in one transaction.
 */
import { ulid } from 'ulid';
import { readQuantity } from '../billing/quantity';
import { contractUsable, getCompanyTerms, getContract } from '../contracts/contract.repository';
import { toDayNumber, fromDayNumber, daysInMonth } from '../billing/calendar';
import { periodOfUse, periodStartingOn, type BillingSchedule } from '../billing/periods';
import { usageInHours, usageOfMinutes } from '../billing/time-usage';
import { companyActive } from '../companies/company.repository';
import { retryOnStaleRead } from '../db/optimistic';
import { transact, type TxItem } from '../db/transact';
import { versionBase } from '../http/concurrency';
import { ConflictError, NotFoundError } from '../http/errors';
import { recordIdempotent, type IdempotencyContext } from '../http/idempotency';
import type { Page } from '../http/pagination';
import {
  contractMinutesBetween,
  contractTimeItems,
  deleteEntryItem,
  entryInvoiced,
  getTicketForTime,
  getTimeEntry,
  listTicketEntries,
  periodBounds,
  putNewEntry,
  ticketInCompany,
  updateEntryItem,
} from './time-entry.repository';
import type { ContractUsage, CreateTimeEntryInput, TimeEntry, UpdateTimeEntryInput } from './time-entry.schema';

export const timeEntryLocation = (id: string) => `/v1/time-entries/${id}`;

const ticketCompany = async (ticketId: string) => {
  const ticket = await getTicketForTime(ticketId);
  if (!ticket) throw new NotFoundError('ticket');
  if (!ticket.companyId) throw new ConflictError('INVALID_STATE', 'The ticket has no company: time is logged on a ticket of a company.');
  return { companyId: ticket.companyId, contractId: ticket.contractId };
};

/** The checks every write of an entry carries: its company active, its ticket still in it, its contract (when it has one) billing time for it. */
const guards = (e: Pick<TimeEntry, 'companyId' | 'ticketId' | 'contractId'>): TxItem[] => [
  companyActive(e.companyId, () => new NotFoundError('company')),
  ticketInCompany(e.ticketId, e.companyId),
  // Active, or expired: time logged late for a contract's last period still bills on its closing invoice.
  ...(e.contractId ? [contractUsable(e.contractId, e.companyId, ['active', 'expired'])] : []),
];

export const createTimeEntry = async (ticketId: string, staffId: string, input: CreateTimeEntryInput, idempotency?: IdempotencyContext): Promise<TimeEntry> =>
  // A ticket moved to another company between the read and the write is read again.
  retryOnStaleRead(async () => {
    const ticket = await ticketCompany(ticketId);
    const now = new Date().toISOString();
    const entry: TimeEntry = {
      id: ulid(),
      ticketId,
      companyId: ticket.companyId,
      contractId: input.contractId === undefined ? ticket.contractId : input.contractId,
      staffId,
      date: input.date,
      minutes: input.minutes,
      billable: input.billable,
      afterHours: input.afterHours,
      note: input.note,
      invoiceId: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await transact([
      ...recordIdempotent(idempotency, { status: 201, body: entry, headers: { location: timeEntryLocation(entry.id), etag: '"1"' } }),
      putNewEntry(entry),
      ...guards(entry),
      ...contractTimeItems(entry.companyId, entry.id, undefined, entry),
    ]);
    return entry;
  });

export const listTimeEntries = async (ticketId: string, limit: number, cursor?: string): Promise<Page<TimeEntry>> => {
  const [ticket, page] = await Promise.all([getTicketForTime(ticketId), listTicketEntries(ticketId, limit, cursor)]);
  if (!ticket) throw new NotFoundError('ticket');
  return page;
};

const EDITABLE = ['date', 'minutes', 'billable', 'afterHours', 'note', 'contractId'] as const;

/** PATCH at the version it is based on (`If-Match`, or as read): 412 / 409 CONCURRENT_CHANGE on a lost race; an invoiced entry 409 INVALID_STATE. */
export const updateTimeEntry = async (id: string, input: UpdateTimeEntryInput, ifMatch: number | '*' | undefined): Promise<TimeEntry> => {
  const base = versionBase(ifMatch);
  const before = await getTimeEntry(id);
  if (!before) throw new NotFoundError('time entry');
  base.check(before.version);
  if (before.invoiceId) throw entryInvoiced();
  const changed = EDITABLE.filter((f) => input[f] !== undefined && JSON.stringify(input[f]) !== JSON.stringify(before[f]));
  if (changed.length === 0) return before;
  const after: TimeEntry = { ...before, ...Object.fromEntries(changed.map((f) => [f, input[f]])), version: before.version + 1, updatedAt: new Date().toISOString() };
  await base.write(transact([updateEntryItem(before, after, changed), ...guards(after), ...contractTimeItems(before.companyId, id, before, after)]));
  return after;
};

export const deleteTimeEntry = async (id: string, ifMatch: number | '*' | undefined): Promise<void> => {
  const base = versionBase(ifMatch);
  const before = await getTimeEntry(id);
  if (!before) throw new NotFoundError('time entry');
  base.check(before.version);
  if (before.invoiceId) throw entryInvoiced();
  await base.write(
    transact([
      deleteEntryItem(before),
      companyActive(before.companyId, () => new NotFoundError('company')),
      ...contractTimeItems(before.companyId, id, before, undefined),
    ]),
  );
};

/**
 * The contract's billable time in the period of use that `month` (YYYY-MM) names: the period
 * starting in that month, else the one holding its first day. Minutes come from the
 * contract's day totals, which every entry write keeps exact; a period's first (last) period
 * also takes time logged before the start (after the end), as billing does (periodOfUse).
 * After-hours time is left out while the company has an after-hours rate (billing prices it
 * apart, drawing on no included hours), as of now: one GetItem of the company, beside the Query.
 */
export const contractUsage = async (contractId: string, month: string): Promise<ContractUsage> => {
  const c = await getContract(contractId);
  if (!c) throw new NotFoundError('contract');
  const schedule: BillingSchedule = { startDate: c.startDate, endDate: c.endDate, billingFrequency: c.billingFrequency, billingDay: c.billingDay };
  const first = `${month}-01`;
  const [year, mon] = month.split('-').map(Number) as [number, number];
  let period = periodOfUse(schedule, first);
  for (let d = toDayNumber(first), last = toDayNumber(`${month}-${String(daysInMonth(year, mon)).padStart(2, '0')}`); d <= last; d++) {
    const starting = periodStartingOn(schedule, fromDayNumber(d));
    if (starting) {
      period = starting;
      break;
    }
  }
  const [time, company] = await Promise.all([contractMinutesBetween(c.companyId, contractId, ...periodBounds(schedule, period)), getCompanyTerms(c.companyId)]);
  const used = company?.afterHoursRate ? time.minutes - time.afterHoursMinutes : time.minutes;
  const includedHours = c.includedHours === null ? null : (readQuantity(c.includedHours) as { ok: true; value: number }).value;
  const usage = usageInHours(usageOfMinutes(includedHours, period, used), includedHours !== null);
  return { contractId, period: { from: period.from, to: period.to }, ...usage };
};
