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
import { countCommand } from './metrics/command-counts.js';
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
  countCommand(hub.commandCounts, command.type);
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
  if (command.type === 'clacks') setClientInfo(client, command.identification);
  else if (command.type === 'overhead' && command.value !== '') {
    if (command.flags.includes('A')) authenticate(hub, client, command.value);
    else if (client.link !== undefined) hub.interclacks.masterRefused(client, command.flags, command.value);
  }
}

function setClientInfo(client: ClientConnection, identification: string): void {
  client.clientInfo = identification.replaceAll(';', '_');
}

function execute(hub: Hub, client: ClientConnection, command: ClientCommand, line: string): void {
  const { cache } = hub;
  switch (command.type) {
    // The hot commands first. What SET and NOTIFY send on is the line as it
    // came (`SET name=value`, `NOTIFY name`: the parse splits exactly there), not re-encoded.
    case 'retrieve': {
      const value = cache.get(command.name);
      return client.send(
        encodeServerLine(value === undefined ? { type: 'notretrieved', name: command.name } : { type: 'retrieved', name: command.name, value }),
      );
    }
    case 'set':
      return hub.publish(client, command.name, `${line}\r\n`);
    case 'store':
      return cache.set(command.name, command.value);
    case 'clacks':
      return setClientInfo(client, command.identification);
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
