/**
 * Time-entry items and what moves with them. An entry is `TIMEENTRY#<id>`; a billable entry
 * with a contract also adds its minutes to the contract's day of work and has one "unbilled"
 * item until an invoice bills it (keys.ts `contractTimeDay`, `unbilledTime`); after-hours time is
 * also counted on its own on the day and flagged on its unbilled item. Every change of
 * an entry writes those in the same transaction, so the usage figures are exact under
 * concurrent writes and a billing run reads exactly what is left to bill.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { readIndexPage } from '../db/index-read';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { conditionCheck, updateItem } from '../db/update';
import { ConflictError, NotFoundError, PreconditionFailedError, StaleReadError } from '../http/errors';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination';
import { periodOfUse, type BillingPeriod, type BillingSchedule } from '../billing/periods';
import type { TimeEntry } from './time-entry.schema';

// An entry written before the after-hours flag has none: it was ordinary time.
const fromItem = ({ pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest }: Record<string, unknown>) =>
  ({ ...rest, afterHours: rest.afterHours === true }) as unknown as TimeEntry;

export const entryInvoiced = () => new ConflictError('INVALID_STATE', 'The time entry is on an invoice; it can no longer change.');

export const getTimeEntry = async (id: string): Promise<TimeEntry | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.timeEntry(id), ConsistentRead: true }));
  return out.Item ? fromItem(out.Item) : undefined;
};

/** A ticket's entries by date of work (GSI2, one partition per ticket). */
export const listTicketEntries = async (ticketId: string, limit: number, cursor?: string): Promise<Page<TimeEntry>> => {
  const listing = `time-entries:ticket:${ticketId}`;
  const page = await readIndexPage({ index: 'gsi2', partitions: [keys.timeEntriesByTicket(ticketId)] }, limit, await decodeCursor(listing, cursor));
  return { items: page.items.map(fromItem), nextCursor: await encodeCursor(listing, page.next) };
};

export const putNewEntry = (e: TimeEntry): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.timeEntry(e.id), ...keys.timeEntryLists(e), type: 'TimeEntry', ...e }, ConditionExpression: 'attribute_not_exists(pk)' } },
});

/** The entry at the version read, not invoiced: else 404, 412 (its version), or 409 INVALID_STATE (on an invoice). */
const unchangedSince = (version: number) => ({
  expression: 'attribute_exists(pk) AND version = :v AND (attribute_not_exists(invoiceId) OR invoiceId = :null)',
  values: { ':v': version, ':null': null },
});
const entryConditionFailed = (old: Record<string, unknown> | undefined): Error => {
  if (!old) return new NotFoundError('time entry');
  if (old.invoiceId) return entryInvoiced();
  return new PreconditionFailedError(Number(old.version));
};

export const updateEntryItem = (before: TimeEntry, after: TimeEntry, changed: (keyof TimeEntry)[]): TxItem => {
  const set: Record<string, unknown> = Object.fromEntries([...new Set([...changed, 'version', 'updatedAt'] as const)].map((f) => [f, after[f]]));
  Object.assign(set, keys.timeEntryLists(after));
  return { item: { Update: updateItem(keys.timeEntry(before.id), { set }, unchangedSince(before.version)) }, onConditionFailed: entryConditionFailed };
};

export const deleteEntryItem = (before: TimeEntry): TxItem => ({
  item: { Delete: conditionCheck(keys.timeEntry(before.id), unchangedSince(before.version)) },
  onConditionFailed: entryConditionFailed,
});

/** The ticket still belongs to the company read (a ticket moved meanwhile: read again). */
export const ticketInCompany = (ticketId: string, companyId: string): TxItem => ({
  item: { ConditionCheck: conditionCheck(keys.record('TICKET', ticketId), { expression: 'attribute_exists(pk) AND companyId = :company', values: { ':company': companyId } }) },
  onConditionFailed: (old) => (old ? new StaleReadError() : new NotFoundError('ticket')),
});

/** What an entry adds to its contract's time: billable minutes on a day (after hours or not), and its place among the unbilled. */
interface TimeShare {
  contractId: string;
  date: string;
  minutes: number;
  afterHours: boolean;
}
const shareOf = (e: TimeEntry): TimeShare | undefined =>
  e.billable && e.contractId ? { contractId: e.contractId, date: e.date, minutes: e.minutes, afterHours: e.afterHours === true } : undefined;

const keyId = (k: { pk: string; sk: string }) => `${k.pk}\u0000${k.sk}`;

/**
 * An unbilled entry's attribute on its month's item: `e_<entry id>` = `{ date, minutes }`, with
 * `afterHours: true` for after-hours work (absent: ordinary time, as every entry written before
 * the flag; so those need no backfill and ordinary entries take no more room).
 */
export const UNBILLED_ATTRIBUTE_PREFIX = 'e_';
export interface UnbilledValue {
  date: string;
  minutes: number;
  afterHours?: true;
}
export const unbilledValue = (e: { date: string; minutes: number; afterHours?: boolean }): UnbilledValue => ({
  date: e.date,
  minutes: e.minutes,
  ...(e.afterHours === true ? { afterHours: true as const } : {}),
});
const unbilledAttribute = (entryId: string) => `${UNBILLED_ATTRIBUTE_PREFIX}${entryId}`;
const monthOf = (date: string) => date.slice(0, 7);

/**
 * The contract-time items that follow an entry from `before` to `after` (either absent for a
 * create or a delete), at most one write per item as a transaction requires:
 * - the day totals: one `ADD` per day touched (the difference, when the day stays) of
 *   `minutes` (all billable time) and `afterHoursMinutes` (the after-hours part of it);
 * - the month's unbilled item: the entry's attribute set, moved or removed, and the item's
 *   `v` moved on, so a billing run that read the month finds it changed. A change of an
 *   entry that was billable on a contract requires its attribute to be there still: once a
 *   billing run has billed it (removed it, in the invoice's transaction), the change fails
 *   with 409 INVALID_STATE even before the entry itself carries the invoice's id.
 */
export const contractTimeItems = (companyId: string, entryId: string, before: TimeEntry | undefined, after: TimeEntry | undefined): TxItem[] => {
  const was = before ? shareOf(before) : undefined;
  const now = after ? shareOf(after) : undefined;
  const days = new Map<string, { key: { pk: string; sk: string }; share: TimeShare; delta: number; afterHoursDelta: number }>();
  const addDay = (s: TimeShare, sign: 1 | -1) => {
    const key = keys.contractTimeDay(companyId, s.contractId, s.date);
    const entry = days.get(keyId(key)) ?? { key, share: s, delta: 0, afterHoursDelta: 0 };
    entry.delta += sign * s.minutes;
    if (s.afterHours) entry.afterHoursDelta += sign * s.minutes;
    days.set(keyId(key), entry);
  };
  if (was) addDay(was, -1);
  if (now) addDay(now, 1);
  const items: TxItem[] = [...days.values()]
    .filter((d) => d.delta !== 0 || d.afterHoursDelta !== 0)
    .map((d) => ({
      item: {
        Update: updateItem(d.key, {
          set: { type: 'ContractTimeDay', contractId: d.share.contractId, date: d.share.date },
          // A day item from before the flag has no `afterHoursMinutes`: it reads as 0, which it was.
          add: { ...(d.delta !== 0 ? { minutes: d.delta } : {}), ...(d.afterHoursDelta !== 0 ? { afterHoursMinutes: d.afterHoursDelta } : {}) },
        }),
      },
    }));

  const attribute = unbilledAttribute(entryId);
  const stillUnbilled = { expression: 'attribute_exists(#entry)', names: { '#entry': attribute } };
  const monthItem = (s: TimeShare) => keys.unbilledTime(companyId, s.contractId, monthOf(s.date));
  const wasKey = was && monthItem(was);
  const nowKey = now && monthItem(now);
  const value = unbilledValue;
  const base = (s: TimeShare) => ({ type: 'UnbilledTime', contractId: s.contractId, month: monthOf(s.date) });
  if (wasKey && nowKey && keyId(wasKey) === keyId(nowKey)) {
    const same = was!.date === now!.date && was!.minutes === now!.minutes && was!.afterHours === now!.afterHours;
    items.push({
      item: same
        ? { ConditionCheck: conditionCheck(wasKey, stillUnbilled) }
        : { Update: updateItem(wasKey, { set: { [attribute]: value(now!) }, add: { v: 1 } }, stillUnbilled) },
      onConditionFailed: entryInvoiced,
    });
  } else {
    if (wasKey) items.push({ item: { Update: updateItem(wasKey, { remove: [attribute], add: { v: 1 } }, stillUnbilled) }, onConditionFailed: entryInvoiced });
    if (nowKey) items.push({ item: { Update: updateItem(nowKey, { set: { ...base(now!), [attribute]: value(now!) }, add: { v: 1 } }) } });
  }
  return items;
};

/**
 * The day range of a period of use's time (both included; `undefined`: open): its own days, and
 * for the first (last) period of a contract also the days before its start (after its end),
 * which count towards it (billing/periods.ts `periodOfUse`).
 */
export const periodBounds = (schedule: BillingSchedule, period: BillingPeriod): [string | undefined, string | undefined] => {
  const isFirst = periodOfUse(schedule, schedule.startDate).from === period.from;
  const isLast = schedule.endDate !== null && periodOfUse(schedule, schedule.endDate).from === period.from;
  return [isFirst ? undefined : period.from, isLast ? undefined : period.to];
};

/** A contract's billable time over some days: all of it, and the after-hours part of it. */
export interface ContractMinutes {
  minutes: number;
  afterHoursMinutes: number;
}

/** Billable minutes a contract logged per day, from `from` through `to` (both included; `undefined`: open), and the after-hours part. One Query. */
export const contractMinutesBetween = async (companyId: string, contractId: string, from: string | undefined, to: string | undefined): Promise<ContractMinutes> => {
  const prefix = keys.contractTimeDayPrefix(contractId);
  const total: ContractMinutes = { minutes: 0, afterHoursMinutes: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db().send(
      new QueryCommand({
        TableName: tableName(),
        // Both bounds inside the contract's `DAY#` prefix: only its day items sort between them ('~' follows every digit).
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.company(companyId).pk, ':from': `${prefix}${from ?? ''}`, ':to': `${prefix}${to ?? '~'}` },
        ProjectionExpression: 'minutes, afterHoursMinutes',
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const i of out.Items ?? []) {
      total.minutes += Number(i.minutes ?? 0);
      total.afterHoursMinutes += Number(i.afterHoursMinutes ?? 0);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return total;
};

/** What an entry needs of its ticket: the company it belongs to and its default contract. */
export const getTicketForTime = async (ticketId: string): Promise<{ companyId: string | null; contractId: string | null } | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.record('TICKET', ticketId), ProjectionExpression: 'companyId, contractId', ConsistentRead: true }));
  if (!out.Item) return undefined;
  return { companyId: (out.Item.companyId as string | null) ?? null, contractId: (out.Item.contractId as string | null) ?? null };
};
