/**
 * Ends a long job as `failed` with a reason, from outside its worker (the dead-letter consumer,
 * the sweeper giving up). Conditional: a job that finished, or whose lease a live run holds, is
 * left alone; a job failed already only gets its follow-up writes again (they are idempotent),
 * so a redelivered dead letter changes nothing twice.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { updateItem } from '../db/update';
import type { JobFailure, JobKind } from './job-kinds';
import { iso, jobClock } from './lease-timing';

export type FailOutcome = 'failed' | 'already-failed' | 'finished' | 'leased' | 'missing';

export const markJobFailed = async (kind: JobKind, id: string, reason: JobFailure): Promise<FailOutcome> => {
  const now = iso(jobClock.now());
  const { set, add } = kind.failure(reason, now);
  const finished = Object.fromEntries(kind.finished.map((s, i) => [`:fin${i}`, s]));
  try {
    const out = await db().send(
      new UpdateCommand({
        // Leaving the due index: nothing is left for the sweeper to do.
        ...updateItem(
          kind.key(id),
          { set: { ...set, leaseOwner: null }, add, remove: ['leaseExpiresAt', 'gsi2pk', 'gsi2sk'] },
          {
            expression: `attribute_exists(pk) AND NOT (#status IN (${Object.keys(finished).join(', ')})) AND (attribute_not_exists(leaseOwner) OR leaseOwner = :null OR leaseExpiresAt < :now)`,
            names: { '#status': 'status' },
            values: { ...finished, ':null': null, ':now': now },
          },
        ),
        ReturnValues: 'ALL_NEW',
      }),
    );
    await kind.afterEnd?.(out.Attributes ?? {}, now);
    return 'failed';
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
  const job = (await db().send(new GetCommand({ TableName: tableName(), Key: kind.key(id), ConsistentRead: true }))).Item;
  if (!job) return 'missing';
  if (job.status === 'failed') {
    // A crash after the status write may have left the follow-up undone: it is idempotent, so do it again.
    await kind.afterEnd?.(job, now);
    return 'already-failed';
  }
  return kind.finished.includes(job.status as string) ? 'finished' : 'leased';
};
