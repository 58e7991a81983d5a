/**
 * Brute-force throttling of logins, per source (see admission.ts for what a
 * source is). The first `freeLoginFailures` failures of a source cost
 * nothing; after each further one the source's next login is checked only
 * once `loginFailureDelay` has passed, doubling up to `maxLoginFailureDelay`.
 * Logins that arrive meanwhile wait in order, unchecked: opening more
 * connections does not buy more guesses, and a good password is not
 * recognised sooner than a bad one. A success does not clear the failures
 * (else one valid account would reset the throttle for guessing others);
 * they are forgotten after `loginFailureExpiry` without a failure. The
 * table keeps at most `maxLoginThrottleSources` sources.
 * @module
 */
import type { ResolvedLimits } from './limits.js';

/** What a login check found; `skipped` when its connection went away while it waited. */
export type LoginOutcome = 'success' | 'failure' | 'skipped';

interface SourceState {
  failures: number;
  lastFailureAt: number;
  /** No check of this source before this time. */
  nextCheckAt: number;
  /** Checks waiting their turn, oldest first. */
  waiting: Array<() => LoginOutcome>;
  timer: NodeJS.Timeout | undefined;
}

export class LoginThrottle {
  private readonly limits: ResolvedLimits;
  /** In order of last failure, oldest first (re-inserted on every failure). */
  private readonly sources = new Map<string, SourceState>();
  /** Checks that had to wait, since start. */
  delayed = 0;

  constructor(limits: ResolvedLimits) {
    this.limits = limits;
  }

  /** Sources remembered right now. */
  get size(): number {
    return this.sources.size;
  }

  /** Logins waiting for their check right now. */
  get waiting(): number {
    let count = 0;
    for (const state of this.sources.values()) count += state.waiting.length;
    return count;
  }

  /**
   * Runs `check` now when `source` may be checked now (and returns true), or
   * queues it behind the source's earlier logins and its delay (false).
   */
  run(source: string, check: () => LoginOutcome, now = Date.now()): boolean {
    const state = this.current(source, now);
    if (state === undefined || (state.waiting.length === 0 && now >= state.nextCheckAt)) {
      if (check() === 'failure') this.failed(source, now);
      return true;
    }
    this.delayed++;
    state.waiting.push(check);
    this.arm(source, state, now);
    return false;
  }

  /** Cancels every timer (server shutdown); waiting checks are dropped. */
  close(): void {
    for (const state of this.sources.values()) {
      clearTimeout(state.timer);
      state.waiting = [];
    }
    this.sources.clear();
  }

  /** The delay after the `failures`-th failure. */
  delayAfter(failures: number): number {
    const { freeLoginFailures, loginFailureDelay, maxLoginFailureDelay } = this.limits;
    if (failures <= freeLoginFailures) return 0;
    return Math.min(loginFailureDelay * 2 ** Math.min(failures - freeLoginFailures - 1, 30), maxLoginFailureDelay);
  }

  private current(source: string, now: number): SourceState | undefined {
    const state = this.sources.get(source);
    if (state === undefined) return undefined;
    if (state.waiting.length === 0 && now - state.lastFailureAt > this.limits.loginFailureExpiry) {
      this.sources.delete(source);
      return undefined;
    }
    return state;
  }

  private failed(source: string, now: number): void {
    let state = this.sources.get(source);
    if (state === undefined) {
      state = { failures: 0, lastFailureAt: now, nextCheckAt: 0, waiting: [], timer: undefined };
      this.evictFor();
    }
    this.sources.delete(source);
    this.sources.set(source, state);
    state.failures++;
    state.lastFailureAt = now;
    state.nextCheckAt = now + this.delayAfter(state.failures);
  }

  /** Makes room for one more source: forgets the least recently failed one that has nobody waiting. */
  private evictFor(): void {
    if (this.sources.size < this.limits.maxLoginThrottleSources) return;
    for (const [source, state] of this.sources) {
      if (state.waiting.length === 0) {
        this.sources.delete(source);
        return;
      }
    }
  }

  private arm(source: string, state: SourceState, now: number): void {
    if (state.timer !== undefined) return;
    state.timer = setTimeout(() => this.next(source, state), Math.max(0, state.nextCheckAt - now));
  }

  /** Runs the oldest waiting check of `source` once its delay has passed. */
  private next(source: string, state: SourceState): void {
    state.timer = undefined;
    const now = Date.now();
    while (state.waiting.length > 0 && now >= state.nextCheckAt) {
      const check = state.waiting.shift() as () => LoginOutcome;
      const outcome = check();
      if (outcome === 'failure') this.failed(source, now);
      if (outcome !== 'skipped') break;
    }
    if (state.waiting.length > 0) this.arm(source, state, now);
  }
}
