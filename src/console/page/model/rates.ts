/**
 * Counts per second over a sliding window (the traffic plot: events and
 * commands per second over the last minutes). One slot per second and
 * series, reused as the window slides: memory does not grow with traffic.
 * @module
 */
export class RateWindow<S extends string> {
  private readonly counts: Record<string, Float64Array>;
  /** The second (epoch seconds) each slot holds. */
  private readonly seconds: Float64Array;

  constructor(
    readonly series: readonly S[],
    /** Seconds kept. */
    readonly length = 300,
  ) {
    this.counts = {};
    for (const name of series) this.counts[name] = new Float64Array(length);
    this.seconds = new Float64Array(length).fill(-1);
  }

  /** Counts `n` for `name` in the second of `now` (ms since epoch). */
  add(name: S, n = 1, now = Date.now()): void {
    const slot = this.slot(Math.floor(now / 1000));
    const counts = this.counts[name] as Float64Array;
    counts[slot] = (counts[slot] as number) + n;
  }

  /** The last `seconds` of the window up to the second of `now`: times (epoch seconds, oldest first) and one array of counts per series. */
  snapshot(now = Date.now(), seconds = this.length): { times: number[]; values: Record<S, number[]> } {
    const last = Math.floor(now / 1000);
    const times: number[] = [];
    const values = {} as Record<S, number[]>;
    for (const name of this.series) values[name] = [];
    for (let second = last - Math.min(seconds, this.length) + 1; second <= last; second++) {
      times.push(second);
      const slot = ((second % this.length) + this.length) % this.length;
      const current = this.seconds[slot] === second;
      for (const name of this.series) values[name].push(current ? ((this.counts[name] as Float64Array)[slot] as number) : 0);
    }
    return { times, values };
  }

  /** The mean per second of `name` over the last `seconds` complete seconds before `now`. */
  mean(name: S, seconds: number, now = Date.now()): number {
    const last = Math.floor(now / 1000) - 1;
    let sum = 0;
    for (let second = last - seconds + 1; second <= last; second++) {
      const slot = ((second % this.length) + this.length) % this.length;
      if (this.seconds[slot] === second) sum += (this.counts[name] as Float64Array)[slot] as number;
    }
    return sum / seconds;
  }

  private slot(second: number): number {
    const slot = ((second % this.length) + this.length) % this.length;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      for (const name of this.series) (this.counts[name] as Float64Array)[slot] = 0;
    }
    return slot;
  }
}
