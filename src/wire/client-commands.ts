/**
 * The client-to-server vocabulary: typed records for every command a client
 * can send, their encoding, and the parser the embedded server uses. Parsing
 * follows the reference server exactly (PROTOCOL.md, "Commands, client to
 * server"): case-sensitive command words matched as a prefix, the name ending
 * at the first `=` (at the last `=` for INCREMENT/DECREMENT), and anything
 * else an unknown command.
 * @module
 */
import { platform } from '#platform';

/** A line a client sends to a server. */
export type ClientCommand =
  | { type: 'clacks'; identification: string }
  | { type: 'overhead'; flags: string; value: string }
  | { type: 'notify'; name: string }
  | { type: 'set'; name: string; value: string }
  | { type: 'setandstore'; name: string; value: string }
  | { type: 'listen'; name: string }
  | { type: 'unlisten'; name: string }
  | { type: 'store'; name: string; value: string }
  | { type: 'retrieve'; name: string }
  | { type: 'remove'; name: string }
  | { type: 'increment'; name: string; step?: string }
  | { type: 'decrement'; name: string; step?: string }
  | { type: 'keylist' }
  | { type: 'clearcache' }
  | { type: 'flush'; id: string }
  | { type: 'ping' }
  | { type: 'noping' }
  | { type: 'monitor' }
  | { type: 'unmonitor' }
  | { type: 'clientlist' }
  | { type: 'clientdisconnect'; cid: string }
  | { type: 'quit' }
  /** Any line the server does not understand; answered with `unknown_command`. */
  | { type: 'unknown'; line: string };

/** The `type` of a {@link ClientCommand}. */
export type ClientCommandType = ClientCommand['type'];

/** Encodes a command as one wire line, CRLF included. Arguments are not validated here. */
export function encodeClientCommand(command: ClientCommand): string {
  switch (command.type) {
    case 'clacks':
      return `CLACKS ${command.identification}\r\n`;
    case 'overhead':
      return command.value === '' ? `OVERHEAD ${command.flags}\r\n` : `OVERHEAD ${command.flags} ${command.value}\r\n`;
    case 'notify':
      return `NOTIFY ${command.name}\r\n`;
    case 'set':
      return `SET ${command.name}=${command.value}\r\n`;
    case 'setandstore':
      return `SETANDSTORE ${command.name}=${command.value}\r\n`;
    case 'listen':
      return `LISTEN ${command.name}\r\n`;
    case 'unlisten':
      return `UNLISTEN ${command.name}\r\n`;
    case 'store':
      return `STORE ${command.name}=${command.value}\r\n`;
    case 'retrieve':
      return `RETRIEVE ${command.name}\r\n`;
    case 'remove':
      return `REMOVE ${command.name}\r\n`;
    case 'increment':
      return command.step === undefined ? `INCREMENT ${command.name}\r\n` : `INCREMENT ${command.name}=${command.step}\r\n`;
    case 'decrement':
      return command.step === undefined ? `DECREMENT ${command.name}\r\n` : `DECREMENT ${command.name}=${command.step}\r\n`;
    case 'keylist':
      return 'KEYLIST\r\n';
    case 'clearcache':
      return 'CLEARCACHE\r\n';
    case 'flush':
      return `FLUSH ${command.id}\r\n`;
    case 'ping':
      return 'PING\r\n';
    case 'noping':
      return 'NOPING\r\n';
    case 'monitor':
      return 'MONITOR\r\n';
    case 'unmonitor':
      return 'UNMONITOR\r\n';
    case 'clientlist':
      return 'CLIENTLIST\r\n';
    case 'clientdisconnect':
      return `CLIENTDISCONNECT ${command.cid}\r\n`;
    case 'quit':
      return 'QUIT\r\n';
    case 'unknown':
      return `${command.line}\r\n`;
  }
}

/** Splits `rest` at its first `=` after at least one name character; undefined without one. */
function splitAssignment(rest: string): [string, string] | undefined {
  const eq = rest.indexOf('=', 1);
  return eq === -1 ? undefined : [rest.slice(0, eq), rest.slice(eq + 1)];
}

/**
 * INCREMENT/DECREMENT split at the last `=` that has a name before it and a
 * step after it, as the reference's greedy `(.+)=(.+)` does: `INCREMENT k=`
 * increments a key literally named `k=` (transcript 02), `INCREMENT a=5=`
 * steps `a` by `5=`.
 */
function splitStep(rest: string): { name: string; step?: string } {
  const eq = rest.length < 3 ? -1 : rest.lastIndexOf('=', rest.length - 2);
  if (eq <= 0) return { name: rest };
  return { name: rest.slice(0, eq), step: rest.slice(eq + 1) };
}

/** Text after `word ` when the line starts with it and the argument is non-empty (the reference's `(.+)`). */
function argumentOf(line: string, word: string): string | undefined {
  if (line.length <= word.length + 1) return undefined;
  return optionalArgumentOf(line, word);
}

/**
 * Text after `word `, possibly empty (the reference's `(.*)`, used by NOTIFY, LISTEN, UNLISTEN).
 * The word is compared as a substring: in V8 11, `startsWith` costs twice as much, on every line.
 */
function optionalArgumentOf(line: string, word: string): string | undefined {
  if (line.length <= word.length || line.charCodeAt(word.length) !== 0x20 || line.substring(0, word.length) !== word) return undefined;
  return line.slice(word.length + 1);
}

/**
 * Parses one line (CR already removed, not empty) the way the reference server
 * reads it. Never throws: what it does not understand is `unknown`.
 */
export function parseClientCommand(line: string): ClientCommand {
  let arg: string | undefined;
  let pair: [string, string] | undefined;
  switch (line.charCodeAt(0)) {
    case 0x43: // C
      if ((arg = argumentOf(line, 'CLACKS')) !== undefined) return { type: 'clacks', identification: arg };
      if (line.startsWith('CLEARCACHE')) return { type: 'clearcache' };
      if (line.startsWith('CLIENTLIST')) return { type: 'clientlist' };
      if ((arg = argumentOf(line, 'CLIENTDISCONNECT')) !== undefined) return { type: 'clientdisconnect', cid: arg };
      break;
    case 0x44: // D
      if ((arg = argumentOf(line, 'DECREMENT')) !== undefined) return { type: 'decrement', ...splitStep(arg) };
      break;
    case 0x46: // F
      if ((arg = argumentOf(line, 'FLUSH')) !== undefined) return { type: 'flush', id: arg };
      break;
    case 0x49: // I
      if ((arg = argumentOf(line, 'INCREMENT')) !== undefined) return { type: 'increment', ...splitStep(arg) };
      break;
    case 0x4b: // K
      if (line.startsWith('KEYLIST')) return { type: 'keylist' };
      break;
    case 0x4c: // L
      if ((arg = optionalArgumentOf(line, 'LISTEN')) !== undefined) return { type: 'listen', name: arg };
      break;
    case 0x4d: // M
      if (line.startsWith('MONITOR')) return { type: 'monitor' };
      break;
    case 0x4e: // N
      if ((arg = optionalArgumentOf(line, 'NOTIFY')) !== undefined) return { type: 'notify', name: arg };
      if (line.startsWith('NOPING')) return { type: 'noping' };
      break;
    case 0x4f: // O
      if (line.startsWith('OVERHEAD ')) return parseOverhead(line.slice(9));
      break;
    case 0x50: // P
      if (line.startsWith('PING')) return { type: 'ping' };
      break;
    case 0x51: // Q
      if (line.startsWith('QUIT')) return { type: 'quit' };
      break;
    case 0x52: // R
      if ((arg = argumentOf(line, 'RETRIEVE')) !== undefined) return { type: 'retrieve', name: arg };
      if ((arg = argumentOf(line, 'REMOVE')) !== undefined) return { type: 'remove', name: arg };
      break;
    case 0x53: // S
      if ((arg = argumentOf(line, 'SET')) !== undefined) {
        if ((pair = splitAssignment(arg))) return { type: 'set', name: pair[0], value: pair[1] };
      } else if ((arg = argumentOf(line, 'STORE')) !== undefined) {
        if ((pair = splitAssignment(arg))) return { type: 'store', name: pair[0], value: pair[1] };
      } else if ((arg = argumentOf(line, 'SETANDSTORE')) !== undefined) {
        if ((pair = splitAssignment(arg))) return { type: 'setandstore', name: pair[0], value: pair[1] };
      }
      break;
    case 0x55: // U
      if ((arg = optionalArgumentOf(line, 'UNLISTEN')) !== undefined) return { type: 'unlisten', name: arg };
      if (line.startsWith('UNMONITOR')) return { type: 'unmonitor' };
      break;
  }
  return { type: 'unknown', line };
}

/** `OVERHEAD <flags> <value>`; a missing value parses as '' (the server ignores such lines). */
function parseOverhead(rest: string): ClientCommand {
  const space = rest.indexOf(' ');
  if (space === -1) return { type: 'overhead', flags: rest, value: '' };
  return { type: 'overhead', flags: rest.slice(0, space), value: rest.slice(space + 1) };
}

/** Builds the `OVERHEAD A` token: base64(username) `:` base64(password), UTF-8. */
export function encodeAuthToken(username: string, password: string): string {
  return `${platform.encodeBase64(username)}:${platform.encodeBase64(password)}`;
}

/** Reads an `OVERHEAD A` token; undefined when it is not two base64 parts. */
export function decodeAuthToken(token: string): { username: string; password: string } | undefined {
  const parts = token.split(':');
  if (parts.length !== 2) return undefined;
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
  const [user, pass] = parts as [string, string];
  if (!base64.test(user) || !base64.test(pass) || user.length % 4 !== 0 || pass.length % 4 !== 0) return undefined;
  return { username: platform.decodeBase64(user), password: platform.decodeBase64(pass) };
}
