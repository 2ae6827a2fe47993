/**
 * The one optimistic update: read → check → conditional write, and when the write finds the
 * data changed since the read (a lost race), read again and write again, with the jittered
 * backoff of `shared/db/retry.ts`, a bounded number of times. Every service that re-reads on a
 * lost race goes through here; what counts as "lost the race" is `StaleReadError` unless the
 * caller says otherwise (`isStale`), and running out of attempts is `409 CONCURRENT_CHANGE`
 * unless the caller turns the last error into its own outcome (`onExhausted`).
 *
 * The attempt must read inside itself, so each try decides from fresh data. A race lost on a
 * record the client named a version of is never retried here (shared/http/concurrency.ts):
 * that is a 412 / 409, not a stale read.
 */
import { ConflictError, StaleReadError } from '../http/errors';
import { backoff, retryPolicies, type RetryPolicy } from './retry';

export interface OptimisticOptions<T> {
  /** Attempts and waits (default `retryPolicies.staleRead`; a record many requests change at once: `hotItem`). */
  policy?: RetryPolicy;
  /** The errors that mean "changed since read" (default: `StaleReadError`). */
  isStale?: (err: unknown) => boolean;
  /** What the caller makes of the last lost race once the attempts are spent (default: throw 409 CONCURRENT_CHANGE). */
  onExhausted?: (lastError: unknown) => T | Promise<T>;
}

export const concurrentChangeAfterRetries = () => new ConflictError('CONCURRENT_CHANGE', 'The record is being changed by another request; try again.');

/** Runs `attempt(n)` (n from 1) until it succeeds, fails with something else, or the policy's attempts are spent. */
export const retryOnStaleRead = async <T>(attempt: (n: number) => Promise<T>, options: RetryPolicy | OptimisticOptions<T> = {}): Promise<T> => {
  const opts: OptimisticOptions<T> = 'attempts' in options ? { policy: options } : options;
  const policy = opts.policy ?? retryPolicies.staleRead;
  const isStale = opts.isStale ?? ((err: unknown) => err instanceof StaleReadError);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isStale(err)) throw err;
      if (n >= policy.attempts) {
        if (opts.onExhausted) return opts.onExhausted(err);
        throw concurrentChangeAfterRetries();
      }
      await backoff(policy, n - 1);
    }
  }
};
