/**
 * KEYLIST and CLIENTLIST replies, produced a batch at a time as the client's
 * socket takes them, never built as one string.
 *
 * A KEYLIST needs the key names sorted, and sorting a million strings takes
 * about a second: far too long to block every other client. So a snapshot of
 * the names is sorted in slices of 16,384 (a few milliseconds each, one slice
 * per batch) and the sorted slices are merged as the reply goes out.
 * Concurrent KEYLISTs of the same cache version share one snapshot; at most
 * `maxKeylistSnapshots` different ones exist at once, and a KEYLIST that
 * needs another waits for a free place.
 * @module
 */
import { encodeServerLine } from '../wire/index.js';
import type { Cache } from './cache.js';
import type { ClientConnection } from './client-connection.js';
import { formatClientFields } from './client-list.js';

/** One batch of a streamed reply. */
export interface StreamBatch {
  text: string;
  /** This was the last batch. */
  done: boolean;
}

/** A reply produced in batches. */
export interface ReplyStream {
  /**
   * The next part of the reply, about `maxBytes` long (at least one line),
   * or `undefined` when the stream must wait (it calls `wake` once it can go on).
   */
  next(maxBytes: number, wake: () => void): StreamBatch | undefined;
  /** Lets go of what the stream holds; called once, finished or not. */
  close(): void;
}

/** Names per sorted slice: a slice sorts in a few milliseconds. */
const RUN = 16_384;

/**
 * Gives up to `max` more names each call (read from at most `max` entries),
 * and says when there are no more.
 */
export type NameSource = (max: number) => { names: string[]; done: boolean };

/**
 * Names sorted slice by slice: {@link sortStep} sorts the next slice (a few
 * milliseconds), and once every slice is sorted a {@link NameMerge} walks
 * them in order. KEYLIST uses it for a cache version's names; the
 * interclacks sync dump for every name, tombstones included.
 */
export class SortedNames {
  /** Sorted slices. */
  readonly runs: string[][] = [];
  /** The names not yet taken, or undefined once all are sorted. */
  private source: NameSource | undefined;

  /** `names`: all of them at once (the sync dump's), or a {@link NameSource} read a slice at a time (KEYLIST's live names). */
  constructor(names: string[] | NameSource) {
    if (typeof names === 'function') {
      this.source = names;
    } else {
      let from = 0;
      this.source = (max) => {
        const slice = names.slice(from, (from += max));
        return { names: slice, done: from >= names.length };
      };
    }
  }

  get sorted(): boolean {
    return this.source === undefined;
  }

  /** Bytes of references held in the sorted slices (the strings themselves belong to the cache). */
  get bytes(): number {
    let count = 0;
    for (const run of this.runs) count += run.length;
    return count * 8;
  }

  /** Takes and sorts the next slice. */
  sortStep(): void {
    const source = this.source;
    if (source === undefined) return;
    const { names, done } = source(RUN);
    // Default sort compares UTF-16 code units: on latin1 strings that is byte order, like Perl's sort.
    this.runs.push(names.sort());
    if (done) this.source = undefined;
  }
}

/**
 * The live names of one cache version, read from the cache and sorted a
 * slice at a time (taking a million at once walked the entries for 55-90
 * ms, one event-loop stall), shared by the KEYLISTs of that version. A name
 * live throughout is listed; one stored or removed while the slices are
 * read may be listed or not, as with any listing read while the cache
 * changes (a KEYLIST that starts after such a change gets a new snapshot).
 */
class KeySnapshot extends SortedNames {
  readonly version: number;
  users = 0;

  constructor(cache: Cache, version: number) {
    super(cache.liveNames());
    this.version = version;
  }
}

/** Walks the sorted slices of a {@link SortedNames} in order (a k-way merge over a min-heap). */
export class NameMerge {
  private readonly runs: string[][];
  private readonly heap: number[] = [];
  private readonly positions: Int32Array;

  constructor(names: SortedNames) {
    const runs = names.runs;
    this.runs = runs;
    this.positions = new Int32Array(runs.length);
    runs.forEach((run, index) => {
      if (run.length > 0) this.heap.push(index);
    });
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) siftDown(this.heap, i, runs, this.positions);
  }

  /** The next name in order, or undefined when all have been taken. */
  next(): string | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const runs = this.runs;
    const positions = this.positions;
    const run = heap[0] as number;
    const names = runs[run] as string[];
    const name = names[positions[run] as number] as string;
    const position = (positions[run] as number) + 1;
    positions[run] = position;
    if (position < names.length) siftDown(heap, 0, runs, positions);
    else {
      const last = heap.pop() as number;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0, runs, positions);
      }
    }
    return name;
  }

  get done(): boolean {
    return this.heap.length === 0;
  }
}

/** The snapshots in use, shared by version, limited in number. */
export class KeyListings {
  private readonly cache: Cache;
  private readonly limit: () => number;
  private readonly snapshots = new Set<KeySnapshot>();
  /** The latest snapshot, kept while the cache does not change, so repeated KEYLISTs share it. */
  private latest: KeySnapshot | undefined;
  private readonly waiting: Array<() => void> = [];

  constructor(cache: Cache, limit: () => number) {
    this.cache = cache;
    this.limit = limit;
  }

  /** Bytes held by snapshots. */
  get bytes(): number {
    let bytes = 0;
    for (const snapshot of this.snapshots) bytes += snapshot.bytes;
    if (this.latest !== undefined && !this.snapshots.has(this.latest)) bytes += this.latest.bytes;
    return bytes;
  }

  get active(): number {
    return this.snapshots.size;
  }

  /** A KEYLIST reply, from KEYLISTSTART to KEYLISTEND. */
  stream(): ReplyStream {
    return new KeylistStream(this);
  }

  /** The snapshot of the cache as it is now, or undefined (and `wake` later) when too many are in use. */
  acquire(wake: () => void): KeySnapshot | undefined {
    const version = this.cache.version;
    let snapshot = this.latest?.version === version ? this.latest : undefined;
    if (snapshot === undefined) {
      if (this.snapshots.size >= Math.max(1, this.limit())) {
        this.waiting.push(wake);
        return undefined;
      }
      // The single place that asks the cache for KEYLIST's names.
      snapshot = new KeySnapshot(this.cache, version);
      this.latest = snapshot;
    }
    snapshot.users++;
    this.snapshots.add(snapshot);
    return snapshot;
  }

  release(snapshot: KeySnapshot): void {
    if (--snapshot.users > 0) return;
    this.snapshots.delete(snapshot);
    if (this.latest === snapshot && snapshot.version !== this.cache.version) this.latest = undefined;
    // Every waiting KEYLIST tries again (one whose client has gone just does nothing); the losers wait again.
    for (const wake of this.waiting.splice(0)) wake();
  }
}

class KeylistStream implements ReplyStream {
  private readonly listings: KeyListings;
  private snapshot: KeySnapshot | undefined;
  private started = false;
  private merge: NameMerge | undefined;

  constructor(listings: KeyListings) {
    this.listings = listings;
  }

  next(maxBytes: number, wake: () => void): StreamBatch | undefined {
    this.snapshot ??= this.listings.acquire(wake);
    const snapshot = this.snapshot;
    if (snapshot === undefined) return undefined;
    let text = '';
    if (!this.started) {
      this.started = true;
      text = encodeServerLine({ type: 'keyliststart' });
    }
    if (!snapshot.sorted) {
      snapshot.sortStep();
      if (!snapshot.sorted) return { text, done: false };
    }
    const merge = (this.merge ??= new NameMerge(snapshot));
    while (text.length < maxBytes) {
      const name = merge.next();
      if (name === undefined) break;
      text += `KEY ${name}\r\n`;
    }
    if (!merge.done) return { text, done: false };
    return { text: text + encodeServerLine({ type: 'keylistend' }), done: true };
  }

  close(): void {
    if (this.snapshot !== undefined) this.listings.release(this.snapshot);
    this.snapshot = undefined;
  }
}

function siftDown(heap: number[], from: number, runs: string[][], positions: Int32Array): void {
  const key = (run: number): string => (runs[run] as string[])[positions[run] as number] as string;
  let index = from;
  const item = heap[index] as number;
  const itemKey = key(item);
  for (;;) {
    const left = 2 * index + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    let child = left;
    if (right < heap.length && key(heap[right] as number) < key(heap[left] as number)) child = right;
    if (key(heap[child] as number) >= itemKey) break;
    heap[index] = heap[child] as number;
    index = child;
  }
  heap[index] = item;
}

/** A CLIENTLIST reply over a snapshot of the clients (sorted by cid), each line built when it is sent. */
export function clientListStream(clients: Iterable<ClientConnection>): ReplyStream {
  const sorted = [...clients].sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0));
  let index = -1;
  return {
    next(maxBytes) {
      let text = '';
      if (index === -1) {
        text = encodeServerLine({ type: 'clientliststart' });
        index = 0;
      }
      while (index < sorted.length && text.length < maxBytes) {
        text += encodeServerLine({ type: 'client', fields: formatClientFields(sorted[index++] as ClientConnection) });
      }
      if (index < sorted.length) return { text, done: false };
      return { text: text + encodeServerLine({ type: 'clientlistend' }), done: true };
    },
    close() {
      sorted.length = 0;
    },
  };
}
