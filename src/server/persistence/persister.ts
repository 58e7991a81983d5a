/**
 * When the cache is saved: every `persistInterval` when it changed (a
 * RETRIEVE hit counts, it moves an access time), at once after a start that
 * had to fall back, and once more on shutdown. A save never fails silently:
 * each failure is logged as an error and counted in the server's stats,
 * the cache stays marked as changed so the next interval tries again, and a
 * failed final save makes `stop()` reject.
 * @module
 */
import type { Cache } from '../cache.js';
import type { ServerLogger } from '../options.js';
import type { ServerStats } from '../stats.js';
import { loadCacheFile, type LoadOutcome } from './load.js';
import { writeCacheFile, type SaveMode } from './write-file.js';

/** The final save at shutdown failed: the file on disk is older than the cache was. */
export class FinalSaveError extends Error {
  override readonly name = 'FinalSaveError';
}

export class Persister {
  private readonly file: string;
  private readonly cache: Cache;
  private readonly logger: ServerLogger;
  private readonly stats: ServerStats;
  /** The cache version the file on disk holds; -1 when it holds something else (nothing yet, an older format). */
  private savedVersion = -1;
  private nextMode: SaveMode = 'normal';
  private lastFailure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A save that is waiting for the one running: at most one waits, the others join it. */
  private queued: Promise<boolean> | undefined;

  constructor(file: string, cache: Cache, logger: ServerLogger, stats: ServerStats) {
    this.file = file;
    this.cache = cache;
    this.logger = logger;
    this.stats = stats;
  }

  /** Loads the cache (see load.ts); decides what the first save must be. */
  async load(now: number): Promise<LoadOutcome> {
    const outcome = await loadCacheFile(this.file, this.cache, this.logger, now);
    if (outcome.save === 'none') this.savedVersion = this.cache.version;
    if (outcome.save === 'force') this.nextMode = 'force';
    return outcome;
  }

  /** Starts the interval saves; a start that fell back saves main and backup right away. */
  start(interval: number): void {
    if (interval > 0) this.timer = setInterval(() => void this.save(), interval).unref();
    if (this.nextMode === 'force') void this.save();
  }

  /** Saves if anything changed since the last good save; resolves whether the file is now current. Never rejects. */
  save(): Promise<boolean> {
    this.queued ??= this.cache.exclusive(async () => {
      this.queued = undefined;
      if (this.cache.version === this.savedVersion && this.nextMode === 'normal') return true;
      return this.saveNow();
    });
    return this.queued;
  }

  /** Stops the interval and saves a last time; rejects with FinalSaveError when that save fails. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (!(await this.save())) throw new FinalSaveError(`the final save of the cache to ${this.file} failed: ${this.failure().message}`);
  }

  /** Why the last save failed. */
  failure(): Error {
    return this.lastFailure ?? new Error(`the save of the cache to ${this.file} failed`);
  }

  private async saveNow(): Promise<boolean> {
    const snapshot = this.cache.openSnapshot();
    try {
      const result = await writeCacheFile(this.file, snapshot, this.nextMode);
      this.savedVersion = snapshot.version;
      this.nextMode = 'normal';
      this.lastFailure = undefined;
      this.stats.cacheSaves++;
      this.logger('debug', `saved ${result.entries} cache entries (${result.bytes} bytes) to ${this.file} in ${Math.round(result.durationMs)} ms`);
      return true;
    } catch (error) {
      this.lastFailure = error instanceof Error ? error : new Error(String(error));
      this.stats.cacheSaveFailures++;
      this.logger('error', `cannot save the cache to ${this.file}: ${this.lastFailure.message} (failed saves so far: ${this.stats.cacheSaveFailures})`);
      return false;
    } finally {
      snapshot.close();
    }
  }
}
