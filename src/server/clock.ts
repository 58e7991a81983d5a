/**
 * Wall-clock time in epoch seconds with a fraction, as the reference keeps
 * its cache times (Perl's Time::HiRes::time). `Date.now()` has only
 * millisecond precision, so the sub-millisecond part comes from the
 * monotonic clock, re-anchored to the wall clock every second so that a
 * clock step (NTP) shows within a second.
 * @module
 */

/** How often the monotonic clock is re-anchored to the wall clock. */
const RESYNC_MS = 1000;

let anchoredAt = Number.NEGATIVE_INFINITY;
let offset = 0;

/** Epoch seconds, microsecond resolution. */
export function epochSeconds(): number {
  const monotonic = performance.now();
  if (monotonic - anchoredAt > RESYNC_MS) {
    offset = Date.now() - monotonic;
    anchoredAt = monotonic;
  }
  return (offset + monotonic) / 1000;
}

/** A source of epoch seconds; tests and the cache take one so that time can be controlled. */
export type Clock = () => number;
