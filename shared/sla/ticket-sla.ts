/**
 * A ticket's SLA clock (API.md v1.1 "Service levels"): `sla: { policyId, responseDueAt,
 * resolutionDueAt, firstResponseAt, resolvedAt, responseBreached, resolutionBreached }`.
 *
 * - On create the ticket takes its company's policy (client settings `slaPolicyId`), else the
 *   default; its due times are its priority's targets counted in business time from creation,
 *   in the company's `businessHours` when its settings override the policy's. No policy at all:
 *   `sla` is null.
 * - A priority change recomputes both due times from creation, under the ticket's policy as it
 *   is now (a policy deleted since: the company's policy again). A move to another company
 *   takes that company's policy.
 * - The first public staff comment is the first response (shared/comments); resolving or
 *   closing stops the resolution clock (`resolvedAt`), reopening starts it again.
 * - A target is breached when it was met late, or is overdue and unmet: changes set the flags
 *   they can see; the scheduled check (`sla-breach-check.ts`) sets the rest. Flags never go
 *   back to false except when a priority change moves the due time itself.
 *
 * The rules here are pure; `ticketSla` (a record hook, shared/records/record.hooks.ts) reads
 * the policy and applies them on every ticket write, and `slaWatchKeys` keeps the ticket on
 * the SLA index (GSI3) while it has a clock to watch.
 */
import { keys } from '../db/keys';
import type { RecordHook, RecordWrite } from '../records/record.hooks';
import { logger } from '../logger';
import { dueTimes, NoBusinessTimeError, type Hours, type Priority } from './business-time';
import { settingsOf } from '../settings/client-settings';
import { defaultPolicyOf, getSlaPolicy, type StoredSlaPolicy } from './sla-policy.repository';

export interface TicketSla {
  policyId: string;
  responseDueAt: string;
  resolutionDueAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  responseBreached: boolean;
  resolutionBreached: boolean;
}

const STOPPED = ['resolved', 'closed'];
const OPEN = ['open', 'in_progress'];

/** `a` is later than `b` (ISO 8601 UTC strings of one format compare as text). */
const after = (a: string, b: string) => a > b;

/** Due times under `policy` (and the company's hours), with the flags as far as `now` shows them. */
export const clockFor = (policy: StoredSlaPolicy, hours: Hours | null, createdAt: string, priority: Priority, kept: Pick<TicketSla, 'firstResponseAt' | 'resolvedAt'>, now: string): TicketSla | null => {
  let due: ReturnType<typeof dueTimes>;
  try {
    due = dueTimes(createdAt, priority, policy, hours);
  } catch (err) {
    // A calendar closed for over a year (holidays added since the policy was checked): the ticket is taken without a clock, never refused.
    if (!(err instanceof NoBusinessTimeError)) throw err;
    logger.warn('SLA calendar has no business time; ticket has no SLA clock', { policyId: policy.id });
    return null;
  }
  return {
    policyId: policy.id,
    ...due,
    ...kept,
    responseBreached: after(kept.firstResponseAt ?? now, due.responseDueAt),
    resolutionBreached: after(kept.resolvedAt ?? now, due.resolutionDueAt),
  };
};

/** The first response at `at` (a later public staff comment changes nothing). */
export const responded = (sla: TicketSla, at: string): TicketSla =>
  sla.firstResponseAt ? sla : { ...sla, firstResponseAt: at, responseBreached: sla.responseBreached || after(at, sla.responseDueAt) };

/** The flags a check at `now` sets: an unmet target whose due time has passed. */
export const flagged = (sla: TicketSla, now: string): TicketSla => ({
  ...sla,
  responseBreached: sla.responseBreached || (!sla.firstResponseAt && !after(sla.responseDueAt, now)),
  resolutionBreached: sla.resolutionBreached || (!sla.resolvedAt && !after(sla.resolutionDueAt, now)),
});

/** The clock after a status change from `from` to `to` at `now`. */
const withStatus = (sla: TicketSla, from: string, to: string, now: string): TicketSla => {
  if (STOPPED.includes(to) && !STOPPED.includes(from)) return { ...sla, resolvedAt: now, resolutionBreached: sla.resolutionBreached || after(now, sla.resolutionDueAt) };
  if (!STOPPED.includes(to) && STOPPED.includes(from)) return { ...sla, resolvedAt: null };
  return sla;
};

/**
 * The ticket's entry on the SLA index (GSI3) while it is open and has a target nobody has
 * flagged or met: under `OK` or `BREACHED`, at the earliest such due time (`~` once every
 * target is met or flagged). No entry (`{}`) otherwise: the record write removes the keys.
 */
export const slaWatchKeys = (r: Record<string, unknown>): Record<string, string> => {
  const sla = r.sla as TicketSla | null | undefined;
  if (!sla || !OPEN.includes(String(r.status))) return {};
  return keys.ticketSlaWatch(sla.responseBreached || sla.resolutionBreached ? 'BREACHED' : 'OK', String(r.id), nextDue(sla) ?? '~');
};

/** The index attributes `slaWatchKeys` may set, so a write can remove the ones it no longer has. */
export const SLA_WATCH_ATTRIBUTES = ['gsi3pk', 'gsi3sk'] as const;

/** The list filters `GET /v1/tickets` takes for SLAs. */
export interface SlaFilter {
  slaBreached?: boolean;
  dueBefore?: string;
}

/** The earliest target still to meet and not yet flagged (none: undefined). */
const nextDue = (sla: TicketSla): string | undefined =>
  [...(!sla.firstResponseAt && !sla.responseBreached ? [sla.responseDueAt] : []), ...(!sla.resolvedAt && !sla.resolutionBreached ? [sla.resolutionDueAt] : [])].sort()[0];

/** Whether a ticket passes the SLA filters: open, with a clock, breached or not, next due before. */
export const slaMatches = (r: Record<string, unknown>, q: SlaFilter): boolean => {
  if (q.slaBreached === undefined && q.dueBefore === undefined) return true;
  const sla = r.sla as TicketSla | null | undefined;
  if (!sla || !OPEN.includes(String(r.status))) return false;
  if (q.slaBreached !== undefined && (sla.responseBreached || sla.resolutionBreached) !== q.slaBreached) return false;
  if (q.dueBefore !== undefined) {
    const due = nextDue(sla);
    if (!due || !(new Date(due).getTime() < new Date(q.dueBefore).getTime())) return false;
  }
  return true;
};

/** The GSI3 partitions and range that hold every ticket `slaMatches` can accept (it re-checks each item: the index lags). */
export const slaListing = (q: SlaFilter) => ({
  partitions: q.slaBreached === undefined ? [...keys.ticketSlaPartitions('OK'), ...keys.ticketSlaPartitions('BREACHED')] : keys.ticketSlaPartitions(q.slaBreached ? 'BREACHED' : 'OK'),
  below: q.dueBefore === undefined ? undefined : new Date(q.dueBefore).toISOString(),
});

/**
 * The policy to follow: `preferred` (the ticket's own), else the company's (settings), else the
 * default, whose copy came with the company item (`reads`); with the company's hours override.
 */
const policyOf = async (w: RecordWrite, preferred?: string): Promise<{ policy: StoredSlaPolicy | undefined; hours: Hours | null }> => {
  const [company, pointer] = await Promise.all([w.company(), w.item(keys.slaDefault())]);
  const settings = settingsOf(company);
  const byDefault = defaultPolicyOf(pointer);
  for (const id of [preferred, settings.slaPolicyId]) {
    if (!id) continue;
    const policy = id === byDefault.id && byDefault.policy ? byDefault.policy : await getSlaPolicy(id, true);
    if (policy) return { policy, hours: settings.businessHours };
  }
  const policy = byDefault.policy ?? (byDefault.id ? await getSlaPolicy(byDefault.id, true) : undefined);
  return { policy, hours: settings.businessHours };
};

export const ticketSla: RecordHook = {
  reads: [keys.slaDefault()],
  async prepare(w) {
    const { before, after: ticket } = w;
    const companyId = ticket.companyId;
    const now = String(ticket.updatedAt);
    const createdAt = String(ticket.createdAt);
    const priority = ticket.priority as Priority;
    const status = String(ticket.status);
    if (!before) {
      if (!companyId) return { items: [] };
      const { policy, hours } = await policyOf(w);
      if (!policy) return { set: { sla: null }, items: [] };
      const clock = clockFor(policy, hours, createdAt, priority, { firstResponseAt: null, resolvedAt: null }, now);
      return { set: { sla: clock && withStatus(clock, 'open', status, now) }, items: [] };
    }
    const was = (before.sla as TicketSla | null | undefined) ?? null;
    let sla = was;
    const moved = before.companyId !== companyId;
    if (companyId && (moved || (sla && before.priority !== priority))) {
      // A ticket without a clock (written before SLAs, or when no policy existed) gets one only by a move.
      const { policy, hours } = await policyOf(w, moved ? undefined : sla?.policyId);
      if (policy && (sla || moved)) sla = clockFor(policy, hours, createdAt, priority, { firstResponseAt: sla?.firstResponseAt ?? null, resolvedAt: sla?.resolvedAt ?? null }, now) ?? sla;
    }
    if (sla) sla = withStatus(sla, String(before.status), status, now);
    return JSON.stringify(sla) === JSON.stringify(was) ? { items: [] } : { set: { sla }, items: [] };
  },
};
