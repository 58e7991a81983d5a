/**
 * Sorting a million strings in one go stalls the event loop for about a
 * second. This sorts in slices instead: runs of a few thousand are sorted
 * one at a time with the loop free between them, and a k-way merge (a
 * binary heap over the runs' heads) hands out the result one string at a
 * time, as fast as the consumer takes it.
 *
 * Strings compare by UTF-16 code unit, which on latin1 strings is byte
 * order (Perl's `sort`).
 * @module
 */

/** Strings per sorted run: small enough to sort in a few milliseconds. */
const RUN_SIZE = 4096;

/** Lets the event loop run (timers, sockets) before the next slice of work. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Takes every string from `source` (a slice at a time, yielding between
 * slices) and returns a merger that yields them in order.
 */
export async function sortIncrementally(source: Iterator<string>): Promise<SortedMerge> {
  const runs: string[][] = [];
  for (;;) {
    const run: string[] = [];
    let next = source.next();
    while (!next.done) {
      run.push(next.value);
      if (run.length === RUN_SIZE) break;
      next = source.next();
    }
    if (run.length > 0) runs.push(run.sort());
    if (run.length < RUN_SIZE) break;
    await yieldToEventLoop();
  }
  return new SortedMerge(runs);
}

/** The k-way merge of sorted runs. */
export class SortedMerge {
  private readonly runs: string[][];
  /** Indexes of runs, as a binary min-heap on each run's current head. */
  private readonly heap: number[] = [];
  private readonly positions: number[];

  constructor(runs: string[][]) {
    this.runs = runs;
    this.positions = runs.map(() => 0);
    for (let run = 0; run < runs.length; run++) this.push(run);
  }

  /** The next string in order, or undefined at the end. */
  next(): string | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const run = this.runs[top] as string[];
    const value = run[this.positions[top] as number] as string;
    this.positions[top] = (this.positions[top] as number) + 1;
    if ((this.positions[top] as number) < run.length) this.siftDown(0);
    else {
      const last = this.heap.pop() as number;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.siftDown(0);
      }
    }
    return value;
  }

  private head(slot: number): string {
    const run = this.heap[slot] as number;
    return (this.runs[run] as string[])[this.positions[run] as number] as string;
  }

  private push(run: number): void {
    if ((this.runs[run] as string[]).length === 0) return;
    const heap = this.heap;
    heap.push(run);
    let slot = heap.length - 1;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (this.head(parent) <= this.head(slot)) break;
      [heap[parent], heap[slot]] = [heap[slot] as number, heap[parent] as number];
      slot = parent;
    }
  }

  private siftDown(slot: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const smaller = right < heap.length && this.head(right) < this.head(left) ? right : left;
      if (this.head(slot) <= this.head(smaller)) return;
      [heap[slot], heap[smaller]] = [heap[smaller] as number, heap[slot] as number];
      slot = smaller;
    }
  }
}
