/**
 * Files older than V3, read once and rewritten as V3 at the next save:
 *
 * - the reference's legacy format (PROTOCOL.md, transcript 12): lines of
 *   base64-encoded YAML (the values, their cache times, their access times,
 *   the last missing before Net::Clacks 22), then `ENDBYTES`;
 * - the JSON file earlier versions of net-clacks wrote
 *   (`{"format":"net-clacks-cache","entries":[[key,value],…]}`, latin1).
 * @module
 */
import type { CacheEntry } from '../cache.js';
import { PersistenceFormatError, toCacheEntry } from './raw-entry.js';
import { readYaml } from './yaml-reader.js';

/** Which old format a file was in. */
export type LegacyFormat = 'legacy' | 'legacy-pre22' | 'net-clacks-json';

export interface LegacyContent {
  format: LegacyFormat;
  entries: Array<[string, CacheEntry]>;
}

/** Reads a file that does not start with the V3 marker; throws PersistenceFormatError. */
export function readLegacy(text: string, now: number): LegacyContent {
  if (text.trimStart().startsWith('{')) return readNetClacksJson(text, now);
  return readReferenceLegacy(text, now);
}

function readReferenceLegacy(text: string, now: number): LegacyContent {
  // As the reference reads it: four lines, or three before version 22 (no access times).
  const lines = text.split('\n');
  const [values, cacheTimes, third, fourth] = lines;
  const pre22 = third === 'ENDBYTES' && (fourth === undefined || (fourth === '' && lines.length === 4));
  const end = pre22 ? third : fourth;
  if (values === undefined || cacheTimes === undefined || end !== 'ENDBYTES') {
    throw new PersistenceFormatError('neither a V3 file nor a complete legacy file (no ENDBYTES line)');
  }
  const data = decodeLine(values, 'values');
  const cachetimes = decodeLine(cacheTimes, 'cache times');
  const accesstimes = pre22 ? new Map<string, string>() : decodeLine(third as string, 'access times');
  const entries: Array<[string, CacheEntry]> = [];
  for (const [name, value] of data) {
    entries.push([name, toCacheEntry({ data: value, cachetime: cachetimes.get(name), accesstime: accesstimes.get(name) }, now)]);
  }
  // Keys with a cache time but no value were removed. The reference's upgrade
  // brings them back as live empty values; they are tombstones.
  for (const [name, cachetime] of cachetimes) {
    if (!data.has(name)) entries.push([name, toCacheEntry({ cachetime, accesstime: accesstimes.get(name), deleted: '1' }, now)]);
  }
  return { format: pre22 ? 'legacy-pre22' : 'legacy', entries };
}

/** One line: base64 of a YAML mapping of strings (an empty line is an empty mapping). */
function decodeLine(line: string, what: string): Map<string, string> {
  if (line === '') return new Map();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(line)) throw new PersistenceFormatError(`legacy file: the ${what} line is not base64`);
  const yaml = readYaml(Buffer.from(line, 'base64').toString('latin1'));
  if (!(yaml instanceof Map)) throw new PersistenceFormatError(`legacy file: the ${what} line is not a mapping`);
  const result = new Map<string, string>();
  for (const [name, value] of yaml) {
    if (value instanceof Map || Array.isArray(value)) throw new PersistenceFormatError(`legacy file: the ${what} of ${JSON.stringify(name)} is not a string`);
    result.set(name, value ?? '');
  }
  return result;
}

function readNetClacksJson(text: string, now: number): LegacyContent {
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (error) {
    throw new PersistenceFormatError(`not JSON: ${(error as Error).message}`);
  }
  const { format, entries } = (saved ?? {}) as { format?: unknown; entries?: unknown };
  if (format !== 'net-clacks-cache' || !Array.isArray(entries)) throw new PersistenceFormatError('JSON, but not a net-clacks cache file');
  return {
    format: 'net-clacks-json',
    entries: entries.map((item: unknown, index) => {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || typeof item[1] !== 'string') {
        throw new PersistenceFormatError(`net-clacks cache file: entry ${index} is not a [key, value] pair of strings`);
      }
      // That format kept no times: the entries are as fresh as the load.
      return [item[0], toCacheEntry({ data: item[1] }, now)];
    }),
  };
}
