/**
 * The retry behind every read-check-write service call (`retryOnStaleRead`): jittered,
 * exponential waits capped at a second, a 409 once the attempts are spent, and enough attempts
 * for a hot item (ten writers of one version-checked record, each one read-then-write).
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, retryPolicies } from '../../shared/db/retry';
import { ConflictError, StaleReadError } from '../../shared/http/errors';
import { retryOnStaleRead } from '../../shared/db/optimistic';

describe('the stale-read backoff', () => {
  const p = retryPolicies.staleRead;
  it('waits in the upper half of an exponential window capped at one second', () => {
    for (let i = 0; i <= 12; i++) {
      const window = Math.min(1000, 20 * 2 ** i);
      expect(backoffDelay(p, i, () => 0)).toBe(window / 2);
      expect(backoffDelay(p, i, () => 0.999999)).toBeCloseTo(window, 2);
    }
    expect(backoffDelay(p, 20, () => 1)).toBe(1000);
  });

  it('spreads requests that lost the same race', () => {
    const waits = new Set(Array.from({ length: 20 }, () => backoffDelay(p, 3)));
    expect(waits.size).toBeGreaterThan(10);
  });
});

describe('retryOnStaleRead', () => {
  it('retries only StaleReadError, and answers 409 CONCURRENT_CHANGE after the attempts given', async () => {
    let calls = 0;
    const always = () => {
      calls++;
      return Promise.reject(new StaleReadError());
    };
    await expect(retryOnStaleRead(always, { ...retryPolicies.staleRead, attempts: 3 })).rejects.toBeInstanceOf(ConflictError);
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryOnStaleRead(() => (calls++, Promise.reject(new Error('other'))))).rejects.toThrow('other');
    expect(calls).toBe(1);
  });

  it('lets ten writers of one versioned record all win with the attempts a hot item is given (the default five do not)', async () => {
    let version = 0;
    const write = () =>
      retryOnStaleRead(async () => {
        const read = version;
        await new Promise((r) => setTimeout(r, 40)); // an invite's work between its read and its conditional write (reads, two Cognito calls)
        if (version !== read) throw new StaleReadError();
        version++;
      }, retryPolicies.hotItem);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, write));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(version).toBe(10);
  });
});

describe('retryOnStaleRead options (the one optimistic-update helper, shared/db/optimistic.ts)', () => {
  it('passes the attempt number, so the first try can use what the caller read and later ones read again', async () => {
    const seen: number[] = [];
    const out = await retryOnStaleRead(async (n) => {
      seen.push(n);
      if (n < 3) throw new StaleReadError();
      return 'written';
    });
    expect(out).toBe('written');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('retries what `isStale` calls a lost race, and nothing else', async () => {
    class Conflict extends Error {}
    let calls = 0;
    const out = await retryOnStaleRead(
      async () => {
        if (++calls < 2) throw new Conflict();
        return calls;
      },
      { isStale: (err) => err instanceof Conflict },
    );
    expect(out).toBe(2);
    // A StaleReadError is not retried when the caller said what a lost race is.
    calls = 0;
    await expect(retryOnStaleRead(() => (calls++, Promise.reject(new StaleReadError())), { isStale: (err) => err instanceof Conflict })).rejects.toBeInstanceOf(StaleReadError);
    expect(calls).toBe(1);
  });

  it('hands the last lost race to `onExhausted` instead of the 409 once the attempts are spent', async () => {
    let calls = 0;
    const last = new StaleReadError();
    const out = await retryOnStaleRead(() => (calls++, Promise.reject(last)), {
      policy: { ...retryPolicies.staleRead, attempts: 3 },
      onExhausted: (err) => (err === last ? 'recorded as an error' : 'other'),
    });
    expect(out).toBe('recorded as an error');
    expect(calls).toBe(3);
  });
});
