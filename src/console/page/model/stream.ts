/**
 * Entries of the traffic stream: the monitor's DEBUG lines, the SET and
 * NOTIFY of listened names, server errors and messages, link changes.
 * @module
 */
import { redactLine } from '../../../util/redact.js';

/** What an entry is, for its badge and colour. */
export type EntryKind = 'command' | 'signal' | 'set' | 'notify' | 'connected' | 'disconnected' | 'cache' | 'error' | 'message' | 'link';

/** One line of the stream. */
export interface StreamEntry {
  seq: number;
  /** ms since epoch. */
  time: number;
  kind: EntryKind;
  /** The badge text: a command word (`STORE`), `SET`, `CONNECTED`… */
  label: string;
  /** Who: a client id, `listen` for signals received, `server`, `console`. */
  source: string;
  /** The name the line is about, if any (the filter matches it). */
  name: string;
  /** The rest: a value, a message. */
  detail: string;
}

/** An entry before the stream numbers and times it. */
export type EntryFields = Omit<StreamEntry, 'seq' | 'time'>;

/** The most characters of a field an entry keeps (a value may be 16 MiB; the stream shows a line of it). */
export const MAX_FIELD_CHARS = 1000;

/**
 * An entry's fields, each at most {@link MAX_FIELD_CHARS} characters (a cut
 * one says how long it was), and each a string of its own: a slice of a
 * long line (`name` of `SET name=<16 MiB>`) would keep the whole line alive.
 * Kept entries so cost the page a bounded number of bytes, not only of lines.
 */
export function boundedEntry(entry: EntryFields): EntryFields {
  return { kind: entry.kind, label: bounded(entry.label), source: bounded(entry.source), name: bounded(entry.name), detail: bounded(entry.detail) };
}

function bounded(text: string): string {
  if (text.length <= MAX_FIELD_CHARS) return [...text].join('');
  return `${[...text.slice(0, MAX_FIELD_CHARS)].join('')}… (${text.length.toLocaleString('en-US')} characters)`;
}

/** Command words that send a signal (counted as events per second). */
const SIGNALS = new Set(['SET', 'NOTIFY', 'SETANDSTORE']);

/** The parts of a client's command as the monitor shows it: `STORE k=v` → STORE, k, v. */
export function parseCommand(text: string): { verb: string; name: string; detail: string } {
  const space = text.indexOf(' ');
  if (space === -1) return { verb: text, name: '', detail: '' };
  const verb = text.slice(0, space);
  const rest = text.slice(space + 1);
  if (verb === 'OVERHEAD' || verb === 'CLACKS' || verb === 'FLUSH' || verb === 'CLIENTDISCONNECT') return { verb, name: '', detail: rest };
  const eq = rest.indexOf('=');
  return eq === -1 ? { verb, name: rest, detail: '' } : { verb, name: rest.slice(0, eq), detail: rest.slice(eq + 1) };
}

/** Whether a command word sends a signal. */
export function isSignal(verb: string): boolean {
  return SIGNALS.has(verb);
}

/**
 * A DEBUG line as a stream entry. `sender=text` is a client id and the line
 * it sent, or CONNECTED/DISCONNECTED and a client id, or SERVERCACHE and a
 * cleanup. Login lines lose their token (the reference server mirrors them).
 */
export function debugEntry(sender: string, text: string): EntryFields {
  const shown = redactLine(text);
  if (sender === 'CONNECTED') return { kind: 'connected', label: 'CONNECTED', source: 'server', name: '', detail: shown };
  if (sender === 'DISCONNECTED') return { kind: 'disconnected', label: 'DISCONNECTED', source: 'server', name: '', detail: shown };
  if (sender === 'SERVERCACHE') {
    const eq = shown.indexOf('=');
    return { kind: 'cache', label: eq === -1 ? shown : shown.slice(0, eq), source: 'server', name: eq === -1 ? '' : shown.slice(eq + 1), detail: '' };
  }
  const { verb, name, detail } = parseCommand(shown);
  return { kind: isSignal(verb) ? 'signal' : 'command', label: verb, source: sender, name, detail };
}

/** Whether an entry passes the stream's name filter (a case-insensitive part of its name). */
export function matchesFilter(entry: EntryFields, filter: string): boolean {
  if (filter === '') return true;
  return entry.name.toLowerCase().includes(filter.toLowerCase());
}
