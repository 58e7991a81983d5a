/**
 * The key/value cache behind STORE, RETRIEVE, REMOVE, INCREMENT and KEYLIST,
 * with the reference's cache model (PROTOCOL.md, "The cache model"): every
 * entry carries `data`, `cachetime` (when its value was last set),
 * `accesstime` (when last read or set) and `deleted`. REMOVE leaves a
 * tombstone; the cleanup (cache-cleaner.ts) drops old tombstones and stale
 * entries.
 *
 * Names and values are latin1 strings (one char per byte), so they
 * round-trip byte for byte. A change of value or liveness stores a new entry;
 * a RETRIEVE only moves the `accesstime` of the entry it finds, in place (the
 * reference updates its hash in place too), so that a read allocates nothing.
 * While a save's snapshot is open, an entry is copied for the snapshot before
 * its first change of either kind, so the save still sees the cache as it was
 * (see {@link Cache.openSnapshot}). The cache owns the entries it is given
 * ({@link Cache.load}, {@link Cache.applySynced}) and the ones it hands out:
 * read them, keep no reference to them.
 * @module
 */
import { epochSeconds, type Clock } from './clock.js';
import { applyStep } from './perl-number.js';

/** One cache entry; times are epoch seconds with a fraction. Read-only to everyone but the cache. */
export interface CacheEntry {
  readonly data: string;
  readonly cachetime: number;
  readonly accesstime: number;
  /** A tombstone left by REMOVE: `data` is empty and RETRIEVE answers NOTRETRIEVED. */
  readonly deleted: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The cache as it was when the snapshot was opened, for a save that runs
 * over many event-loop turns: it sees exactly the keys that existed then,
 * with their values of then, whatever happens to the live cache meanwhile.
 */
export interface CacheSnapshot {
  /** How many entries (tombstones included) the snapshot holds. */
  readonly size: number;
  /** The cache's `version` when the snapshot was opened. */
  readonly version: number;
  /** The snapshot's keys in the map's own order, `size` of them. */
  keys(): IterableIterator<string>;
  /** The entry of a key the snapshot holds, as it was when the snapshot was opened. */
  entry(name: string): CacheEntry;
  /** Releases the snapshot; deletions are allowed again. */
  close(): void;
}

/** What the cache holds, kept up to date with every change (never by walking the cache). */
export interface CacheFigures {
  /** Live entries: what RETRIEVE finds and KEYLIST lists. */
  keys: number;
  /** Tombstones left by REMOVE, until the cleanup drops them. */
  tombstones: number;
  /** Bytes of the names and values held, tombstones' names included (one byte per char), without per-entry overhead. */
  bytes: number;
}

export class Cache {
  private entries = new Map<string, CacheEntry>();
  /** Bumped on every change, so persistence knows whether there is anything to save. */
  version = 0;
  /** Maintained by every change (see {@link CacheFigures}); read it, never write it. */
  readonly figures: CacheFigures = { keys: 0, tombstones: 0, bytes: 0 };
  private readonly now: Clock;
  /** While a snapshot is open: the map it reads, and the entries of that map as they were before they changed. */
  private snapshotMap: Map<string, CacheEntry> | undefined;
  private readonly before = new Map<string, CacheEntry>();
  /** Saves and cleanups take turns (see {@link exclusive}). */
  private lane: Promise<unknown> = Promise.resolve();

  constructor(clock: Clock = epochSeconds) {
    this.now = clock;
  }

  /** Entries, tombstones included. */
  get size(): number {
    return this.entries.size;
  }

  /** RETRIEVE: the value of a live entry, which also moves its `accesstime` (and so changes the cache). */
  get(name: string): string | undefined {
    const entry = this.entries.get(name) as Mutable<CacheEntry> | undefined;
    if (entry === undefined || entry.deleted) return undefined;
    this.touch(name, entry, this.now());
    return entry.data;
  }

  /** The entry as it is, tombstones included, without touching it. */
  peek(name: string): CacheEntry | undefined {
    return this.entries.get(name);
  }

  /** STORE, SETANDSTORE: a new value, `cachetime` now. */
  set(name: string, value: string): void {
    const now = this.now();
    this.put(name, { data: value, cachetime: now, accesstime: now, deleted: false });
  }

  /** REMOVE: a tombstone, even for a key that never existed (as the reference does). */
  remove(name: string): void {
    const now = this.now();
    this.put(name, { data: '', cachetime: now, accesstime: now, deleted: true });
  }

  /** INCREMENT (or DECREMENT with `decrement`) by `step`, with Perl's arithmetic; a tombstone counts as 0. */
  step(name: string, step: string | undefined, decrement: boolean): void {
    const entry = this.entries.get(name);
    const now = this.now();
    const data = applyStep(entry === undefined || entry.deleted ? undefined : entry.data, step, decrement);
    this.put(name, { data, cachetime: now, accesstime: now, deleted: false }, entry);
  }

  /**
   * Takes an entry from another server (KEYSYNC): it replaces ours only when
   * we have none or the incoming `cachetime` is newer (last writer wins).
   * Returns whether it was taken.
   */
  applySynced(name: string, entry: CacheEntry): boolean {
    const ours = this.entries.get(name);
    if (ours !== undefined && !(entry.cachetime > ours.cachetime)) return false;
    this.put(name, entry.deleted ? { ...entry, data: '' } : entry, ours);
    return true;
  }

  /** A later access time from another server for an entry we keep as it is (a sync that echoed our own entry). */
  touchSynced(name: string, accesstime: number): void {
    const entry = this.entries.get(name) as Mutable<CacheEntry> | undefined;
    if (entry === undefined || !(accesstime > entry.accesstime)) return;
    this.touch(name, entry, accesstime);
  }

  /** Moves an entry's `accesstime` in place: same data, same liveness, nothing to account for, no new entry. */
  private touch(name: string, entry: Mutable<CacheEntry>, accesstime: number): void {
    // A snapshot keeps the entry as it was before its first change.
    if (this.snapshotMap === this.entries && !this.before.has(name)) this.before.set(name, { ...entry });
    entry.accesstime = accesstime;
    this.version++;
  }

  /** CLEARCACHE: everything goes, tombstones included, and none is left behind. */
  clear(): void {
    // A new map rather than clear(): a save that is reading the old one keeps reading it.
    this.entries = new Map();
    this.recount();
    this.version++;
  }

  /** Names of live entries (no tombstones) in byte order, as KEYLIST lists them. */
  sortedKeys(): string[] {
    const names: string[] = [];
    for (const [name, entry] of this.entries) if (!entry.deleted) names.push(name);
    // Default sort compares UTF-16 code units; on latin1 strings that is byte order, like Perl's sort.
    return names.sort();
  }

  /**
   * The names of live entries (no tombstones), read a slice at a time: each
   * call looks at up to `max` more entries. Entries stored or removed
   * between calls may be among them or not (a Map iterator visits what is
   * added as it goes and skips what is deleted); after CLEARCACHE the calls
   * go on reading the map that was cleared.
   */
  liveNames(): (max: number) => { names: string[]; done: boolean } {
    const entries = this.entries.entries();
    return (max) => {
      const names: string[] = [];
      for (let looked = 0; looked < max; looked++) {
        const next = entries.next();
        if (next.done === true) return { names, done: true };
        if (!next.value[1].deleted) names.push(next.value[0]);
      }
      return { names, done: false };
    };
  }

  /** Every name, tombstones included, in no particular order (what an interclacks sync sends). */
  allNames(): string[] {
    return [...this.entries.keys()];
  }

  /** Every entry, tombstones included, in no particular order. */
  all(): IterableIterator<[string, CacheEntry]> {
    return this.entries.entries();
  }

  /** Replaces the content (loading a saved file). */
  load(entries: Iterable<readonly [string, CacheEntry]>): void {
    this.entries = new Map(entries);
    this.recount();
    this.version++;
  }

  /**
   * Drops an entry outright, as the cleanup does (no tombstone), if it is
   * still `entry` (not changed since the caller looked at it). Refused while
   * a snapshot is open: a snapshot relies on no key leaving the map it
   * reads. Run deleting work through {@link exclusive}.
   */
  purge(name: string, entry: CacheEntry): boolean {
    if (this.snapshotMap === this.entries) throw new Error('Cache.purge while a snapshot is open');
    if (this.entries.get(name) !== entry) return false;
    this.entries.delete(name);
    this.account(name, entry, -1);
    this.version++;
    return true;
  }

  /**
   * Opens a point-in-time view for a save. Only one at a time; run the save
   * through {@link exclusive} so that no cleanup purges keys meanwhile.
   */
  openSnapshot(): CacheSnapshot {
    if (this.snapshotMap !== undefined) throw new Error('Cache.openSnapshot: a snapshot is already open');
    const map = this.entries;
    const size = map.size;
    const before = this.before;
    this.snapshotMap = map;
    return {
      size,
      version: this.version,
      // Nothing leaves the map while the snapshot is open, and keys added
      // since go to the end of its insertion order: the first `size` keys are
      // exactly the snapshot's.
      *keys() {
        let count = 0;
        for (const name of map.keys()) {
          if (count++ === size) return;
          yield name;
        }
      },
      entry: (name) => before.get(name) ?? (map.get(name) as CacheEntry),
      close: () => {
        this.snapshotMap = undefined;
        before.clear();
      },
    };
  }

  /**
   * Runs `task` after every task queued before it has finished: saves and
   * cleanups run one at a time, so a cleanup never purges under a snapshot.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lane.then(task, task);
    this.lane = run.catch(() => {});
    return run;
  }

  /** Stores `entry` in place of `previous` (the entry the map holds for `name` now, if the caller has it at hand). */
  private put(name: string, entry: CacheEntry, previous: CacheEntry | undefined = this.entries.get(name)): void {
    if (previous !== undefined) this.account(name, previous, -1);
    this.account(name, entry, 1);
    this.replace(name, entry, previous);
  }

  /** Stores `entry` in place of `previous`, without accounting. */
  private replace(name: string, entry: CacheEntry, previous: CacheEntry | undefined): void {
    const map = this.entries;
    if (this.snapshotMap === map && previous !== undefined && !this.before.has(name)) this.before.set(name, previous);
    map.set(name, entry);
    this.version++;
  }

  /** Adds (`sign` 1) or takes away (-1) one entry's share of {@link figures}. */
  private account(name: string, entry: CacheEntry, sign: 1 | -1): void {
    const figures = this.figures;
    if (entry.deleted) figures.tombstones += sign;
    else figures.keys += sign;
    figures.bytes += sign * (name.length + entry.data.length);
  }

  /** Counts the figures afresh, after the whole content changed (clear, load). */
  private recount(): void {
    const figures = this.figures;
    figures.keys = figures.tombstones = figures.bytes = 0;
    for (const [name, entry] of this.entries) this.account(name, entry, 1);
  }
}
