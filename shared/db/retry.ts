/**
 * The one retry policy (here for DynamoDB work; QuickBooks' 429s use the same backoff) that lost a race or was told to slow down: a bounded
 * number of attempts with "full jitter" exponential backoff (a random wait between 0 and
 * min(cap, base·2^attempt), AWS Architecture Blog "Exponential Backoff and Jitter"), so that
 * writers that collided do not collide again in step. What is retried, and how often:
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
  /**
   * `full` (default): a wait anywhere in the window. `equal`: half the window fixed, half random,
   * for callers that must not come back at once (a read-then-write that takes time, a 429).
   */
  jitter?: 'full' | 'equal';
}

export const retryPolicies = {
  /**
   * A transaction cancelled because another one touched the same items (`TransactionConflict`).
   * The company item is hot: every contact, ticket and asset write moves its counters in the
   * same transaction, so writers to one company collide often; 8 attempts ride out a burst.
   */
  conflict: { attempts: 8, baseMs: 20, capMs: 1000 },
  /** Items of a transaction throttled (`ThrottlingError`, `ProvisionedThroughputExceeded` reasons). */
  throttle: { attempts: 5, baseMs: 50, capMs: 2000 },
  /** A condition found the data changed since it was read (`StaleReadError`): read again, write again. */
  staleRead: { attempts: 5, baseMs: 20, capMs: 1000, jitter: 'equal' },
  /** The same for one record that many requests change at once (a double-clicked invite, retried requests): ten writers all win. */
  hotItem: { attempts: 12, baseMs: 20, capMs: 1000, jitter: 'equal' },
  /** Items or keys a batch request left unprocessed. */
  unprocessed: { attempts: 10, baseMs: 25, capMs: 2000 },
} as const satisfies Record<string, RetryPolicy>;

/**
 * Attempts of every single DynamoDB request, made by the SDK's standard retry strategy (also
 * jittered exponential backoff) on throttling and transient errors; what still fails becomes a
 * `429 THROTTLED` (shared/http/api-handler.ts).
 */
export const SDK_MAX_ATTEMPTS = 5;

/** The wait before attempt `attempt + 1` (0-based `attempt` that just failed). */
export const backoffDelay = (policy: RetryPolicy, attempt: number, random: () => number = Math.random): number => {
  const window = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return policy.jitter === 'equal' ? window / 2 + random() * (window / 2) : random() * window;
};

/** How the policy waits; tests replace `sleep` to see the waits without spending them. */
export const retryClock = {
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Waits the policy's jittered backoff after failed attempt `attempt`. */
export const backoff = (policy: RetryPolicy, attempt: number): Promise<void> => retryClock.sleep(backoffDelay(policy, attempt));
