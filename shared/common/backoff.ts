/**
 * How long to wait before retry `attempt` (1 = the first retry): exponential, capped, with
 * "equal jitter" (half the step fixed, half random), so callers that failed together do not
 * retry together, and every wait is at least half its step.
 */
export const backoffMs = (attempt: number, { baseMs, capMs }: { baseMs: number; capMs: number }): number => {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + Math.random() * (step / 2);
};
