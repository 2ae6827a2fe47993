/**
 * The job sweeper: reads the unfinished long jobs that are overdue (a lease that lapsed while
 * `running`: its worker died; or a job `queued` or handed over whose message was never picked
 * up) from the sparse due index, one Query, and queues each again so it resumes from its
 * checkpoint. Each re-queue moves the job's due time forward conditionally and writes the
 * job's outbox item in one transaction, so two sweeps (or a sweep and a worker taking the
 * lease) never both act on one job, and a crash never leaves a job marked re-queued without its
 * message. A job that has needed the sweeper too many times is failed instead of being retried
 * for ever.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db } from '../db/client';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { transact } from '../db/transact';
import { updateItem } from '../db/update';
import { logger } from '../logger';
import { enqueue } from '../outbox/outbox';
import { markJobFailed } from './job-failure';
import { jobKinds } from './job-kinds';
import { dueAttributes, iso, jobClock, leaseTiming, type LeasedKind } from './lease-timing';

/** Re-queues of one job after its run died, before it is failed as stalled (a job that kills its worker every time). */
export const MAX_SWEEPS = 5;

export interface SweepReport {
  requeued: { kind: LeasedKind; id: string }[];
  /** Finished jobs still in the index (their run died after finishing, before leaving it): their end is completed and they leave it. */
  cleared: number;
  stalled: { kind: LeasedKind; id: string }[];
}

/** The job changed since the index was read (a worker took the lease, another sweep re-queued it). */
class ActedOnMeanwhile extends Error {}

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || err instanceof ActedOnMeanwhile;

export const sweepJobs = async (): Promise<SweepReport> => {
  const nowMs = jobClock.now();
  const report: SweepReport = { requeued: [], cleared: 0, stalled: [] };
  // Keys from the index, then the jobs themselves; a job whose due time moved since the index was written is not listed.
  const overdue = readIndexAll({ index: 'gsi2', partitions: [keys.jobDuePartition], below: iso(nowMs) });
  for await (const item of overdue) {
    const kind = jobKinds[String(item.gsi2sk).split('#')[1] as LeasedKind];
    if (!kind) continue;
    const id = item.id as string;
    const read = item.leaseExpiresAt as string;
    try {
      if (kind.finished.includes(item.status as string)) {
        // Its run died after writing the end, before the rest of it (the company's sync marker): finish that first.
        await kind.afterEnd?.(item, iso(nowMs));
        await db().send(new UpdateCommand(updateItem(kind.key(id), { set: { leaseOwner: null }, remove: ['leaseExpiresAt', 'gsi2pk', 'gsi2sk'] }, { expression: 'leaseExpiresAt = :read', values: { ':read': read } })));
        report.cleared++;
        continue;
      }
      // An owner on an overdue lease means its run died; no owner means the job's message was never picked up (not the job's fault).
      const died = item.leaseOwner !== null && item.leaseOwner !== undefined;
      const sweeps = Number(item.sweeps ?? 0);
      if (died && sweeps >= MAX_SWEEPS) {
        const outcome = await markJobFailed(kind, id, {
          code: 'JOB_STALLED',
          message: `The job stopped without finishing ${sweeps + 1} times (its worker was stopped or crashed each time); it will not be retried.`,
        });
        if (outcome === 'failed') report.stalled.push({ kind: kind.name, id });
        continue;
      }
      // Free (a lapsed owner is dropped, so a run that wakes up late finds its lease gone) and due again after the grace,
      // together with the message that resumes it: both or neither, so a job marked re-queued always has its message.
      const next = dueAttributes(kind.name, id, nowMs + leaseTiming.pickupGraceMs);
      await transact([
        {
          item: {
            Update: updateItem(
              kind.key(id),
              { set: { leaseOwner: null, leaseExpiresAt: next.leaseExpiresAt, gsi2sk: next.gsi2sk }, add: died ? { sweeps: 1 } : {} },
              { expression: 'leaseExpiresAt = :read AND leaseExpiresAt < :now', values: { ':read': read, ':now': iso(nowMs) } },
            ),
          },
          onConditionFailed: () => new ActedOnMeanwhile(),
        },
        enqueue(kind.queue, kind.message(item)),
      ]);
      report.requeued.push({ kind: kind.name, id });
    } catch (err) {
      // Someone acted on the job since the index was read (a worker took the lease, another sweep): theirs now.
      if (isConditionFailure(err)) continue;
      throw err;
    }
  }
  if (report.requeued.length || report.cleared || report.stalled.length) logger.info('Job sweep', { requeued: report.requeued, cleared: report.cleared, stalled: report.stalled });
  return report;
};
