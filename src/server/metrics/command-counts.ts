/**
 * Lines received, counted by command: one slot per command type in a
 * Float64Array, so that counting a line on the server's hot path is one
 * index lookup and one increment (no allocation, no string built). The
 * command words are only looked at when the metrics are written.
 * @module
 */
import type { ClientCommandType } from '../../wire/index.js';

/**
 * Every command type, its slot, and the word the metrics label it with.
 * A Record, so that a command type added to the wire layer (say, for
 * interclacks) does not compile until it has a slot here.
 */
const WORDS: Readonly<Record<ClientCommandType, string>> = {
  clacks: 'CLACKS',
  overhead: 'OVERHEAD',
  notify: 'NOTIFY',
  set: 'SET',
  setandstore: 'SETANDSTORE',
  listen: 'LISTEN',
  unlisten: 'UNLISTEN',
  store: 'STORE',
  retrieve: 'RETRIEVE',
  remove: 'REMOVE',
  increment: 'INCREMENT',
  decrement: 'DECREMENT',
  keylist: 'KEYLIST',
  clearcache: 'CLEARCACHE',
  flush: 'FLUSH',
  ping: 'PING',
  noping: 'NOPING',
  monitor: 'MONITOR',
  unmonitor: 'UNMONITOR',
  clientlist: 'CLIENTLIST',
  clientdisconnect: 'CLIENTDISCONNECT',
  quit: 'QUIT',
  // Lines the server does not understand (answered with unknown_command).
  unknown: 'unknown',
};

const TYPES = Object.keys(WORDS) as ClientCommandType[];

/** The slot of each command type in a {@link CommandCounts}. */
export const COMMAND_SLOT: Readonly<Record<ClientCommandType, number>> = Object.fromEntries(TYPES.map((type, slot) => [type, slot])) as Record<ClientCommandType, number>;

/** Lines received per command type, indexed by {@link COMMAND_SLOT}. */
export type CommandCounts = Float64Array;

export function newCommandCounts(): CommandCounts {
  return new Float64Array(TYPES.length);
}

/** The counts by command word (`RETRIEVE`, …, `unknown`), every command included, in a fixed order. */
export function countsByWord(counts: CommandCounts): Array<[word: string, count: number]> {
  return TYPES.map((type, slot) => [WORDS[type], counts[slot] ?? 0]);
}
