/**
 * A message that reached a job queue's dead-letter queue: its worker failed on every delivery,
 * so its job is ended as `failed` with a reason instead of staying `queued` or `running` for
 * good. Idempotent (see `markJobFailed`); a message that names no job is logged and dropped,
 * the queue's alarm having already seen it.
 */
import { logger } from '../logger';
import { queues } from '../queues';
import { markJobFailed, type FailOutcome } from './job-failure';
import { allJobKinds, type JobFailure } from './job-kinds';
import type { LeasedKind } from './lease-timing';

export const deadLetterReason = (queue: string): JobFailure => ({
  code: 'JOB_DEAD_LETTERED',
  message: `The job's worker failed on all ${queues.find((q) => q.name === queue)?.maxReceiveCount ?? 'its'} deliveries of its message, which was moved to the dead-letter queue.`,
});

export const failDeadLetter = async (body: unknown): Promise<{ kind: LeasedKind; id: string; outcome: FailOutcome } | undefined> => {
  for (const kind of allJobKinds) {
    const id = kind.jobIdOf(body);
    if (!id) continue;
    const outcome = await markJobFailed(kind, id, deadLetterReason(kind.queue));
    // A live lease means another delivery is running the job right now: this stale copy changes nothing.
    logger[outcome === 'failed' ? 'error' : 'warn']('Dead-lettered job message', { kind: kind.name, jobId: id, outcome });
    return { kind: kind.name, id, outcome };
  }
  logger.error('Dead-lettered message names no job; dropped', { fields: body && typeof body === 'object' ? Object.keys(body) : typeof body });
  return undefined;
};
