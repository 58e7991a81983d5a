/**
 * The reference's current persistence format, "V3" (PROTOCOL.md, "The
 * persistence file"; transcript 12): the 9 bytes `\0CLACKSV3`, a YAML::Syck
 * dump of `{ key => { accesstime, cachetime, data, deleted } }` with the keys
 * sorted, and `\0CLACKSV3` again. This module writes it one entry at a time.
 * @module
 */
import type { CacheEntry } from '../cache.js';
import { formatDouble } from '../perl-number.js';
import { isUnquotableInteger, syckScalar } from './syck-scalar.js';

/** Both markers: a NUL byte and `CLACKSV3`. */
export const V3_MARKER = '\0CLACKSV3';

/** The YAML document start that precedes a non-empty mapping (note the space). */
export const V3_HEADER = '--- \n';

/** A complete V3 file of an empty cache: `--- {}` and two line feeds between the markers (26 bytes). */
export const V3_EMPTY = `${V3_MARKER}--- {}\n\n${V3_MARKER}`;

/**
 * A time as Perl prints a Time::HiRes float (`%.15g`: 15 significant
 * digits, trailing zeros dropped), single-quoted as Syck quotes every
 * non-integer number. A whole number short enough to be an "unquotable
 * integer" (the `0` a KEYSYNC tombstone carries) stays plain, as it does in
 * the reference's files.
 */
export function formatTime(seconds: number): string {
  const text = formatSeconds(seconds);
  return Number.isInteger(seconds) && isUnquotableInteger(text) ? text : `'${text}'`;
}

function formatSeconds(seconds: number): string {
  // The usual case, 10-digit epoch seconds: %.15g keeps 5 decimals. toFixed
  // rounds exactly, and no double with 5 decimals lies exactly halfway.
  if (seconds >= 1e9 && seconds < 1e10) {
    const fixed = seconds.toFixed(5);
    let end = fixed.length;
    while (fixed.charCodeAt(end - 1) === 0x30) end--;
    if (fixed.charCodeAt(end - 1) === 0x2e) end--;
    return fixed.slice(0, end);
  }
  return formatDouble(seconds);
}

/** One entry of the mapping: its key line and its four fields, sorted as Syck sorts them. */
export function formatEntry(name: string, entry: CacheEntry): string {
  return (
    `${syckScalar(name, true)}: \n` +
    `  accesstime: ${formatTime(entry.accesstime)}\n` +
    `  cachetime: ${formatTime(entry.cachetime)}\n` +
    `  data: ${syckScalar(entry.data)}\n` +
    `  deleted: ${entry.deleted ? 1 : 0}\n`
  );
}
