/**
 * Ends a long job as `failed` with a reason, from outside its worker (the dead-letter consumer,
 * the sweeper giving up). Conditional: a job that finished, or whose lease a live run holds, is
 * left alone; a job failed already only gets its follow-up writes again (they are idempotent),
 * so a redelivered dead letter changes nothing twice.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import type { JobFailure, JobKind } from './job-kinds';
import { iso, jobClock } from './lease-timing';

export type FailOutcome = 'failed' | 'already-failed' | 'finished' | 'leased' | 'missing';

export const markJobFailed = async (kind: JobKind, id: string, reason: JobFailure): Promise<FailOutcome> => {
  const now = iso(jobClock.now());
  const { set, append = {} } = kind.failure(reason, now);
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':null': null, ':now': now };
  const clauses: string[] = [];
  Object.entries(set).forEach(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    clauses.push(`#s${i} = :s${i}`);
  });
  Object.entries(append).forEach(([k, v], i) => {
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    values[':empty'] = [];
    clauses.push(`#a${i} = list_append(if_not_exists(#a${i}, :empty), :a${i})`);
  });
  const finished = kind.finished.map((s, i) => {
    values[`:fin${i}`] = s;
    return `:fin${i}`;
  });
  try {
    const out = await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: kind.key(id),
        // Leaving the due index: nothing is left for the sweeper to do.
        UpdateExpression: `SET ${clauses.join(', ')}, leaseOwner = :null REMOVE leaseExpiresAt, gsi2pk, gsi2sk`,
        ConditionExpression: `attribute_exists(pk) AND NOT (#status IN (${finished.join(', ')})) AND (attribute_not_exists(leaseOwner) OR leaseOwner = :null OR leaseExpiresAt < :now)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
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
