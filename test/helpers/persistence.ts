/**
 * Persistence fixtures: the files the reference server wrote in transcript 12
 * (test/fixtures/persistence/<name>.dat, byte for byte), and small helpers to
 * read and write cache files without a server.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cache, type CacheEntry } from '../../src/server/cache.js';
import { readPersistenceFile } from '../../src/server/persistence/read-file.js';
import { writeCacheFile, type SaveMode } from '../../src/server/persistence/write-file.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/persistence/', import.meta.url));

/** The samples of transcript 12. */
export type Sample =
  | 'values'
  | 'step2'
  | 'empty'
  | 'json_body'
  | 'json_body_resaved'
  | 'legacy_v21'
  | 'legacy_v21_upgraded'
  | 'legacy_pre22'
  | 'legacy_pre22_upgraded'
  | 'net_master'
  | 'net_slave';

export const samplePath = (name: Sample): string => join(FIXTURES, `${name}.dat`);
export const sampleBytes = (name: Sample): Buffer => readFileSync(samplePath(name));

/** Copies a sample to `target` (e.g. a test server's persistence file). */
export function placeSample(name: Sample, target: string): void {
  copyFileSync(samplePath(name), target);
}

/** A latin1 string (one char per byte) from UTF-8 text or raw bytes: how the server holds names and values. */
export const bytes = (text: string | number[]): string => Buffer.from(typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('latin1');

/** Reads a file into a Map of entries. */
export async function readEntries(path: string, now = 2_000_000_000): Promise<Map<string, CacheEntry>> {
  return new Map((await readPersistenceFile(path, now)).entries);
}

/** Writes `entries` to `path` as the server would, and returns the file's bytes. */
export async function writeEntries(path: string, entries: Iterable<[string, CacheEntry]>, mode: SaveMode = 'normal'): Promise<Buffer> {
  const cache = new Cache();
  cache.load(entries);
  const snapshot = cache.openSnapshot();
  try {
    await writeCacheFile(path, snapshot, mode);
  } finally {
    snapshot.close();
  }
  return readFileSync(path);
}

const directories: string[] = [];

/** A fresh directory, removed by `removeScratchDirectories()`. */
export function scratchDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'clacks-persist-'));
  directories.push(directory);
  return directory;
}

export function removeScratchDirectories(): void {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}
