/**
 * Test helpers: read the recorded transcripts from test/fixtures and frame
 * them into lines the way both sides of net-clacks do.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineReader, type LineReaderOptions } from '../../src/wire/index.js';

const TRANSCRIPTS = fileURLToPath(new URL('../fixtures/transcripts/', import.meta.url));

/** Names of the recorded streams, e.g. `02_cache_commands.A.s2c`, sorted. */
export function streamNames(direction: 'c2s' | 's2c'): string[] {
  return readdirSync(TRANSCRIPTS)
    .filter((file) => file.endsWith(`.${direction}.bin`))
    .map((file) => file.slice(0, -'.bin'.length))
    .sort();
}

/** The exact bytes of one recorded stream. */
export function readStream(name: string): Buffer {
  return readFileSync(`${TRANSCRIPTS}${name}.bin`);
}

/** Frames `bytes` with a LineReader, fed in chunks of `chunkSize` bytes (all at once by default). */
export function frame(bytes: Buffer, chunkSize = bytes.length, options?: LineReaderOptions): string[] {
  const lines: string[] = [];
  const reader = new LineReader((line) => lines.push(line), options);
  const step = Math.max(1, chunkSize);
  for (let offset = 0; offset < bytes.length; offset += step) reader.push(bytes.subarray(offset, offset + step));
  return lines;
}
