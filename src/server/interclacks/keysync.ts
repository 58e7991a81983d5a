/**
 * `KEYSYNC` lines: one cache entry crossing an interclacks link (PROTOCOL.md,
 * "Interclacks"), `KEYSYNC <cachetime> <accesstime> U <key>=<value>` for a
 * live entry and `KEYSYNC <cachetime> 0 D <key>=REMOVED` for a tombstone.
 *
 * Reading follows the reference's pattern
 * `^KEYSYNC (.+?) (.+?) (.+?) (.+?)=(.*)`: the key ends at the FIRST `=`
 * after the mode. A key that itself holds `=` (INCREMENT splits at the last
 * `=`, so `INCREMENT weird=` makes the key `weird=`) cannot be written that
 * way: the reference reads `U weird==1` back as the key `weird` with the
 * value `=1` (transcript 11, scenario a). So we write such a key only to our
 * own servers, in an escaped form they read back exactly (mode `U%` / `D%`,
 * `%` and `=` in the key percent-encoded), and never to a Perl server: the
 * dump leaves it out and says so in the log (a live INCREMENT of it still
 * crosses, and the reference reads that one right).
 * @module
 */
import type { CacheEntry } from '../cache.js';
import { formatDouble, toPerlNumber } from '../perl-number.js';

/** One parsed KEYSYNC line; times as sent, in the sender's clock. */
export interface KeysyncLine {
  cachetime: number;
  accesstime: number;
  deleted: boolean;
  name: string;
  value: string;
}

/** How a KEYSYNC line is written for one peer. */
export type KeysyncDialect = 'reference' | 'net-clacks';

/** Parses a KEYSYNC line as the reference does; undefined when it does not match. */
export function parseKeysync(line: string): KeysyncLine | undefined {
  if (!line.startsWith('KEYSYNC ')) return undefined;
  const cachetimeEnd = line.indexOf(' ', 9);
  if (cachetimeEnd === -1) return undefined;
  const accesstimeEnd = line.indexOf(' ', cachetimeEnd + 2);
  if (accesstimeEnd === -1) return undefined;
  const modeEnd = line.indexOf(' ', accesstimeEnd + 2);
  if (modeEnd === -1) return undefined;
  const equals = line.indexOf('=', modeEnd + 2);
  if (equals === -1) return undefined;
  const mode = line.slice(accesstimeEnd + 1, modeEnd);
  const escaped = mode.length === 2 && mode.charCodeAt(1) === 0x25; // U% / D%
  const rawName = line.slice(modeEnd + 1, equals);
  const name = escaped ? unescapeKey(rawName) : rawName;
  if (name === undefined) return undefined;
  // Any mode other than D stores, as in the reference.
  const deleted = mode === 'D' || mode === 'D%';
  return {
    cachetime: perlFloat(line.slice(8, cachetimeEnd)),
    accesstime: perlFloat(line.slice(cachetimeEnd + 1, accesstimeEnd)),
    deleted,
    name,
    value: deleted ? '' : line.slice(equals + 1),
  };
}

/**
 * The KEYSYNC line (CRLF included) for an entry, or undefined when the key
 * cannot cross to this peer (a key with `=` to a Perl server).
 */
export function encodeKeysync(name: string, entry: CacheEntry, dialect: KeysyncDialect): string | undefined {
  let key = name;
  let escape = '';
  if (name.includes('=')) {
    if (dialect === 'reference') return undefined;
    key = escapeKey(name);
    escape = '%';
  }
  if (entry.deleted) return `KEYSYNC ${formatDouble(entry.cachetime)} 0 D${escape} ${key}=REMOVED\r\n`;
  return `KEYSYNC ${formatDouble(entry.cachetime)} ${formatDouble(entry.accesstime)} U${escape} ${key}=${entry.data}\r\n`;
}

/**
 * The entry a KEYSYNC line makes on the receiving server: times shifted by
 * the link's clock offset (receiver's clock minus the sender's `OVERHEAD T`),
 * an access time of 0 kept as 0 (the reference's `if($atimestamp)`).
 */
export function syncedEntry(line: KeysyncLine, offset: number): CacheEntry {
  return {
    data: line.deleted ? '' : line.value,
    cachetime: line.cachetime + offset,
    accesstime: line.accesstime === 0 ? 0 : line.accesstime + offset,
    deleted: line.deleted,
  };
}

/** `OVERHEAD T <epoch>`: the sender's clock, for the receiver's offset. */
export function timestampLine(now: number): string {
  return `OVERHEAD T ${formatDouble(now)}\r\n`;
}

/** A time as Perl's `0 + $text` reads it (a leading number, else 0), as a double. */
export function perlFloat(text: string): number {
  const number = toPerlNumber(text);
  const value = number.kind === 'integer' ? Number(number.value) : number.value;
  return Number.isFinite(value) ? value : 0;
}

function escapeKey(name: string): string {
  return name.replaceAll('%', '%25').replaceAll('=', '%3D');
}

function unescapeKey(text: string): string | undefined {
  if (!text.includes('%')) return text;
  let bad = false;
  const name = text.replace(/%(25|3D|3d)|%/g, (_match, code: string | undefined) => {
    if (code === undefined) bad = true;
    return code === '25' ? '%' : '=';
  });
  return bad ? undefined : name;
}
