/**
 * Which file the cache comes from on start, in the reference's order
 * (PROTOCOL.md, "The persistence file"): `<file>`, then the backup
 * `<file>_bck`, then `<file>_` (the temporary file a Perl server may have
 * left behind while saving); if none loads, the cache starts empty. What it
 * found decides the first save, as for the reference: none after a clean
 * V3 main file, a save soon after an older format (rewritten as V3), and a
 * "force" save at once after a fallback, so that main and backup are good
 * again. Unlike the reference we keep a main file that did not load as
 * `<file>_corrupt` instead of overwriting it.
 * @module
 */
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Cache } from '../cache.js';
import type { ServerLogger } from '../options.js';
import { PersistenceFormatError } from './raw-entry.js';
import { readPersistenceFile, type FileFormat } from './read-file.js';
import { backupPath, isOurTemporaryFile, referenceTemporaryPath, type SaveMode } from './write-file.js';

/** What the start found, and the save it calls for. */
export interface LoadOutcome {
  /** The file the cache came from, or undefined when it starts empty. */
  source: string | undefined;
  format: FileFormat | undefined;
  entries: number;
  /** `none`: the main file is current; `normal`: rewrite it as V3 soon; `force`: save main and backup now. */
  save: SaveMode | 'none';
}

/** Where a main file that did not load is kept. */
export const corruptPath = (file: string): string => `${file}_corrupt`;

export async function loadCacheFile(file: string, cache: Cache, logger: ServerLogger, now: number): Promise<LoadOutcome> {
  await removeOurTemporaryFiles(file, logger);
  const candidates = [
    { path: file, what: 'persistence file' },
    { path: backupPath(file), what: 'backup persistence file' },
    { path: referenceTemporaryPath(file), what: "temporary persistence file of a Perl server's interrupted save" },
  ];
  let mainFailed = false;
  for (const [index, { path, what }] of candidates.entries()) {
    if (!(await isFile(path))) continue;
    try {
      const content = await readPersistenceFile(path, now);
      cache.load(content.entries);
      const upgraded = content.format !== 'v3';
      logger('info', `loaded ${content.entries.length} cache entries from the ${what} ${path}${upgraded ? ` (${content.format} format; it is rewritten as V3 at the next save)` : ''}`);
      if (index > 0 && mainFailed) await keepCorruptMain(file, logger);
      return { source: path, format: content.format, entries: content.entries.length, save: index > 0 ? 'force' : content.canonical ? 'none' : 'normal' };
    } catch (error) {
      const reason = error instanceof PersistenceFormatError ? error.message : `cannot read it: ${(error as Error).message}`;
      logger(index === 0 ? 'error' : 'warn', `the ${what} ${path} does not load: ${reason}`);
      if (index === 0) mainFailed = true;
    }
  }
  if (mainFailed) await keepCorruptMain(file, logger);
  logger(mainFailed ? 'error' : 'info', `no persistence file loaded; starting with an empty cache (saved to ${file} now)`);
  return { source: undefined, format: undefined, entries: 0, save: 'force' };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The damaged main file is about to be replaced: keep its bytes for whoever wants to look at them. */
async function keepCorruptMain(file: string, logger: ServerLogger): Promise<void> {
  try {
    await rename(file, corruptPath(file));
    logger('warn', `kept the persistence file that did not load as ${corruptPath(file)}`);
  } catch (error) {
    logger('warn', `could not keep the persistence file that did not load as ${corruptPath(file)}: ${(error as Error).message}`);
  }
}

/** Temporary files of ours are only left by a crash mid-save; the main file never depends on them. */
async function removeOurTemporaryFiles(file: string, logger: ServerLogger): Promise<void> {
  const directory = dirname(file);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names) {
    if (!isOurTemporaryFile(file, name)) continue;
    const path = join(directory, name);
    await unlink(path).then(
      () => logger('info', `removed ${path}, left by an interrupted save`),
      () => {},
    );
  }
}
