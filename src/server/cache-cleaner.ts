/**
 * The cache cleanup of the reference (PROTOCOL.md, "The cache model"): every
 * `cacheCleanInterval`, tombstones whose `cachetime` is older than
 * `deletedCacheTime` are dropped (monitors see `DEBUG
 * SERVERCACHE=CLEANDELETED=<key>`), and live entries not accessed for
 * `staleCacheTime` are dropped without a tombstone (`CLEANSTALE=<key>`).
 * Purges are local: they are never sent over interclacks links.
 *
 * The scan runs in slices with the event loop free between them, and takes
 * turns with saves (Cache.exclusive), so it never deletes under a save's
 * snapshot. Unlike the reference, which only cleans while a client is
 * connected, it runs whether anyone is connected or not.
 * @module
 */
import type { Cache, CacheEntry } from './cache.js';
import type { Clock } from './clock.js';
import { yieldToEventLoop } from '../util/incremental-sort.js';

/** Durations in milliseconds; 0 turns that expiry (or the whole cleanup) off. */
export interface CleanerSettings {
  deletedCacheTime: number;
  staleCacheTime: number;
  cacheCleanInterval: number;
}

/** Why an entry was dropped, as the monitor line says it. */
export type PurgeKind = 'CLEANDELETED' | 'CLEANSTALE';

/** Entries looked at per slice. */
const SLICE = 20_000;

export class CacheCleaner {
  private readonly cache: Cache;
  private readonly settings: CleanerSettings;
  private readonly now: Clock;
  private readonly onPurge: (name: string, kind: PurgeKind) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(cache: Cache, settings: CleanerSettings, now: Clock, onPurge: (name: string, kind: PurgeKind) => void) {
    this.cache = cache;
    this.settings = settings;
    this.now = now;
    this.onPurge = onPurge;
  }

  /** Cleans once now (as the reference does in its first loop turn), then every interval. */
  start(): void {
    if (this.settings.cacheCleanInterval <= 0) return;
    void this.clean();
    this.timer = setInterval(() => void this.clean(), this.settings.cacheCleanInterval).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One cleanup; resolves with the number of entries dropped. A cleanup still running is joined, not doubled. */
  clean(): Promise<number> {
    this.running ??= this.cache.exclusive(() => this.scan()).finally(() => (this.running = undefined));
    return this.running;
  }

  private async scan(): Promise<number> {
    const { deletedCacheTime, staleCacheTime } = this.settings;
    if (deletedCacheTime <= 0 && staleCacheTime <= 0) return 0;
    const now = this.now();
    const deletedBefore = deletedCacheTime > 0 ? now - deletedCacheTime / 1000 : Number.NEGATIVE_INFINITY;
    const staleBefore = staleCacheTime > 0 ? now - staleCacheTime / 1000 : Number.NEGATIVE_INFINITY;
    let purged = 0;
    let seen = 0;
    for (const [name, entry] of this.cache.all()) {
      const kind = expiry(entry, deletedBefore, staleBefore);
      // Deleting the entry just visited is safe while iterating a Map.
      if (kind !== undefined && this.cache.purge(name, entry)) {
        purged++;
        this.onPurge(name, kind);
      }
      if (++seen % SLICE === 0) await yieldToEventLoop();
    }
    return purged;
  }
}

function expiry(entry: CacheEntry, deletedBefore: number, staleBefore: number): PurgeKind | undefined {
  if (entry.deleted) return entry.cachetime < deletedBefore ? 'CLEANDELETED' : undefined;
  return entry.accesstime < staleBefore ? 'CLEANSTALE' : undefined;
}
