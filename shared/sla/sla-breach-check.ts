/**
 * The scheduled SLA check (every 5 minutes): flags each open ticket's targets that passed their
 * due time unmet. It reads only what is overdue and not yet flagged, from the SLA index (GSI3,
 * `slaWatchKeys`): every flag it sets moves the ticket's entry on to its next due time, or to
 * `~` once nothing is left to watch, so a run never reads the same breach twice.
 *
 * Each ticket is one transaction at the version read, with its company's guard (the generic
 * `changeItems`): a ticket changed since the read is left for the next run, and a ticket of an
 * archived company is left as it is (archived means preserved; its clock waits for a restore).
 * Killed at any line, the next run does what is left; flagging twice is impossible (the
 * version moved).
 */
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import { ApiError, StaleReadError } from '../http/errors';
import { logger } from '../logger';
import { fromItem } from '../records/record.repository';
import { recordKinds } from '../records/record.schema';
import { changeItems } from '../records/record.service';
import { flagged, type TicketSla } from './ticket-sla';

export interface BreachCheckReport {
  /** Tickets with a target newly flagged. */
  flagged: number;
  /** Overdue entries left for later: changed meanwhile, or of an archived company. */
  skipped: number;
}

export const checkSlaBreaches = async (now = new Date().toISOString()): Promise<BreachCheckReport> => {
  const report: BreachCheckReport = { flagged: 0, skipped: 0 };
  const kind = recordKinds.ticket;
  const partitions = [...keys.ticketSlaPartitions('OK'), ...keys.ticketSlaPartitions('BREACHED')];
  for await (const item of readIndexAll({ index: 'gsi3', partitions, below: now })) {
    const before = fromItem(item);
    const sla = before.sla as TicketSla | null | undefined;
    if (!sla) continue;
    const next = flagged(sla, now);
    if (JSON.stringify(next) === JSON.stringify(sla)) continue; // the index lagged a change that met the target
    try {
      await transact(changeItems(kind, before, { ...before, sla: next, version: before.version + 1, updatedAt: now }, ['sla']));
      report.flagged++;
    } catch (err) {
      if (!(err instanceof ApiError || err instanceof StaleReadError)) throw err;
      report.skipped++;
      logger.info('SLA breach left for the next check', { ticketId: before.id, reason: err.message });
    }
  }
  return report;
};
