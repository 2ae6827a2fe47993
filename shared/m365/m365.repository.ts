/** Microsoft 365 items: tenant guards, a company's sync state, sync jobs, object links, consumed consent states. */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { db, tableName } from '../db/client';
import { keys } from '../db/keys';
import { transact, type TxItem } from '../db/transact';
import { conditionCheck, updateItem, type Condition } from '../db/update';
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

/**
 * A sync job as the worker and the API read it: the job item (counts, cursor, lease: small, as
 * every transaction of the sync updates it) with the errors it keeps, which are items of their
 * own (`keys.syncJobErrors`), read with it in one Query.
 */
export interface StoredSyncJob extends SyncJob {
  cursor: SyncCursor;
  tenantId: string;
  /** How many errors the job keeps in error items (at most MAX_KEPT_ERRORS). */
  keptErrors: number;
  /** Set when the job was failed from outside its worker (dead letter, stalled): shown as its last error. */
  failure?: { code: string; message: string } | null;
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
/** The API's job: the first 100 errors (a failure from outside the worker last), and the count of all. */
export const toSyncJob = (j: StoredSyncJob): SyncJob => {
  const errors = [...j.errors, ...(j.failure ? [{ externalId: null, message: `${j.failure.code}: ${j.failure.message}` }] : [])].slice(0, MAX_KEPT_ERRORS);
  return { ...Object.fromEntries(JOB_FIELDS.map((f) => [f, j[f] ?? null])), errors, errorCount: Math.max(j.errorCount ?? 0, errors.length) } as SyncJob;
};

/**
 * The part of `errors` the job still has room for, and how many there were. `job` is the job as
 * this run last wrote it: only the run holding the cursor (or, at the end, the lease) writes
 * errors, so its count is the stored one.
 */
const boundErrors = (job: StoredSyncJob, errors: JobError[]) => ({
  kept: errors.slice(0, Math.max(0, MAX_KEPT_ERRORS - job.keptErrors)).map((e) => ({ externalId: e.externalId, message: e.message.slice(0, MAX_ERROR_MESSAGE) })),
  count: errors.length,
});
const noteErrors = (job: StoredSyncJob, kept: JobError[], count: number) => {
  job.errors = [...job.errors, ...kept];
  job.keptErrors += kept.length;
  job.errorCount = (job.errorCount ?? 0) + count;
};

/**
 * An update of the job item that keeps `kept` errors: with them in an item of their own
 * (numbered after those kept before) in one transaction, or (nothing to keep, the usual case)
 * the one UpdateItem. A failed condition of the update is `SyncSupersededError`.
 */
const updateJobKeeping = async (job: StoredSyncJob, update: ReturnType<typeof updateItem>, kept: JobError[]) => {
  if (!kept.length) {
    await db()
      .send(new UpdateCommand(update))
      .catch((err: unknown) => {
        throw err instanceof ConditionalCheckFailedException ? new SyncSupersededError() : err;
      });
    return;
  }
  await transact([
    { item: { Update: update }, onConditionFailed: () => new SyncSupersededError() },
    { item: { Put: { TableName: tableName(), Item: { ...keys.syncJobErrors(job.id, job.keptErrors), type: 'SyncJobErrors', errors: kept }, ConditionExpression: 'attribute_not_exists(pk)' } } },
  ]);
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
  keptErrors: 0,
  startedAt: null,
  completedAt: null,
  cursor: { phase: 'users', nextLink: null, full: false, page: 0 },
});

/** The job and the company's "one sync at a time" marker, together. */
export const putSyncJob = (job: StoredSyncJob): TxItem[] => {
  // The kept errors are items of their own (none yet): the job item carries counts only.
  const { errors: _e, ...item } = job;
  return [
    { item: { Put: { TableName: tableName(), Item: { ...keys.syncJob(job.id), type: 'SyncJob', ...item, ...queuedLeaseAttributes('m365-sync', job.id) }, ConditionExpression: 'attribute_not_exists(pk)' } } },
    {
      item: {
        Update: updateItem(keys.m365State(job.companyId), { set: { activeJobId: job.id, type: 'M365State' } }, { expression: 'attribute_not_exists(activeJobId) OR activeJobId = :none', values: { ':none': null } }),
      },
      onConditionFailed: () => new StaleReadError(),
    },
  ];
};

/** The job with the errors it keeps: one Query of its partition (`SYNCJOB`, then `SYNCJOB#ERRORS#…`; not the `SEEN#` pages). */
export const getSyncJob = async (id: string): Promise<StoredSyncJob | undefined> => {
  const { pk, sk } = keys.syncJob(id);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  // At most 100 errors of at most 500 characters: one page, unless DynamoDB cuts it.
  do {
    const out = await db().send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)', ExpressionAttributeValues: { ':pk': pk, ':sk': sk }, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const [jobItem, ...errorItems] = items;
  if (!jobItem || jobItem.sk !== sk) return undefined;
  const { pk: _p, sk: _s, type: _t, ...job } = jobItem;
  // A job written before its errors had items of their own kept them in a list on the job item.
  const legacy = (job.errors as JobError[] | undefined) ?? [];
  const errors = [...legacy, ...errorItems.flatMap((e) => e.errors as JobError[])];
  return { ...job, errors, keptErrors: (job.keptErrors as number | undefined) ?? legacy.length } as StoredSyncJob;
};

type Counts = Partial<Record<'seen' | 'created' | 'updated' | 'unchanged' | 'deactivated', number>>;

/** `<phase>.<count>` for each non-zero count, for the builder's `add`. */
const phaseCounts = (phase: 'users' | 'devices', counts: Counts): Record<string, number> =>
  Object.fromEntries(
    Object.entries(counts)
      .filter(([, n]) => n)
      .map(([k, n]) => [`${phase}.${k}`, n!]),
  );

const atCursor = (at: SyncCursor): Condition => ({ expression: '#cursor = :at', names: { '#cursor': 'cursor' }, values: { ':at': at } });

/**
 * The job's counts of what one transaction writes, in that transaction (summed over the
 * transaction's objects: one update of the job per transaction): they are counted when (and
 * only if) the writes commit, and only while the job is still at `at` (a delivery that lost the
 * race writes and counts nothing: `SyncSupersededError`).
 */
export const countCommitted = (jobId: string, at: SyncCursor, phase: 'users' | 'devices', counts: Counts, pageWrites: number): TxItem => {
  const add = { ...phaseCounts(phase, counts), ...(pageWrites ? { pageWrites } : {}) };
  const onConditionFailed = () => new SyncSupersededError();
  // A transaction item must change something: with nothing to count, the cursor is checked only.
  if (!Object.keys(add).length) return { item: { ConditionCheck: conditionCheck(keys.syncJob(jobId), atCursor(at)) }, onConditionFailed };
  return { item: { Update: updateItem(keys.syncJob(jobId), { add }, atCursor(at)) }, onConditionFailed };
};

/**
 * Records a page's outcome (what was read: `seen`, `unchanged`; its errors, the first
 * MAX_KEPT_ERRORS kept in an item of their own and all counted) and moves the cursor, together,
 * only if the cursor is still where this run read it (a redelivered duplicate run
 * that lost the race stops instead of counting twice).
 */
export const advanceSyncJob = async (job: StoredSyncJob, from: SyncCursor, to: SyncCursor, phase: 'users' | 'devices', counts: Counts, errors: JobError[]): Promise<boolean> => {
  const { kept, count } = boundErrors(job, errors);
  const update = updateItem(keys.syncJob(job.id), { set: { cursor: to, status: 'running', pageWrites: 0 }, add: { errorCount: count, keptErrors: kept.length, ...phaseCounts(phase, counts) } }, atCursor(from));
  try {
    await updateJobKeeping(job, update, kept);
    noteErrors(job, kept, count);
    return true;
  } catch (err) {
    if (err instanceof SyncSupersededError) return false;
    throw err;
  }
};

const ignoreConditionFailure = (err: unknown) => {
  if (!(err instanceof ConditionalCheckFailedException)) throw err;
};

export const markSyncStarted = async (jobId: string, now: string) => {
  await db().send(new UpdateCommand(updateItem(keys.syncJob(jobId), { set: { status: 'running' } })));
  // The first run's start stays; a continuation does not move it.
  await db()
    .send(new UpdateCommand(updateItem(keys.syncJob(jobId), { set: { startedAt: now } }, { expression: 'attribute_not_exists(startedAt) OR startedAt = :null', values: { ':null': null } })))
    .catch(ignoreConditionFailure);
};

/** Ends a job: its status and last error (one transaction), then the company's last-sync fields (if the company is still there) and the "one sync at a time" marker. */
export const finishSyncJob = async (job: StoredSyncJob, status: 'completed' | 'failed', now: string, error?: string) => {
  const { kept, count } = boundErrors(job, error ? [{ externalId: null, message: error }] : []);
  await updateJobKeeping(job, updateItem(keys.syncJob(job.id), { set: { status, completedAt: now }, add: { errorCount: count, keptErrors: kept.length } }), kept);
  noteErrors(job, kept, count);
  await afterSyncJobEnded(job, status, now);
};

/** The company's last-sync fields (if the company is still there) and its "one sync at a time" marker; idempotent. */
export const afterSyncJobEnded = async (job: Pick<StoredSyncJob, 'id' | 'companyId' | 'tenantId'>, status: 'completed' | 'failed', now: string) => {
  await db()
    .send(
      new UpdateCommand(
        updateItem(
          keys.company(job.companyId),
          { set: { 'integrations.m365.lastSyncAt': now, 'integrations.m365.lastSyncStatus': status === 'completed' ? 'succeeded' : 'failed' } },
          { expression: 'attribute_exists(pk) AND integrations.m365.tenantId = :tenant', values: { ':tenant': job.tenantId } },
        ),
      ),
    )
    .catch(ignoreConditionFailure);
  await db()
    .send(new UpdateCommand(updateItem(keys.m365State(job.companyId), { set: { activeJobId: null } }, { expression: 'activeJobId = :job', values: { ':job': job.id } })))
    .catch(ignoreConditionFailure);
};

/** Records the user ids of one page of a full sync. */
export const recordSeen = (jobId: string, page: number, ids: string[]) =>
  db().send(new PutCommand({ TableName: tableName(), Item: { ...keys.syncSeen(jobId, page), type: 'SyncSeen', ids, expiresAt: Math.floor(Date.now() / 1000) + 7 * 86400 } }));
