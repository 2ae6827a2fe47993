/**
 * The job sweeper: reads the unfinished long jobs that are overdue (a lease that lapsed while
 * `running`: its worker died; or a job `queued` or handed over whose message was never picked
 * up) from the sparse due index, one Query, and queues each again so it resumes from its
 * checkpoint. Each re-queue first moves the job's due time forward conditionally, so two
 * sweeps (or a sweep and a worker taking the lease) never both act on one job. A job that has
 * needed the sweeper too many times is failed instead of being retried for ever.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { readIndexAll } from '../db/index-read';
import { keys } from '../db/keys';
import { logger } from '../logger';
import { enqueueNow } from '../outbox/outbox';
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

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

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
        await db().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: kind.key(id),
            UpdateExpression: 'SET leaseOwner = :null REMOVE leaseExpiresAt, gsi2pk, gsi2sk',
            ConditionExpression: 'leaseExpiresAt = :read',
            ExpressionAttributeValues: { ':null': null, ':read': read },
          }),
        );
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
      // Free (a lapsed owner is dropped, so a run that wakes up late finds its lease gone) and due again after the grace.
      const next = dueAttributes(kind.name, id, nowMs + leaseTiming.pickupGraceMs);
      await db().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: kind.key(id),
          UpdateExpression: `SET leaseOwner = :null, leaseExpiresAt = :due, gsi2sk = :duesk${died ? ' ADD sweeps :one' : ''}`,
          ConditionExpression: 'leaseExpiresAt = :read AND leaseExpiresAt < :now',
          ExpressionAttributeValues: { ':null': null, ':due': next.leaseExpiresAt, ':duesk': next.gsi2sk, ':read': read, ':now': iso(nowMs), ...(died ? { ':one': 1 } : {}) },
        }),
      );
      // Its own outbox item (no transaction: a crash between the two leaves the job due again, and the next sweep queues it).
      await enqueueNow(kind.queue, kind.message(item));
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
