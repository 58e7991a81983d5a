/**
 * Optional persistence of the cache: saved atomically (temporary file, fsync,
 * rename) every `persistInterval` when something changed and on shutdown,
 * loaded on start. A file that cannot be read as a saved cache is reported
 * and the server starts empty rather than not at all.
 *
 * The file is JSON written as latin1: keys and values are byte strings, so
 * UTF-8 data appears in the file as UTF-8 and every other byte round-trips.
 * @module
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { Cache } from './cache.js';
import type { ServerLogger } from './options.js';

const FORMAT = 'net-clacks-cache';

interface SavedCache {
  format: typeof FORMAT;
  version: 1;
  savedAt: string;
  entries: Array<[string, string]>;
}

/** Loads `file` into `cache`; a missing file is an empty cache, a corrupt one is reported. */
export async function loadCache(file: string, cache: Cache, logger: ServerLogger): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    logger('error', `cannot read the cache file ${file}: ${(error as Error).message}; starting with an empty cache`);
    return;
  }
  const entries = parseSavedCache(text);
  if (entries === undefined) {
    logger('error', `the cache file ${file} is corrupt; starting with an empty cache (the file is replaced at the next save)`);
    return;
  }
  cache.load(entries);
  logger('info', `loaded ${entries.length} keys from ${file}`);
}

function parseSavedCache(text: string): Array<[string, string]> | undefined {
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof saved !== 'object' || saved === null) return undefined;
  const { format, entries } = saved as Partial<SavedCache>;
  if (format !== FORMAT || !Array.isArray(entries)) return undefined;
  const valid = entries.every(
    (entry: unknown) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string',
  );
  return valid ? entries : undefined;
}

/** Writes the cache to `file` so that a reader sees the old file or the new one, never half of one. */
export async function saveCache(file: string, cache: Cache): Promise<void> {
  const saved: SavedCache = { format: FORMAT, version: 1, savedAt: new Date().toISOString(), entries: cache.snapshot() };
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(saved), 'latin1');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** Saves on a timer when the cache changed, and once more on `stop`. */
export class Persister {
  private readonly file: string;
  private readonly cache: Cache;
  private readonly logger: ServerLogger;
  private savedVersion: number;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(file: string, cache: Cache, logger: ServerLogger) {
    this.file = file;
    this.cache = cache;
    this.logger = logger;
    this.savedVersion = cache.version;
  }

  start(interval: number): void {
    if (interval > 0) this.timer = setInterval(() => void this.save(), interval).unref();
  }

  /** Saves now if anything changed since the last save; never throws (errors are logged). */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const version = this.cache.version;
      if (version === this.savedVersion) return;
      try {
        await saveCache(this.file, this.cache);
        this.savedVersion = version;
      } catch (error) {
        this.logger('error', `cannot save the cache to ${this.file}: ${(error as Error).message}`);
      }
    });
    return this.saving;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.save();
  }
}
