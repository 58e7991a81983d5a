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

/**
 * A clock that is read at most once per loop turn: while a turn runs
 * (between {@link TurnClock.begin} and {@link TurnClock.end}), `now` answers
 * the time of its first reading in that turn; outside a turn, every call
 * reads `source`. A turn handles one read chunk of one client, so the cache
 * times it sets are those of the turn, as a Perl server that reads the clock
 * once per command would have set them within the same few milliseconds; a
 * pipelined burst of RETRIEVEs then costs one clock reading instead of one
 * per line.
 */
export class TurnClock {
  private readonly source: Clock;
  private inTurn = false;
  /** The turn's reading, or NaN before its first `now`. */
  private reading = Number.NaN;

  constructor(source: Clock = epochSeconds) {
    this.source = source;
  }

  /** Epoch seconds: the turn's reading inside a turn, a fresh one outside. A bound function, to be handed over as a {@link Clock}. */
  readonly now: Clock = () => {
    if (!this.inTurn) return this.source();
    if (this.reading !== this.reading) this.reading = this.source();
    return this.reading;
  };

  /** A turn starts: the next `now` reads the clock, and the ones after it in this turn answer the same. */
  begin(): void {
    this.inTurn = true;
    this.reading = Number.NaN;
  }

  /** The turn is over: `now` reads the clock again on every call. */
  end(): void {
    this.inTurn = false;
  }
}
