/**
 * Leases on long jobs, after Powertools idempotency's in-progress record with an expiry. A run
 * takes the job's lease conditionally (free, or lapsed), renews it with a heartbeat while it
 * works, and gives it back when it ends, fails or hands over. While the lease is live, another
 * delivery of the job's message leaves it to its owner; once it lapses (the worker died) the
 * sweeper queues the job again and the next run resumes from the job's checkpoint.
 *
 * A run that loses its lease (a renewal refused because another run took over, or its own
 * clock past the lease's end) writes nothing more: every DynamoDB write made inside the run is
 * refused from then on, whichever service code makes it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { db } from '../db/client';
import { transact, type TxItem } from '../db/transact';
import { updateItem, type Changes, type Condition } from '../db/update';
import { logger } from '../logger';
import { queues, visibilityTimeoutSeconds } from '../queues';
import type { JobKind } from './job-kinds';
import { dueAttributes, iso, jobClock, leaseTiming } from './lease-timing';

export class LeaseLostError extends Error {
  constructor(kind: string, id: string) {
    super(`The lease on ${kind} job ${id} was lost; this run stops without writing more`);
    this.name = 'LeaseLostError';
  }
}

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/** `#status IN (:fin0, :fin1)` and its values, from the kind's finished statuses. */
const finishedIn = (kind: JobKind) => {
  const values = Object.fromEntries(kind.finished.map((s, i) => [`:fin${i}`, s]));
  return { expr: `#status IN (${Object.keys(values).join(', ')})`, values };
};

/** The lease is this run's. */
const ownedBy = (runId: string): Condition => ({ expression: 'leaseOwner = :run', values: { ':run': runId } });

export class Lease {
  /** A fresh id per run: the owner the conditions compare against. */
  readonly runId = ulid();
  private expiresAtMs = 0;
  private lostFlag = false;
  private released = false;
  private timer: NodeJS.Timeout | undefined;
  private beat: Promise<void> | undefined;

  constructor(
    readonly kind: JobKind,
    readonly id: string,
  ) {}

  /** Taken over by another run, or over by this run's own clock (given back on purpose is not lost). */
  get lost(): boolean {
    if (this.released) return false;
    if (!this.lostFlag && jobClock.now() >= this.expiresAtMs - leaseTiming.safetyMs) this.lostFlag = true;
    return this.lostFlag;
  }

  /** Whether this run may still write. */
  get held(): boolean {
    return !this.released && !this.lost;
  }

  private update(changes: Changes, condition: Condition, returnOld = false) {
    // The lease's own writes are never fenced by the lease.
    return fence.exit(() =>
      db().send(new UpdateCommand({ ...updateItem(this.kind.key(this.id), changes, condition), ...(returnOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}) })),
    );
  }

  private leaseSet(untilMs: number) {
    return { ...dueAttributes(this.kind.name, this.id, untilMs), leaseOwner: this.runId };
  }

  /** Takes the lease if the job is unfinished and its lease free or lapsed. */
  async take(): Promise<'taken' | 'busy' | 'finished' | 'missing'> {
    const now = jobClock.now();
    const until = now + leaseTiming.periodMs;
    const fin = finishedIn(this.kind);
    const set = this.leaseSet(until);
    try {
      await this.update(
        { set },
        {
          expression: `attribute_exists(pk) AND NOT (${fin.expr}) AND (attribute_not_exists(leaseOwner) OR leaseOwner = :null OR leaseExpiresAt < :now)`,
          names: { '#status': 'status' },
          values: { ':null': null, ':now': iso(now), ...fin.values },
        },
        true,
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const raw = (err as ConditionalCheckFailedException).Item;
      if (!raw) return 'missing';
      return this.kind.finished.includes(String(unmarshall(raw).status)) ? 'finished' : 'busy';
    }
    this.expiresAtMs = until;
    return 'taken';
  }

  /** Renews the lease while this run still owns it; a refusal means another run took over. */
  async renew(): Promise<void> {
    if (this.lost || this.released) return;
    const until = jobClock.now() + leaseTiming.periodMs;
    const set = this.leaseSet(until);
    try {
      await this.update({ set: { leaseExpiresAt: set.leaseExpiresAt, gsi2sk: set.gsi2sk } }, ownedBy(this.runId));
      this.expiresAtMs = until;
    } catch (err) {
      if (isConditionFailure(err)) {
        this.lostFlag = true;
        logger.warn('Job lease lost to another run', { kind: this.kind.name, jobId: this.id, runId: this.runId });
      } else logger.warn('Job lease renewal failed; will try again', { kind: this.kind.name, jobId: this.id, error: err as Error });
    }
  }

  startHeartbeat(): void {
    this.timer = setInterval(() => {
      this.beat ??= this.renew().finally(() => (this.beat = undefined));
    }, leaseTiming.heartbeatMs);
    this.timer.unref();
  }

  async stopHeartbeat(): Promise<void> {
    clearInterval(this.timer);
    await this.beat;
  }

  /**
   * Gives the lease back. A finished job leaves the due index; an unfinished one (handed over,
   * or failed and to be redelivered by SQS) stays in it, free, due when its next message should
   * have been picked up, so the sweeper queues it again if that message never comes.
   */
  async release(why: 'ended' | 'handover' | 'error'): Promise<void> {
    if (this.released || this.lost) return;
    this.released = true;
    const fin = finishedIn(this.kind);
    if (why === 'ended') {
      try {
        await this.update(
          { set: { leaseOwner: null }, remove: ['leaseExpiresAt', 'gsi2pk', 'gsi2sk'] },
          { expression: `leaseOwner = :run AND ${fin.expr}`, names: { '#status': 'status' }, values: { ':run': this.runId, ...fin.values } },
        );
        return;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    const queue = queues.find((q) => q.name === this.kind.queue)!;
    const due = jobClock.now() + (why === 'error' ? visibilityTimeoutSeconds(queue) * 1000 : 0) + leaseTiming.pickupGraceMs;
    await this.update({ set: dueAttributes(this.kind.name, this.id, due) }, ownedBy(this.runId)).catch((err: unknown) => {
      if (!isConditionFailure(err)) throw err;
    });
  }

  /**
   * Hands the job over to a new message: the lease is given back and the continuation's outbox
   * item (`next`) written in one transaction, so the continuation finds the lease free, and a
   * crash cannot give the lease back without queuing the continuation (or the reverse).
   */
  async handOver(next: TxItem): Promise<void> {
    if (!this.held) throw new LeaseLostError(this.kind.name, this.id);
    this.released = true;
    const set = dueAttributes(this.kind.name, this.id, jobClock.now() + leaseTiming.pickupGraceMs);
    await fence.exit(() =>
      transact([{ item: { Update: updateItem(this.kind.key(this.id), { set }, ownedBy(this.runId)) }, onConditionFailed: () => new LeaseLostError(this.kind.name, this.id) }, next]),
    );
  }
}

// ── the fence: refuses the writes of a run whose lease is gone ─────────────────────────────

const fence = new AsyncLocalStorage<Lease>();
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
const fenced = new WeakSet<DynamoDBDocumentClient>();

const ensureFence = () => {
  const client = db();
  if (fenced.has(client)) return;
  fenced.add(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const lease = fence.getStore();
      if (lease && WRITES.has(String(context.commandName)) && !lease.held) throw new LeaseLostError(lease.kind.name, lease.id);
      return next(args);
    },
    { step: 'initialize', name: 'job-lease-fence' },
  );
};

export type LeaseOutcome = 'busy' | 'lost' | 'skipped';

/**
 * Runs `work` on a job while holding its lease. Another delivery of a job whose lease is live
 * returns `busy` without error: its owner is working and will finish or hand over, and if the
 * owner dies the lease lapses and the sweeper queues the job again. (Deferring instead, by
 * failing the message, would only bring it back after the visibility timeout and, after
 * `maxReceiveCount` such returns, send a healthy job to the dead-letter queue.)
 */
export const withLease = async <T>(kind: JobKind, id: string, work: (lease: Lease) => Promise<T>): Promise<T | LeaseOutcome> => {
  ensureFence();
  const lease = new Lease(kind, id);
  const taken = await lease.take();
  if (taken === 'busy') {
    logger.info('Job is leased by a live run; leaving it to that run', { kind: kind.name, jobId: id });
    return 'busy';
  }
  if (taken !== 'taken') return 'skipped';
  lease.startHeartbeat();
  let outcome: 'ended' | 'error' = 'ended';
  try {
    const result = await fence.run(lease, () => work(lease));
    return lease.lost ? 'lost' : result;
  } catch (err) {
    if (err instanceof LeaseLostError || lease.lost) {
      logger.warn('Job run stopped: its lease was lost', { kind: kind.name, jobId: id, error: err as Error });
      return 'lost';
    }
    outcome = 'error';
    throw err;
  } finally {
    await lease.stopHeartbeat();
    // A release that fails leaves the lease to lapse; the sweeper takes it from there.
    await lease.release(outcome).catch((err: unknown) => logger.warn('Job lease not released; it will lapse', { kind: kind.name, jobId: id, error: err as Error }));
  }
};

