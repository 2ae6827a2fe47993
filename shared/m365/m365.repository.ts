/** Microsoft 365 items: tenant guards, a company's sync state, sync jobs, object links, consumed consent states. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { updateItem } from '../db/update';
import type { TxItem } from '../db/transact';
import { ConflictError, StaleReadError } from '../http/errors';
import { batchGet } from '../db/batch';
import { queuedLeaseAttributes } from '../jobs/lease-timing';
import { syncJobSchema, type SyncJob } from './m365.schema';

export interface SyncState {
  usersDeltaLink: string | null;
  devicesDeltaLink: string | null;
  activeJobId: string | null;
}

/** Where a running job is: the phase, the page to read next (null: start the phase), whether this round of the phase is a full read. */
export interface SyncCursor {
  phase: 'users' | 'devices' | 'finish';
  nextLink: string | null;
  full: boolean;
  page: number;
}

export interface StoredSyncJob extends SyncJob {
  cursor: SyncCursor;
  tenantId: string;
  /** Objects whose writes committed while the job was at its current cursor (a run that failed mid-page); reset when the cursor moves. */
  pageWrites?: number;
}

/** The job keeps this many errors; past it, `errorCount` alone grows (a job item stays far below DynamoDB's 400 KB). */
export const MAX_KEPT_ERRORS = 100;
const MAX_ERROR_MESSAGE = 500;

export type JobError = { externalId: string | null; message: string };

/** Another delivery of the same job moved its cursor first: this run stops, having counted nothing twice. */
export class SyncSupersededError extends Error {
  constructor() {
    super('Another run of this sync job got further');
    this.name = 'SyncSupersededError';
  }
}

const JOB_FIELDS = Object.keys(syncJobSchema.shape) as (keyof SyncJob)[];
export const toSyncJob = (j: StoredSyncJob): SyncJob =>
  ({ ...Object.fromEntries(JOB_FIELDS.map((f) => [f, j[f] ?? null])), errorCount: Math.max(j.errorCount ?? 0, j.errors.length) }) as SyncJob;

/**
 * The part of `errors` the job still has room for, and how many there were. `job` is the job as
 * this run last wrote it: only the run holding the cursor appends, so its count is the stored one.
 */
const boundErrors = (job: StoredSyncJob, errors: JobError[]) => ({
  kept: errors.slice(0, Math.max(0, MAX_KEPT_ERRORS - job.errors.length)).map((e) => ({ externalId: e.externalId, message: e.message.slice(0, MAX_ERROR_MESSAGE) })),
  count: errors.length,
});
const noteErrors = (job: StoredSyncJob, kept: JobError[], count: number) => {
  job.errors = [...job.errors, ...kept];
  job.errorCount = (job.errorCount ?? 0) + count;
};

export const tenantCompanies = async (tenantIds: string[]): Promise<Map<string, string>> =>
  new Map((await batchGet(tenantIds.map((t) => keys.m365Tenant(t)))).map((g) => [String(g.pk).slice('M365TENANT#'.length), g.companyId as string]));

/** The tenant guard: a tenant links to one company only. */
export const tenantGuard = (tenantId: string, companyId: string): TxItem => ({
  item: {
    Put: {
      TableName: tableName(),
      Item: { ...keys.m365Tenant(tenantId), type: 'M365Tenant', companyId },
      ConditionExpression: 'attribute_not_exists(pk) OR companyId = :company',
      ExpressionAttributeValues: { ':company': companyId },
    },
  },
  onConditionFailed: () => new ConflictError('M365_TENANT_LINKED', 'This Microsoft 365 tenant is already linked to another company.'),
});

/** Sets the company's m365 integration, if it is active and not linked to another tenant. */
export const setCompanyTenant = (companyId: string, tenantId: string): TxItem => ({
  item: {
    Update: updateItem(
      keys.company(companyId),
      { set: { 'integrations.m365': { tenantId, lastSyncAt: null, lastSyncStatus: null } } },
      {
        expression: 'attribute_exists(pk) AND #status = :active AND (integrations.m365 = :null OR integrations.m365.tenantId = :tenant)',
        names: { '#status': 'status' },
        values: { ':active': 'active', ':null': null, ':tenant': tenantId },
      },
    ),
  },
  onConditionFailed: (old) =>
    !old || old.status !== 'active'
      ? new ConflictError('COMPANY_ARCHIVED', 'The company is archived (or gone); restore it first.')
      : new ConflictError('M365_ALREADY_LINKED', 'The company is linked to another Microsoft 365 tenant.'),
});

/** A consent `state` is good once: its nonce is recorded in the linking transaction. */
export const consumeNonce = (nonce: string, expiresAt: number): TxItem => ({
  item: { Put: { TableName: tableName(), Item: { ...keys.oauthNonce(nonce), type: 'OAuthState', expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
  onConditionFailed: () => new ConflictError('INVALID_STATE', 'This consent link was used already.'),
});

export const getSyncState = async (companyId: string): Promise<SyncState> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.m365State(companyId), ConsistentRead: true }));
  return { usersDeltaLink: (out.Item?.usersDeltaLink as string) ?? null, devicesDeltaLink: (out.Item?.devicesDeltaLink as string) ?? null, activeJobId: (out.Item?.activeJobId as string) ?? null };
};

export const setDeltaLink = (companyId: string, phase: 'users' | 'devices', link: string | null) =>
  db().send(
    new UpdateCommand(updateItem(keys.m365State(companyId), { set: { [`${phase}DeltaLink`]: link, type: 'M365State' } })),
  );

export const newSyncJob = (id: string, companyId: string, tenantId: string): StoredSyncJob => ({
  id,
  companyId,
  tenantId,
  status: 'queued',
  users: { seen: 0, created: 0, updated: 0, unchanged: 0, deactivated: 0 },
  devices: { seen: 0, created: 0, updated: 0, unchanged: 0 },
  errors: [],
  errorCount: 0,
  startedAt: null,
  completedAt: null,
  cursor: { phase: 'users', nextLink: null, full: false, page: 0 },
});

/** The job and the company's "one sync at a time" marker, together. */
export const putSyncJob = (job: StoredSyncJob): TxItem[] => [
  { item: { Put: { TableName: tableName(), Item: { ...keys.syncJob(job.id), type: 'SyncJob', ...job, ...queuedLeaseAttributes('m365-sync', job.id) }, ConditionExpression: 'attribute_not_exists(pk)' } } },
  {
    item: {
      Update: {
        TableName: tableName(),
        Key: keys.m365State(job.companyId),
        UpdateExpression: 'SET activeJobId = :job, #type = :type',
        ConditionExpression: 'attribute_not_exists(activeJobId) OR activeJobId = :none',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':job': job.id, ':none': null, ':type': 'M365State' },
      },
    },
    onConditionFailed: () => new StaleReadError(),
  },
];

export const getSyncJob = async (id: string): Promise<StoredSyncJob | undefined> => {
  const out = await db().send(new GetCommand({ TableName: tableName(), Key: keys.syncJob(id), ConsistentRead: true }));
  if (!out.Item) return undefined;
  const { pk: _p, sk: _s, type: _t, ...job } = out.Item;
  return job as StoredSyncJob;
};

type Counts = Partial<Record<'seen' | 'created' | 'updated' | 'unchanged' | 'deactivated', number>>;

/** `ADD #phase.#cN :cN` for each non-zero count, into `names` and `values`. */
const addCounts = (phase: 'users' | 'devices', counts: Counts, names: Record<string, string>, values: Record<string, unknown>): string[] =>
  Object.entries(counts)
    .filter(([, n]) => n)
    .map(([k, n], i) => {
      names['#phase'] = phase;
      names[`#c${i}`] = k;
      values[`:c${i}`] = n;
      return `#phase.#c${i} :c${i}`;
    });

/**
 * The job's counts of what one transaction writes, in that transaction: they are counted when
 * (and only if) the writes commit, and only while the job is still at `at` (a delivery that lost
 * the race writes and counts nothing: `SyncSupersededError`).
 */
export const countCommitted = (jobId: string, at: SyncCursor, phase: 'users' | 'devices', counts: Counts, pageWrites: number): TxItem => {
  const names: Record<string, string> = { '#cursor': 'cursor' };
  const values: Record<string, unknown> = { ':at': at };
  const adds = addCounts(phase, counts, names, values);
  if (pageWrites) values[':writes'] = pageWrites;
  const all = [...adds, ...(pageWrites ? ['pageWrites :writes'] : [])];
  return {
    item: {
      Update: {
        TableName: tableName(),
        Key: keys.syncJob(jobId),
        // A transaction item must change something: with nothing to count, the cursor is checked only.
        ...(all.length ? { UpdateExpression: `ADD ${all.join(', ')}` } : { UpdateExpression: 'SET #cursor = :at' }),
        ConditionExpression: '#cursor = :at',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    onConditionFailed: () => new SyncSupersededError(),
  };
};

/**
 * Records a page's outcome (what was read: `seen`, `unchanged`; its errors, the first
 * MAX_KEPT_ERRORS kept and all counted) and moves the cursor, only if the cursor is still where
 * this run read it (a redelivered duplicate run that lost the race stops instead of counting twice).
 */
export const advanceSyncJob = async (job: StoredSyncJob, from: SyncCursor, to: SyncCursor, phase: 'users' | 'devices', counts: Counts, errors: JobError[]): Promise<boolean> => {
  const { kept, count } = boundErrors(job, errors);
  const names: Record<string, string> = { '#status': 'status', '#cursor': 'cursor', '#errors': 'errors' };
  const values: Record<string, unknown> = { ':from': from, ':to': to, ':running': 'running', ':errors': kept, ':zero': 0, ':errorCount': count };
  const adds = addCounts(phase, counts, names, values);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.syncJob(job.id),
        UpdateExpression: `SET #cursor = :to, #status = :running, #errors = list_append(#errors, :errors), pageWrites = :zero ADD errorCount :errorCount${adds.length ? `, ${adds.join(', ')}` : ''}`,
        ConditionExpression: '#cursor = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    noteErrors(job, kept, count);
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
};

const ignoreConditionFailure = (err: unknown) => {
  if (!(err instanceof ConditionalCheckFailedException)) throw err;
};

export const markSyncStarted = async (jobId: string, now: string) => {
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.syncJob(jobId),
      UpdateExpression: 'SET #status = :running',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':running': 'running' },
    }),
  );
  // The first run's start stays; a continuation does not move it.
  await db()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.syncJob(jobId),
        UpdateExpression: 'SET startedAt = :now',
        ConditionExpression: 'attribute_not_exists(startedAt) OR startedAt = :null',
        ExpressionAttributeValues: { ':now': now, ':null': null },
      }),
    )
    .catch(ignoreConditionFailure);
};

/** Ends a job: its status, the company's last-sync fields (if the company is still there) and the "one sync at a time" marker. */
export const finishSyncJob = async (job: StoredSyncJob, status: 'completed' | 'failed', now: string, error?: string) => {
  const { kept, count } = boundErrors(job, error ? [{ externalId: null, message: error }] : []);
  await db().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.syncJob(job.id),
      UpdateExpression: 'SET #status = :status, completedAt = :now, #errors = list_append(#errors, :errors) ADD errorCount :errorCount',
      ExpressionAttributeNames: { '#status': 'status', '#errors': 'errors' },
      ExpressionAttributeValues: { ':status': status, ':now': now, ':errors': kept, ':errorCount': count },
    }),
  );
  noteErrors(job, kept, count);
  await afterSyncJobEnded(job, status, now);
};

/** The company's last-sync fields (if the company is still there) and its "one sync at a time" marker; idempotent. */
export const afterSyncJobEnded = async (job: Pick<StoredSyncJob, 'id' | 'companyId' | 'tenantId'>, status: 'completed' | 'failed', now: string) => {
  await db()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.company(job.companyId),
        UpdateExpression: 'SET integrations.m365.lastSyncAt = :now, integrations.m365.lastSyncStatus = :status',
        ConditionExpression: 'attribute_exists(pk) AND integrations.m365.tenantId = :tenant',
        ExpressionAttributeValues: { ':now': now, ':status': status === 'completed' ? 'succeeded' : 'failed', ':tenant': job.tenantId },
      }),
    )
    .catch(ignoreConditionFailure);
  await db()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.m365State(job.companyId),
        UpdateExpression: 'SET activeJobId = :none',
        ConditionExpression: 'activeJobId = :job',
        ExpressionAttributeValues: { ':none': null, ':job': job.id },
      }),
    )
    .catch(ignoreConditionFailure);
};

/** Records the user ids of one page of a full sync. */
export const recordSeen = (jobId: string, page: number, ids: string[]) =>
  db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.syncSeen(jobId, page), type: 'SyncSeen', ids, expiresAt: Math.floor(Date.now() / 1000) + 7 * 86400 } }));
