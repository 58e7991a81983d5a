/**
 * Reads one persistence file, whatever its format, checking it the way the
 * reference does before it trusts it (transcript 12, "What the server does
 * on load"): shorter than 11 bytes is "too small"; without the leading
 * marker it is read as one of the older formats; shorter than 18 bytes or
 * without the trailing marker it is incomplete; YAML that does not load, or
 * that is not a mapping of entries, is invalid. (The reference accepts a
 * document that is not a mapping and dies at the next KEYLIST; we refuse it.)
 * @module
 */
import { open } from 'node:fs/promises';
import type { CacheEntry } from '../cache.js';
import { readLegacy, type LegacyFormat } from './legacy-formats.js';
import { ENTRY_FIELDS, PersistenceFormatError, toCacheEntry, type RawEntry } from './raw-entry.js';
import { NotSyckLayout, SyckLayoutReader } from './syck-reader.js';
import { V3_MARKER } from './v3-format.js';
import { readYaml } from './yaml-reader.js';

/** The formats a file can be in. */
export type FileFormat = 'v3' | LegacyFormat;

export interface FileContent {
  format: FileFormat;
  entries: Array<[string, CacheEntry]>;
  /** Whether the file is exactly what we would write for it (else it is rewritten at the next save). */
  canonical: boolean;
}

const MARKER = Buffer.from(V3_MARKER, 'latin1');
const CHUNK = 1 << 20;
/** Text read whole (old formats, YAML not in Syck's layout) must stay well inside V8's string limit. */
const WHOLE_TEXT_LIMIT = 256 * 1024 * 1024;

/** Reads `path`; throws PersistenceFormatError for content that is not a saved cache, or the fs error. */
export async function readPersistenceFile(path: string, now: number): Promise<FileContent> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 11) throw new PersistenceFormatError(`too small (${size} bytes)`);
    const head = await readAt(handle, 0, MARKER.length);
    if (!head.equals(MARKER)) {
      if (size > WHOLE_TEXT_LIMIT) throw new PersistenceFormatError(`no V3 marker, and too large (${size} bytes) for an older format`);
      return { ...readLegacy((await readAt(handle, 0, size)).toString('latin1'), now), canonical: false };
    }
    if (size < 2 * MARKER.length) throw new PersistenceFormatError(`incomplete V3 file (too small, ${size} bytes)`);
    if (!(await readAt(handle, size - MARKER.length, MARKER.length)).equals(MARKER)) {
      throw new PersistenceFormatError('incomplete V3 file (missing end marker)');
    }
    const bodyEnd = size - MARKER.length;
    try {
      const entries = await readSyckLayout(handle, MARKER.length, bodyEnd, now);
      return { format: 'v3', entries: entries ?? [], canonical: entries !== undefined };
    } catch (error) {
      if (!(error instanceof NotSyckLayout)) throw error;
    }
    if (bodyEnd - MARKER.length > WHOLE_TEXT_LIMIT) throw new PersistenceFormatError('YAML not in the layout YAML::Syck writes, and too large to read whole');
    const body = (await readAt(handle, MARKER.length, bodyEnd - MARKER.length)).toString('latin1');
    return { format: 'v3', entries: entriesOf(body, now), canonical: false };
  } finally {
    await handle.close();
  }
}

async function readAt(handle: import('node:fs/promises').FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new PersistenceFormatError('the file changed while it was read');
    done += bytesRead;
  }
  return buffer;
}

/**
 * Streams the body line by line through the Syck-layout reader: no more
 * memory than the entries themselves. Undefined for a body without a
 * document (the two markers only), which is an empty cache.
 */
async function readSyckLayout(
  handle: import('node:fs/promises').FileHandle,
  start: number,
  end: number,
  now: number,
): Promise<Array<[string, CacheEntry]> | undefined> {
  const entries: Array<[string, CacheEntry]> = [];
  const reader = new SyckLayoutReader((name, raw) => entries.push([name, toCacheEntry(raw, now)]));
  // The start of a line that did not end in the chunks read so far (a long value spans many).
  let pending: string[] = [];
  for (let position = start; position < end; position += CHUNK) {
    const chunk = (await readAt(handle, position, Math.min(CHUNK, end - position))).toString('latin1');
    const lines = chunk.split('\n');
    if (lines.length === 1) {
      pending.push(chunk);
      continue;
    }
    pending.push(lines[0] as string);
    lines[0] = pending.join('');
    pending = [lines.pop() as string];
    for (const line of lines) reader.line(line);
  }
  const last = pending.join('');
  if (last !== '') reader.line(last);
  return reader.end() ? entries : undefined;
}

/** The general YAML reader, for bodies in any other layout (JSON included). */
function entriesOf(body: string, now: number): Array<[string, CacheEntry]> {
  const document = readYaml(body);
  // An empty body (the two markers only) is an empty cache, as for the reference.
  if (document === undefined) return [];
  if (!(document instanceof Map)) throw new PersistenceFormatError(`the YAML is a ${Array.isArray(document) ? 'list' : 'string'}, not a mapping of entries`);
  const entries: Array<[string, CacheEntry]> = [];
  for (const [name, value] of document) {
    if (!(value instanceof Map)) throw new PersistenceFormatError(`the entry ${JSON.stringify(name)} is not a mapping`);
    const raw: RawEntry = {};
    for (const field of ENTRY_FIELDS) {
      const text = value.get(field);
      if (text instanceof Map || Array.isArray(text)) throw new PersistenceFormatError(`the ${field} of ${JSON.stringify(name)} is not a string`);
      raw[field] = text;
    }
    entries.push([name, toCacheEntry(raw, now)]);
  }
  return entries;
}
