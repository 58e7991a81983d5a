/**
 * Lines received, counted by command: one slot per command type in a
 * Float64Array, so that counting a line on the server's hot path is a
 * comparison or three and one increment (no allocation, no string built).
 * The command words are only looked at when the metrics are written.
 *
 * The hot commands (RETRIEVE, SET, STORE) are told apart by comparison;
 * the rest look their slot up by the type string, a keyed load that sees a
 * different key for every command and so goes megamorphic (about 20 ns a
 * line on this machine). A full switch would be as fast for every command
 * but is big enough (some 230 bytes of bytecode) to use up the inlining
 * budget of the server's line handler, which then inlines less of the
 * rest: that cost more than the lookups it saved.
 * @module
 */
import type { ClientCommandType } from '../../wire/index.js';

/**
 * The slot of each command type in a {@link CommandCounts}. A literal, so
 * that V8 keeps it a fast-mode object; {@link countCommand} knows the
 * first three by heart.
 */
export const COMMAND_SLOT: Readonly<Record<ClientCommandType, number>> = {
  retrieve: 0,
  store: 1,
  set: 2,
  notify: 3,
  setandstore: 4,
  remove: 5,
  increment: 6,
  decrement: 7,
  ping: 8,
  flush: 9,
  listen: 10,
  unlisten: 11,
  keylist: 12,
  clearcache: 13,
  noping: 14,
  monitor: 15,
  unmonitor: 16,
  clientlist: 17,
  clientdisconnect: 18,
  quit: 19,
  clacks: 20,
  overhead: 21,
  unknown: 22,
};

/** Counts one line of `type` (the server's hot path). */
export function countCommand(counts: CommandCounts, type: ClientCommandType): void {
  counts[type === 'retrieve' ? 0 : type === 'set' ? 2 : type === 'store' ? 1 : COMMAND_SLOT[type]]!++;
}

/**
 * The word the metrics label each command type with. Records, here and
 * above, so that a command type added to the wire layer (say, for
 * interclacks) does not compile until it has a slot and a word.
 */
export const COMMAND_WORDS: Readonly<Record<ClientCommandType, string>> = {
  retrieve: 'RETRIEVE',
  store: 'STORE',
  set: 'SET',
  notify: 'NOTIFY',
  setandstore: 'SETANDSTORE',
  remove: 'REMOVE',
  increment: 'INCREMENT',
  decrement: 'DECREMENT',
  ping: 'PING',
  flush: 'FLUSH',
  listen: 'LISTEN',
  unlisten: 'UNLISTEN',
  keylist: 'KEYLIST',
  clearcache: 'CLEARCACHE',
  noping: 'NOPING',
  monitor: 'MONITOR',
  unmonitor: 'UNMONITOR',
  clientlist: 'CLIENTLIST',
  clientdisconnect: 'CLIENTDISCONNECT',
  quit: 'QUIT',
  clacks: 'CLACKS',
  overhead: 'OVERHEAD',
  // Lines the server does not understand (answered with unknown_command).
  unknown: 'unknown',
};

const TYPES = Object.keys(COMMAND_WORDS) as ClientCommandType[];

/**
 * The interclacks lines the client parser leaves `unknown` but the server
 * understands (commands.ts, handleLinkLine): counted under their own word,
 * in the slots after the command types', so that a sync's KEYSYNC lines do
 * not show as lines the server does not understand.
 */
const LINK_WORDS = ['KEYSYNC', 'TIMEOUT'] as const;

/** Lines received per command type, indexed by {@link COMMAND_SLOT} (then the {@link LINK_WORDS}). */
export type CommandCounts = Float64Array;

export function newCommandCounts(): CommandCounts {
  return new Float64Array(TYPES.length + LINK_WORDS.length);
}

/** Counts an `unknown` line: a KEYSYNC or TIMEOUT line under its word, anything else as `unknown`. */
export function countUnknown(counts: CommandCounts, line: string): void {
  const link = line.startsWith('KEYSYNC') ? 0 : line.startsWith('TIMEOUT') ? 1 : -1;
  counts[link === -1 ? COMMAND_SLOT.unknown : TYPES.length + link]!++;
}

/** The counts by command word (`RETRIEVE`, …, `unknown`, `KEYSYNC`, `TIMEOUT`), every command included. */
export function countsByWord(counts: CommandCounts): Array<[word: string, count: number]> {
  const words: Array<[word: string, count: number]> = TYPES.map((type) => [COMMAND_WORDS[type], counts[COMMAND_SLOT[type]] ?? 0]);
  LINK_WORDS.forEach((word, index) => words.push([word, counts[TYPES.length + index] ?? 0]));
  return words;
}
