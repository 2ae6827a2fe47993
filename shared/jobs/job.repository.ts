/** Job items: created in the transaction that asks for the work, advanced by the worker in the transactions that do it. */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import type { TxItem } from '../db/transact';
import { updateItem } from '../db/update';
import { jobSchema, type Job } from './job.schema';
import { queuedLeaseAttributes } from './lease-timing';

const FIELDS = Object.keys(jobSchema.shape) as (keyof Job)[];
const fromItem = (item: Record<string, unknown>) => Object.fromEntries(FIELDS.map((f) => [f, item[f] ?? null])) as Job;

export const putNewJob = (job: Job): TxItem => ({
  // `type` names the entity on every item; the job's own type is stored as `jobType`.
  item: { Put: { TableName: tableName(), Item: { ...keys.job(job.id), ...job, type: 'Job', jobType: job.type, ...queuedLeaseAttributes('company-cleanup', job.id) }, ConditionExpression: 'attribute_not_exists(pk)' } },
});

export const getJob = async (id: string): Promise<Job | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.job(id), ConsistentRead: true }));
  return out.Item ? fromItem({ ...out.Item, type: out.Item.jobType }) : undefined;
};

/** `progress.<kind>.done += n`, as an item of the transaction that did those n. */
export const addJobProgress = (jobId: string, kind: string, n: number): TxItem => ({
  item: { Update: updateItem(keys.job(jobId), { add: { [`progress.${kind}.done`]: n }, set: { updatedAt: new Date().toISOString(), status: 'running' } }) },
});

export const markKindComplete = (jobId: string, kind: string) =>
  db().send(new UpdateCommand(updateItem(keys.job(jobId), { set: { [`progress.${kind}.complete`]: true, updatedAt: new Date().toISOString() } })));

export const setJobStatus = (jobId: string, status: Job['status'], error: Job['error'] = null) =>
  db().send(new UpdateCommand(updateItem(keys.job(jobId), { set: { status, error, updatedAt: new Date().toISOString() } })));
