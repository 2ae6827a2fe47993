/**
 * The long jobs that hold leases, as data: where each job item lives, which statuses end it,
 * the queue message that runs (or resumes) it, and how a failure is written in its own
 * vocabulary. The lease, the sweeper and the dead-letter consumer read only this, so a new
 * long job adds one entry here.
 */
import type * as z from 'zod';
import { billingMessage } from '../billing-runs/billing-run.schema';
import { cleanupMessage } from '../companies/company-cleanup.schema';
import { keys } from '../db/keys';
import { importMessage } from '../imports/import.schema';
import { afterSyncJobEnded } from '../m365/m365.repository';
import { m365SyncMessage } from '../m365/m365.schema';
import type { JOB_QUEUES } from '../queues';
import type { LeasedKind } from './lease-timing';

/** Why a job failed: API.md, "A job that fails carries `{ code, message }` too". */
export interface JobFailure {
  code: string;
  message: string;
}

export interface JobKind {
  name: LeasedKind;
  queue: (typeof JOB_QUEUES)[number];
  key: (id: string) => { pk: string; sk: string };
  /** Statuses after which nothing more happens to the job. */
  finished: readonly string[];
  /** The message that runs or resumes the job, from its stored item. */
  message: (job: Record<string, unknown>) => unknown;
  /** The job a queue message names, if the message is this kind's (the worker's own schema decides). */
  jobIdOf: (body: unknown) => string | undefined;
  /** Attributes a failure sets, and counters it adds to. */
  failure: (reason: JobFailure, now: string) => { set: Record<string, unknown>; add?: Record<string, number> };
  /**
   * What else the end of the job must put right beyond its own item (idempotent). Run after a
   * failure written from outside the worker, and by the sweeper for a job whose run died after
   * finishing but before it was done with the rest.
   */
  afterEnd?: (job: Record<string, unknown>, now: string) => Promise<void>;
}

const parsed = <S extends z.ZodType>(schema: S, body: unknown) => {
  const r = schema.safeParse(body);
  return r.success ? (r.data as z.output<S>) : undefined;
};

export const jobKinds: Record<LeasedKind, JobKind> = {
  import: {
    name: 'import',
    queue: 'imports',
    key: keys.importJob,
    finished: ['completed', 'failed'],
    message: (job) => ({ importId: job.id as string }) satisfies z.input<typeof importMessage>,
    jobIdOf: (body) => parsed(importMessage, body)?.importId,
    // The same `error: { code, message }` the worker writes when it fails a job itself (failImport).
    failure: (reason, now) => ({ set: { status: 'failed', error: reason, completedAt: now } }),
  },
  'm365-sync': {
    name: 'm365-sync',
    queue: 'm365-sync',
    key: keys.syncJob,
    finished: ['completed', 'failed'],
    message: (job) => ({ type: 'sync', jobId: job.id as string }) satisfies z.input<typeof m365SyncMessage>,
    jobIdOf: (body) => {
      const m = parsed(m365SyncMessage, body);
      return m?.type === 'sync' ? m.jobId : undefined;
    },
    // `failure` is shown as the job's last error (toSyncJob), and counted with the others.
    failure: (reason, now) => ({ set: { status: 'failed', completedAt: now, failure: reason }, add: { errorCount: 1 } }),
    // An ended sync frees the company's "one sync at a time" marker, or the company could never sync again.
    afterEnd: (job, now) =>
      afterSyncJobEnded({ id: job.id as string, companyId: job.companyId as string, tenantId: job.tenantId as string }, job.status === 'completed' ? 'completed' : 'failed', (job.completedAt as string | null) ?? now),
  },
  'company-cleanup': {
    name: 'company-cleanup',
    queue: 'company-cleanup',
    key: keys.job,
    finished: ['done', 'failed'],
    message: (job) => ({ jobId: job.id as string, companyId: job.companyId as string }) satisfies z.input<typeof cleanupMessage>,
    jobIdOf: (body) => parsed(cleanupMessage, body)?.jobId,
    failure: (reason, now) => ({ set: { status: 'failed', error: reason, updatedAt: now } }),
  },
  'billing-run': {
    name: 'billing-run',
    queue: 'billing',
    key: keys.billingRun,
    finished: ['completed', 'failed'],
    message: (job) => ({ type: 'run', runId: job.id as string }) satisfies z.input<typeof billingMessage>,
    jobIdOf: (body) => {
      const m = parsed(billingMessage, body);
      return m?.type === 'run' ? m.runId : undefined;
    },
    // A failed run keeps what it billed (each invoice is whole); the reason is its last error.
    failure: (reason, now) => ({ set: { status: 'failed', completedAt: now, failure: reason } }),
  },
};

export const allJobKinds = Object.values(jobKinds);

/** The queues whose messages run leased jobs (the sweeper sends to them; their dead letters fail jobs). */
export const jobQueues = [...new Set(allJobKinds.map((k) => k.queue))];
