/**
 * Saving the cache as a V3 file without ever stalling the server, and so
 * that a crash at any moment (kill -9, power loss) leaves a file that loads.
 *
 * - The entries come from a point-in-time snapshot, sorted incrementally and
 *   written in chunks of about 1 MiB, with the event loop free between
 *   chunks and at least every few milliseconds: there is never a string of
 *   the whole cache, so a cache of any size that fits in memory saves.
 * - The new content goes to a temporary file next to the main one, created
 *   exclusively (`wx`) under an unpredictable name, fsynced, then renamed
 *   over the main file; the directory is fsynced after the rename. A failed
 *   save removes its temporary file.
 * - Backup rotation as the reference does it: a normal save keeps the
 *   previous main file as `<file>_bck`; a "force" save (after starting from
 *   the backup, from the reference's `<file>_`, or from nothing) leaves main
 *   and backup equal. The previous file becomes the backup by a hard link
 *   (instant, atomic), or by a copy where links are not supported.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CacheSnapshot } from '../cache.js';
import { sortIncrementally, yieldToEventLoop } from '../../util/incremental-sort.js';
import { formatEntry, V3_EMPTY, V3_HEADER, V3_MARKER } from './v3-format.js';

/** `normal`: the old main file becomes the backup. `force`: the new file becomes main and backup. */
export type SaveMode = 'normal' | 'force';

/** What a save wrote. */
export interface SaveResult {
  entries: number;
  bytes: number;
  durationMs: number;
}

/** Write once this much text has piled up… */
const CHUNK_CHARS = 1 << 20;
/** …or once this much time went into formatting, whichever comes first. */
const SLICE_MS = 2;
/** How often (in entries) the slice clock is read. */
const CLOCK_EVERY = 32;

/** The backup next to `file`, as the reference names it. */
export const backupPath = (file: string): string => `${file}_bck`;
/** The temporary file the reference writes while saving; we only ever read it (as the last resort). */
export const referenceTemporaryPath = (file: string): string => `${file}_`;

/** A temporary name no other process can guess: `<file>_.<16 hex>.tmp` (or `<file>_bck.<16 hex>.tmp`). */
function temporaryPath(target: string): string {
  return `${target}${target.endsWith('_bck') ? '' : '_'}.${randomBytes(8).toString('hex')}.tmp`;
}

/** Our temporary files next to `file`, as {@link temporaryPath} names them (left behind only by a crash). */
export function isOurTemporaryFile(file: string, name: string): boolean {
  const base = file.slice(dirname(file).length + 1);
  return name.startsWith(base) && /^(?:_|_bck)\.[0-9a-f]{16}\.tmp$/.test(name.slice(base.length));
}

/** Writes `snapshot` to `file` (see the module comment); throws on any failure, leaving no temporary file. */
export async function writeCacheFile(file: string, snapshot: CacheSnapshot, mode: SaveMode): Promise<SaveResult> {
  const started = performance.now();
  const temporary = temporaryPath(file);
  const fileMode = await modeOf(file);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx', fileMode);
    await handle.chmod(fileMode); // exactly that mode, whatever the umask
    const { entries, bytes } = await writeEntries(handle, snapshot);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (mode === 'normal') await keepAsBackup(file, 'link');
    await rename(temporary, file);
    // A copy, not a link: main and backup must not be one file that an edit of either changes.
    if (mode === 'force') await keepAsBackup(file, 'copy');
    await syncDirectory(dirname(file));
    return { entries, bytes, durationMs: performance.now() - started };
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

async function writeEntries(handle: FileHandle, snapshot: CacheSnapshot): Promise<{ entries: number; bytes: number }> {
  if (snapshot.size === 0) {
    await writeAll(handle, V3_EMPTY);
    return { entries: 0, bytes: V3_EMPTY.length };
  }
  const names = await sortIncrementally(snapshot.keys());
  let text = V3_MARKER + V3_HEADER;
  let bytes = 0;
  let entries = 0;
  let sliceStart = performance.now();
  for (let name = names.next(); name !== undefined; name = names.next()) {
    text += formatEntry(name, snapshot.entry(name));
    entries++;
    if (text.length < CHUNK_CHARS && (entries % CLOCK_EVERY !== 0 || performance.now() - sliceStart < SLICE_MS)) continue;
    bytes += await writeAll(handle, text);
    text = '';
    // The write let other work run; make sure timers and sockets got a turn too.
    await yieldToEventLoop();
    sliceStart = performance.now();
  }
  bytes += await writeAll(handle, text + V3_MARKER);
  return { entries, bytes };
}

/** Writes latin1 text (one byte per char) completely. */
async function writeAll(handle: FileHandle, text: string): Promise<number> {
  const buffer = Buffer.from(text, 'latin1');
  let done = 0;
  while (done < buffer.length) done += (await handle.write(buffer, done, buffer.length - done)).bytesWritten;
  return buffer.length;
}

/**
 * The current main file becomes `<file>_bck`, atomically: a hard link (for
 * the file a rename is about to take the main name from) or a copy.
 * Nothing to do when there is no main file yet.
 */
async function keepAsBackup(file: string, how: 'link' | 'copy'): Promise<void> {
  const backup = backupPath(file);
  const temporary = temporaryPath(backup);
  try {
    if (how === 'link') {
      try {
        await link(file, temporary);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK' && code !== 'ENOSYS') throw error;
        how = 'copy';
      }
    }
    if (how === 'copy') {
      try {
        await copyFile(file, temporary, constants.COPYFILE_EXCL);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      const copy = await open(temporary, 'r+');
      try {
        await copy.sync();
      } finally {
        await copy.close();
      }
    }
    await rename(temporary, backup);
  } finally {
    // Gone after a rename, except when backup and temporary already were one file (rename then does nothing).
    await unlink(temporary).catch(() => {});
  }
}

/** The mode of the existing main file (so an operator's choice survives saves), else owner-only. */
async function modeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).mode & 0o777;
  } catch {
    return 0o600;
  }
}

/** Makes a rename durable. Some file systems cannot fsync a directory (EINVAL, EISDIR); nothing more can be done there. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync().catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EINVAL' && error.code !== 'EISDIR' && error.code !== 'ENOTSUP') throw error;
    });
  } finally {
    await handle.close();
  }
}
