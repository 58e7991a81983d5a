/**
 * Medians, percentiles and the round runner that measures the SDK and the raw
 * baseline alternately, so both see the same machine at the same moment.
 * @module
 */
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';

/** Every round of one measurement, and its median. */
export interface Sample {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function sample(rounds: number[]): Sample {
  return { median: percentile(rounds, 50), min: Math.min(...rounds), max: Math.max(...rounds), rounds };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (p === 50 && sorted.length % 2 === 0) {
    const mid = sorted.length / 2;
    return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  }
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

v8.setFlagsFromString('--expose-gc');
/** A full garbage collection (between rounds, and before memory baselines). */
export const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Runs every runner once unmeasured (warm-up), then `rounds` times each,
 * rotating which goes first so that drift on a shared machine hits all of
 * them alike. Each runner returns its own figure(s) for the round.
 */
export async function alternate<K extends string, T>(rounds: number, runners: Record<K, () => Promise<T>>): Promise<Record<K, T[]>> {
  const names = Object.keys(runners) as K[];
  const result = {} as Record<K, T[]>;
  for (const name of names) {
    result[name] = [];
    collectGarbage();
    await runners[name]();
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length] as K;
      collectGarbage();
      result[name].push(await runners[name]());
    }
  }
  return result;
}

/** A measured window: throughput, and the CPU this process spent per operation. */
export interface Measured {
  /** Operations per second. */
  rate: number;
  /** CPU time of this process (user + system, `process.cpuUsage`) per operation, µs. */
  cpu: number;
}

/**
 * Starts the clock and the CPU counter of this process; `stop(ops)` gives
 * the window's figures. With the server in its own process, the CPU figure
 * is the client's alone (plus whatever else the benchmark process does in
 * the window, such as a fan-out publisher: the same for every client).
 */
export function stopwatch(): { stop(ops: number): Measured } {
  const start = now();
  const cpu = process.cpuUsage();
  return {
    stop(ops: number): Measured {
      const used = process.cpuUsage(cpu);
      const seconds = (now() - start) / 1000;
      return { rate: ops / seconds, cpu: (used.user + used.system) / ops };
    },
  };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** Rejects after `ms` with a message, unless `promise` settles first. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
