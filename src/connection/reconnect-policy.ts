/**
 * When to try again after a connection loss.
 * @module
 */

/**
 * Decides the delay before reconnect attempt `attempt` (1 for the first
 * retry), given the error that ended the last connection or attempt. Return a
 * delay in ms, or `false` to stop reconnecting (the client then closes and
 * every pending request rejects).
 */
export type ReconnectPolicy = (attempt: number, cause: Error) => number | false;

/** Options of {@link exponentialBackoff}. */
export interface BackoffOptions {
  /** Delay of the first retry, in ms. Default 50. */
  initialDelay?: number;
  /** Upper bound of the delay, in ms. Default 3,000. */
  maxDelay?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Give up after this many attempts. Default unlimited. */
  maxAttempts?: number;
}

/**
 * Exponential backoff with "full jitter": a random delay between half and all
 * of `min(maxDelay, initialDelay * factor^(attempt-1))`, so that many workers
 * reconnecting to a restarted server do not arrive in one burst.
 */
export function exponentialBackoff(options: BackoffOptions = {}): ReconnectPolicy {
  const initialDelay = options.initialDelay ?? 50;
  const maxDelay = options.maxDelay ?? 3000;
  const factor = options.factor ?? 2;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  return (attempt) => {
    if (attempt > maxAttempts) return false;
    const ceiling = Math.min(maxDelay, initialDelay * factor ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  };
}
