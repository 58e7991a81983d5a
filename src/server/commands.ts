/**
 * What the server does with each line a client sends: the command table of
 * PROTOCOL.md ("Commands, client to server"), with the reference's replies,
 * its silences and its `unknown_command` errors.
 * @module
 */
import { encodeServerLine, parseClientCommand, type ClientCommand, type ClientCommandType } from '../wire/index.js';
import { authenticate } from './auth.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';
import { countCommand, countUnknown } from './metrics/command-counts.js';
import { handleOverhead } from './overhead.js';
import { requiredPermission } from './permissions.js';
import { clientListStream } from './reply-stream.js';

const PERMISSION_DENIED = encodeServerLine({ type: 'overhead', flags: 'E', value: 'permission_denied' });

/**
 * What crosses interclacks links once it has run (PROTOCOL.md,
 * "Interclacks"; KEYSYNC is passed on by interclacks/network.ts). Only what
 * ran: a command refused for permission crosses nothing.
 */
const FORWARDED: ReadonlySet<ClientCommandType> = new Set(['notify', 'set', 'setandstore', 'store', 'remove', 'increment', 'decrement', 'clearcache']);

/**
 * What a link runs: the forwarded commands and the link's own control lines.
 * The rest (RETRIEVE, KEYLIST, LISTEN, MONITOR, CLIENTLIST, FLUSH…) only
 * comes from a Perl peer that forwards what its clients were refused;
 * running it would answer into the link, where the reference takes the
 * replies for commands and answers them again, forever (transcript 11, c2-c4).
 */
const LINK_RUNS: ReadonlySet<ClientCommandType> = new Set([...FORWARDED, 'clacks', 'overhead', 'ping', 'quit']);

export function handleLine(hub: Hub, client: ClientConnection, line: string): void {
  const command = parseClientCommand(line);
  if (command.type !== 'unknown') countCommand(hub.commandCounts, command.type);
  else countUnknown(hub.commandCounts, line);
  if (client.user === undefined) return handleBeforeLogin(hub, client, command);

  // Monitors see every line of a logged-in client, but never credentials
  // (unlike the reference) and not OVERHEAD lines flagged N. MONITOR is
  // mirrored after it takes effect, so the new monitor sees it (transcript 04).
  const mirrored = command.type !== 'overhead' || !/[AN]/.test(command.flags);
  if (mirrored && command.type !== 'monitor') hub.debug(`${client.cid}=${line}`);

  if (command.type === 'unknown' && (line.startsWith('KEYSYNC') || line.startsWith('TIMEOUT'))) return handleLinkLine(hub, client, line);
  if (client.link !== undefined && !LINK_RUNS.has(command.type)) return hub.interclacks.ignore(client, line);

  const needed = requiredPermission(command.type);
  if (needed !== undefined && !client.user.permissions.has(needed)) {
    hub.replyLater(client, PERMISSION_DENIED);
    return;
  }
  execute(hub, client, command, line);
  if (command.type === 'monitor') hub.debug(`${client.cid}=${line}`);
  else if (hub.interclacks.targets.size > 0 && FORWARDED.has(command.type)) hub.interclacks.forward(client, line);
}

/**
 * The fast path's last `=` search: in `lastEqText`, the first `=` at or
 * after `lastEqFrom` is at `lastEq` (text.length: none), so it is the first
 * from any position in between too. It holds one chunk's text (64 KiB at
 * most) until the next search in another chunk.
 */
let lastEqText = '';
let lastEqFrom = 0;
let lastEq = -1;

/**
 * The server's fast path, on a line `[start, end)` of a chunk's latin1 text
 * (client-connection.ts): RETRIEVE, and SET when no interclacks link is up,
 * from a logged-in client that is not a link, while nobody monitors, with
 * the permission the command needs. Exactly what {@link handleLine} does for
 * such a line (the same parse, count, reply and fan-out), without making a
 * string of the line or a command record. Anything else is left alone
 * (false), with nothing done: {@link handleLine} then takes the line.
 * What it slices from `text` is only looked up or queued as output, never
 * kept longer (output-queue.ts).
 */
export function handleText(hub: Hub, client: ClientConnection, text: string, start: number, end: number): boolean {
  if (client.user === undefined || client.link !== undefined || hub.monitors.size > 0) return false;
  switch (text.charCodeAt(start)) {
    case 0x52: // R: `RETRIEVE <name>` (the reference's `(.+)`)
      if (end - start <= 9 || text.charCodeAt(start + 8) !== 0x20 || text.substring(start, start + 8) !== 'RETRIEVE') return false;
      if (!client.mayRead) return false;
      countCommand(hub.commandCounts, 'retrieve');
      retrieve(hub, client, text.slice(start + 9, end));
      return true;
    case 0x53: {
      // S: `SET <name>=<value>`, the name at least one character, ending at the first `=`.
      if (end - start <= 4 || text.charCodeAt(start + 3) !== 0x20 || text.substring(start, start + 3) !== 'SET') return false;
      // The first `=` at or after the name's first character. One found past this
      // line's end is kept for the next lines of the chunk, so that lines
      // without one do not each search the rest of the chunk (quadratic).
      const from = start + 5;
      let eq = lastEq;
      if (from < lastEqFrom || from > eq || text !== lastEqText) {
        eq = text.indexOf('=', from);
        if (eq === -1) eq = text.length;
        lastEqText = text;
        lastEqFrom = from;
        lastEq = eq;
      }
      if (eq >= end || !client.mayWrite || hub.interclacks.targets.size > 0) return false;
      countCommand(hub.commandCounts, 'set');
      const name = text.slice(start + 4, eq);
      // The line goes out as it came, CRLF and all: a slice of the chunk's text,
      // which output queues keep only until their next flush (output-queue.ts).
      if (hub.subscriptions.has(name)) hub.publish(client, name, text.charCodeAt(end) === 0x0d ? text.slice(start, end + 2) : `${text.slice(start, end)}\r\n`);
      return true;
    }
    default:
      return false;
  }
}

/** RETRIEVE: `RETRIEVED name=value`, or `NOTRETRIEVED name` for a missing key or a tombstone. */
function retrieve(hub: Hub, client: ClientConnection, name: string): void {
  const value = hub.cache.get(name);
  // encodeServerLine's `retrieved` and `notretrieved`, written out: no record per reply.
  client.send(value === undefined ? `NOTRETRIEVED ${name}\r\n` : `RETRIEVED ${name}=${value}\r\n`);
}

/**
 * KEYSYNC (needs the interclacks permission and a link: the reference runs
 * it on any connection of the main user) and TIMEOUT (from a link: the peer
 * drops us; from a client, an unknown command).
 */
function handleLinkLine(hub: Hub, client: ClientConnection, line: string): void {
  const link = client.link;
  if (line.startsWith('TIMEOUT')) {
    if (link !== undefined) return hub.interclacks.peerTimeout(client);
    return client.send(encodeServerLine({ type: 'overhead', flags: 'E', value: `unknown_command ${line}` }));
  }
  if (link === undefined || !client.user?.permissions.has('interclacks')) return hub.replyLater(client, PERMISSION_DENIED);
  hub.interclacks.keysync(client, line);
}

/** Before login only CLACKS and OVERHEAD count; everything else is ignored without a reply. */
function handleBeforeLogin(hub: Hub, client: ClientConnection, command: ClientCommand): void {
  if (command.type === 'clacks') setClientInfo(hub, client, command.identification);
  else if (command.type === 'overhead' && command.value !== '') {
    if (command.flags.includes('A')) authenticate(hub, client, command.value);
    else if (client.link !== undefined) hub.interclacks.masterRefused(client, command.flags, command.value);
  }
}

/**
 * Keeps at most what a CLACKS line before login could carry
 * (`maxPreAuthLineLength`), also for one sent after login (where the full
 * line limit applies): the name lives as long as the connection, outside
 * every input budget. Copied, so that it never holds on to the input chunk
 * it was cut from.
 */
function setClientInfo(hub: Hub, client: ClientConnection, identification: string): void {
  const kept = identification.length > hub.limits.maxPreAuthLineLength ? identification.slice(0, hub.limits.maxPreAuthLineLength) : identification;
  client.clientInfo = Buffer.from(kept.replaceAll(';', '_'), 'latin1').toString('latin1');
}

function execute(hub: Hub, client: ClientConnection, command: ClientCommand, line: string): void {
  const { cache } = hub;
  switch (command.type) {
    // The hot commands first. What SET and NOTIFY send on is the line as it
    // came (`SET name=value`, `NOTIFY name`: the parse splits exactly there), not re-encoded.
    case 'retrieve':
      return retrieve(hub, client, command.name);
    case 'set':
      return hub.publish(client, command.name, `${line}\r\n`);
    case 'store':
      return cache.set(command.name, command.value);
    case 'clacks':
      return setClientInfo(hub, client, command.identification);
    case 'overhead':
      return handleOverhead(hub, client, command.flags, command.value);
    case 'notify':
      return hub.publish(client, command.name, `${line}\r\n`);
    case 'setandstore':
      // Listeners get a plain SET (transcript 03).
      cache.set(command.name, command.value);
      return hub.publish(client, command.name, encodeServerLine({ type: 'set', name: command.name, value: command.value }));
    case 'listen':
      return hub.listen(client, command.name);
    case 'unlisten':
      return hub.unlisten(client, command.name);
    case 'remove':
      return cache.remove(command.name);
    case 'increment':
      return cache.step(command.name, command.step, false);
    case 'decrement':
      return cache.step(command.name, command.step, true);
    case 'keylist':
      // Streamed a batch at a time; a short list goes out at once (reply-stream.ts).
      return client.sendStream(hub.keylists.stream());
    case 'clearcache':
      return cache.clear();
    case 'flush':
      return client.send(encodeServerLine({ type: 'flushed', id: command.id }));
    case 'ping':
      client.lastPingAt = Date.now();
      client.pingSuspended = false;
      return;
    case 'noping':
      client.pingSuspended = true;
      return;
    case 'monitor':
      return hub.setMonitoring(client, true);
    case 'unmonitor':
      return hub.setMonitoring(client, false);
    case 'clientlist':
      return client.sendStream(clientListStream(hub.clients.values()));
    case 'clientdisconnect': {
      // An unknown cid is ignored without a word (transcript 04).
      const target = hub.clients.get(command.cid);
      target?.link?.down(`CLIENTDISCONNECT from ${client.cid}`);
      return target?.end(encodeServerLine({ type: 'quit' }));
    }
    case 'quit':
      client.link?.down('the peer sent QUIT');
      return hub.endLater(client);
    case 'unknown':
      return client.send(encodeServerLine({ type: 'overhead', flags: 'E', value: `unknown_command ${command.line}` }));
  }
}
