/**
 * The clock and the periods of job leases, and the lease attributes a long job is created with.
 * Kept apart from the lease itself so the repositories that create jobs import no more than this.
 */
import { keys } from '../db/keys';

/** One clock for leases, the sweeper and the dead-letter consumer; tests move it forward instead of waiting. */
export const jobClock = { now: (): number => Date.now() };

export const leaseTiming = {
  /** How long a lease lives without a heartbeat: a dead worker's job is free again this long after its last beat. */
  periodMs: 2 * 60_000,
  /** Beats well inside the period, so one slow or lost renewal does not lose the lease. */
  heartbeatMs: 30_000,
  /** A holder stops writing this long before its lease ends by its own clock, in case its renewals are not landing. */
  safetyMs: 5_000,
  /** A queued or handed-over job must be picked up within this, or the sweeper queues it again. */
  pickupGraceMs: 10 * 60_000,
};

export const iso = (ms: number) => new Date(ms).toISOString();

/** The job kinds that hold leases; the name is part of the due index's sort key. */
export type LeasedKind = 'import' | 'm365-sync' | 'company-cleanup' | 'billing-run';

/** The lease attributes at `dueMs`: free (no owner) and in the due index. */
export const dueAttributes = (kind: LeasedKind, id: string, dueMs: number) => ({ leaseOwner: null, leaseExpiresAt: iso(dueMs), ...keys.jobDue(iso(dueMs), kind, id) });

/** What a new job item carries: no owner yet, due for pick-up within the grace period. */
export const queuedLeaseAttributes = (kind: LeasedKind, id: string) => dueAttributes(kind, id, jobClock.now() + leaseTiming.pickupGraceMs);
