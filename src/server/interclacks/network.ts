/**
 * Interclacks: this server's links to other Clacks servers (PROTOCOL.md,
 * "Interclacks"; transcript 11). A link is an ordinary client connection in
 * interclacks mode: on a master, a client of the main user that sent
 * `OVERHEAD I 1`; on a slave, its own connection to its master.
 *
 * - Link-up: the master answers `OVERHEAD I 1` with its greeting in master
 *   mode, its own `OVERHEAD A`, `OVERHEAD L 1`, `OVERHEAD T`, its whole cache
 *   as KEYSYNC lines (sorted, tombstones included), `OVERHEAD L 0` and PING.
 *   The slave holds its other clients' commands while the lock is on, and at
 *   `L 0` sends its own `OVERHEAD T` and cache back. Each side takes an entry
 *   when it has none or the incoming cachetime (shifted by the sender's clock
 *   offset) is newer.
 * - Live traffic: what a client ran and that changes or signals something
 *   (NOTIFY, SET, STORE, SETANDSTORE, REMOVE, INCREMENT, DECREMENT,
 *   CLEARCACHE) crosses every link but the one it came from, verbatim; the
 *   receiver runs it itself. OVERHEAD G crosses as any client gets it.
 * - Keepalive: PING every third of `pingTimeout`; a link silent (no PING, no
 *   KEYSYNC) for `pingTimeout` gets `TIMEOUT` and is dropped.
 *
 * Where we differ from the reference, on purpose (README, differences):
 * a command refused for permission is never forwarded; KEYSYNC and the lock
 * are honoured only on links; a link never runs the read and management
 * commands a Perl peer forwards (so replies never bounce between servers);
 * a received KEYSYNC is passed on only when taken, with its times in our own
 * clock; an entry echoed back unchanged by a sync keeps its times (isEcho); a key holding `=` crosses only between our servers (keysync.ts);
 * and our servers tell each other their ids (the slave in its `CLACKS` line,
 * the master in `OVERHEAD MN net-clacks-path …`, which the Perl server
 * ignores), so that a link that would close a loop is refused.
 * @module
 */
import type { Socket } from 'node:net';
import { encodeAuthToken, encodeServerLine } from '../../wire/index.js';
import type { CacheEntry } from '../cache.js';
import type { ClientConnection } from '../client-connection.js';
import { epochSeconds } from '../clock.js';
import type { Hub } from '../hub.js';
import { peerText } from '../log-text.js';
import { encodeKeysync, parseKeysync, perlFloat, syncedEntry, timestampLine } from './keysync.js';
import { LinkState, type LinkInfo } from './link.js';
import { syncDump, type DumpResult } from './sync-dump.js';
import { MasterConnector } from './upstream.js';

/** The longest path of server ids we keep (a deeper network is not checked beyond it). */
const MAX_PATH = 32;
/** The end of our slaves' `CLACKS` identification: `… in interclacks client mode (server-id <id>)`. */
const SERVER_ID_MARK = /\(server-id ([A-Za-z0-9_-]{1,64})\)$/;
const PATH_NOTICE = 'net-clacks-path ';
const SYNCED_NOTICE = 'net-clacks-synced ';
const TIMEOUT = encodeServerLine({ type: 'timeout' });
/** Ignored lines logged per link and minute. */
const IGNORED_PER_MINUTE = 5;

export class Interclacks {
  /** Every connection in interclacks mode. */
  readonly links = new Set<ClientConnection>();
  /**
   * The links live traffic crosses: every slave from its `OVERHEAD I 1`, and
   * the master once its sync began (`OVERHEAD L 1`). Not before: what our
   * clients change meanwhile goes in our own sync dump, with its real
   * cachetime; sent live it would run on the master with a new one.
   */
  readonly targets = new Set<ClientConnection>();
  /** This server's connection to its master, while there is one. */
  private masterLink: ClientConnection | undefined;
  private readonly connector: MasterConnector | undefined;
  private readonly hub: Hub;

  constructor(hub: Hub) {
    this.hub = hub;
    const { master, interclacks } = hub.options;
    if (master !== undefined) {
      this.connector = new MasterConnector(master, interclacks, {
        attachMaster: (socket) => this.attachMaster(socket),
        log: (level, message) => hub.log(level, message),
      });
    }
  }

  get id(): string {
    return this.hub.options.serverId;
  }

  /** Starts linking to the master, if there is one. */
  start(): void {
    this.connector?.start();
  }

  /** Stops reconnecting (shutdown); the links themselves close with every client. */
  stop(): void {
    this.connector?.stop();
  }

  /** Our path to the root of the network: our id, then our master's path as it told us. */
  path(): string[] {
    return [this.id, ...(this.masterLink?.link?.peerPath ?? [])].slice(0, MAX_PATH);
  }

  /** A line a client ran: it crosses every link but the one it came from, verbatim. */
  forward(from: ClientConnection, line: string): void {
    let text: string | undefined;
    for (const link of this.targets) if (link !== from) link.send((text ??= `${line}\r\n`));
  }

  // ---- master side ----------------------------------------------------------

  /** `OVERHEAD I 1` from a client with the interclacks permission: it becomes a link to a slave. */
  acceptSlave(client: ClientConnection): void {
    if (client.link !== undefined) return;
    const peerId = SERVER_ID_MARK.exec(client.clientInfo)?.[1];
    const path = this.path();
    if (peerId !== undefined && path.includes(peerId)) {
      // Each server on it, then its master: this one, …, the would-be slave, and this one again.
      const servers = [...path.slice(0, path.indexOf(peerId) + 1), this.id];
      this.hub.log('warn', `interclacks: refusing the link from ${client.cid} (server ${peerId}): it would close a loop (${servers.join(' → ')}, each server followed by its master); check the <master> of the servers on it`);
      // ASCII on the wire: lines are bytes (latin1), where an arrow would arrive as a C1 control byte.
      client.send(encodeServerLine({ type: 'overhead', flags: 'E', value: `interclacks_loop this server (${this.id}) is already downstream of ${peerId}: ${servers.join(' -> ')}` }));
      client.end();
      return;
    }
    const link = new LinkState('slave', peerId);
    client.link = link;
    this.links.add(client);
    this.targets.add(client);
    client.lastPingAt = Date.now();
    link.lastPingSentAt = Date.now();
    this.hub.log('info', `interclacks: link up: ${client.cid} (${peerText(client.clientInfo, 200)}) is a slave of this server${peerId === undefined ? ' (a Perl or older server)' : ` (server ${peerId})`}`);
    const { serverInfo, mainUser } = this.hub.options;
    let head =
      `CLACKS ${serverInfo} in interclacks master mode\r\n` +
      encodeServerLine({ type: 'overhead', flags: 'M', value: 'Authentication required' }) +
      `OVERHEAD A ${encodeAuthToken(mainUser.username, mainUser.password)}\r\n`;
    if (peerId !== undefined) head += pathNotice(path);
    head += 'OVERHEAD L 1\r\n';
    client.sendStream(
      syncDump(this.hub.cache, {
        head: () => head + timestampLine(epochSeconds()),
        tail: () => 'OVERHEAD L 0\r\nPING\r\n',
        dialect: link.dialect,
        onDone: (result) => this.masterDumpDone(client, link, result),
      }),
    );
  }

  /** `OVERHEAD I 0`: the connection leaves interclacks mode. */
  leave(client: ClientConnection): void {
    if (client.link === undefined || client === this.masterLink) return;
    this.links.delete(client);
    this.targets.delete(client);
    client.link = undefined;
    this.hub.log('info', `interclacks: ${client.cid} left interclacks mode`);
  }

  private masterDumpDone(client: ClientConnection, link: LinkState, result: DumpResult): void {
    link.sync.sent = result.sent;
    link.sync.skipped = result.skipped;
    link.enter('up');
    const skipped = skippedNote(result);
    if (link.peerId === undefined) {
      link.sync.finishedAt = Date.now();
      this.hub.log('info', `interclacks: sent the cache to the slave ${client.cid}: ${result.sent} entries in ${Date.now() - link.sync.startedAt} ms${skipped} (a Perl slave's entries follow without an end mark)`);
    } else {
      this.hub.log('debug', `interclacks: sent the cache to the slave ${client.cid}: ${result.sent} entries${skipped}`);
    }
  }

  // ---- slave side -----------------------------------------------------------

  /** The connector reached the master: the socket becomes the link, and asks for interclacks mode. */
  private attachMaster(socket: Socket): void {
    const master = this.hub.options.master;
    if (master === undefined) return void socket.destroy();
    const { target } = master;
    const identity =
      target.kind === 'unix'
        ? { cid: 'unixdomainsocket:interclacksmaster', host: '', port: '', source: 'interclacks-master' }
        : { host: target.host, port: String(target.port), source: 'interclacks-master' };
    const link = new LinkState('master');
    const client = this.hub.attachLink(socket, identity, link);
    this.masterLink = client;
    this.links.add(client);
    this.hub.log('info', `interclacks: connected to the master ${master.where}, asking for interclacks mode`);
    client.send(
      `CLACKS ${this.hub.options.serverInfo} in interclacks client mode (server-id ${this.id})\r\n` +
        `OVERHEAD A ${encodeAuthToken(target.username, target.password)}\r\n` +
        'OVERHEAD I 1\r\n',
    );
  }

  /** `OVERHEAD L 1` / `OVERHEAD L 0` from our master. */
  lock(client: ClientConnection, on: boolean): void {
    const link = client.link;
    if (link?.role !== 'master') return;
    this.targets.add(client);
    if (on) {
      this.hub.syncLock = client;
      link.lockedAt = Date.now();
      this.hub.log('debug', `interclacks: the master ${client.cid} locked this server for the sync`);
      return;
    }
    if (this.hub.syncLock === client) this.unlock();
    // Our cache after the merge goes back to the master (the reference sends it at L 0 too).
    client.sendStream(
      syncDump(this.hub.cache, {
        head: () => timestampLine(epochSeconds()),
        tail: (result) => (link.peerId === undefined ? '' : `OVERHEAD MN ${SYNCED_NOTICE}${result.sent}\r\n`),
        dialect: link.dialect,
        onDone: (result) => {
          link.sync.sent = result.sent;
          link.sync.skipped = result.skipped;
          link.sync.finishedAt = Date.now();
          link.enter('up');
          const { received, taken, startedAt } = link.sync;
          this.hub.log(
            'info',
            `interclacks: synced with the master ${this.hub.options.master?.where ?? client.cid}: received ${received} entries (took ${taken}), sent ${result.sent}${skippedNote(result)}, in ${Date.now() - startedAt} ms`,
          );
        },
      }),
    );
  }

  private unlock(): void {
    this.hub.syncLock = undefined;
    for (const client of this.hub.clients.values()) client.wake();
  }

  // ---- both sides -----------------------------------------------------------

  /** `OVERHEAD T <epoch>`: the peer's clock, for the offset of its KEYSYNC lines. */
  timestamp(client: ClientConnection, value: string): void {
    const link = client.link;
    if (link === undefined) return;
    link.offset = epochSeconds() - perlFloat(value);
  }

  /** A KEYSYNC line from a link: taken if newer (and not our own entry echoed), and then passed on to the other links in our clock. */
  keysync(client: ClientConnection, line: string): void {
    const link = client.link as LinkState;
    client.lastPingAt = Date.now();
    const parsed = parseKeysync(line);
    if (parsed === undefined) return this.ignore(client, line, 'a malformed KEYSYNC line');
    link.sync.received++;
    const { cache } = this.hub;
    const incoming = syncedEntry(parsed, link.offset);
    if (isEcho(cache.peek(parsed.name), incoming)) return cache.touchSynced(parsed.name, incoming.accesstime);
    if (!cache.applySynced(parsed.name, incoming)) return;
    link.sync.taken++;
    if (this.targets.size === 0 || (this.targets.size === 1 && this.targets.has(client))) return;
    const entry = cache.peek(parsed.name);
    if (entry === undefined) return;
    for (const other of this.targets) {
      if (other === client || other.link === undefined) continue;
      const text = encodeKeysync(parsed.name, entry, other.link.dialect);
      if (text !== undefined) other.send(text);
    }
  }

  /** `OVERHEAD MN net-clacks-…` on a link: what our servers tell each other (a Perl server ignores such lines). */
  notice(client: ClientConnection, value: string): void {
    const link = client.link as LinkState;
    if (value.startsWith(PATH_NOTICE) && link.role === 'master') {
      const path = value.slice(PATH_NOTICE.length).split(',').filter((id) => id !== '').slice(0, MAX_PATH);
      link.peerId ??= path[0];
      link.peerPath = path;
      if (path.includes(this.id)) {
        const loop = [this.id, ...path.slice(0, path.indexOf(this.id) + 1)].join(' → ');
        this.hub.log('error', `interclacks: loop: the master ${client.cid} (server ${path[0] ?? '?'}) is downstream of this server (${loop}, each server followed by its master); dropping the link. Check the <master> of the servers on it`);
        link.down(`interclacks loop ${loop}`);
        client.end(encodeServerLine({ type: 'quit' }));
        return;
      }
      this.pathChanged();
    } else if (value.startsWith(SYNCED_NOTICE) && link.role === 'slave') {
      link.sync.finishedAt = Date.now();
      const { sent, received, taken, startedAt } = link.sync;
      this.hub.log('info', `interclacks: synced with the slave ${client.cid}: sent ${sent} entries, received ${received} (took ${taken}), in ${Date.now() - startedAt} ms`);
    }
  }

  /** `OVERHEAD E` from a link: logged as the peer's report. */
  peerError(client: ClientConnection, text: string): void {
    const link = client.link as LinkState;
    if (text.startsWith('interclacks_loop')) link.down(`the master refused the link: ${text}`);
    this.hub.log('warn', `interclacks: the ${link.role} ${client.cid} reports: ${peerText(text, this.hub.limits.maxLogLineLength)}`);
  }

  /** Before the master logged in to us: `OVERHEAD F` (our credentials refused) or `OVERHEAD E` (a loop). */
  masterRefused(client: ClientConnection, flags: string, value: string): void {
    const link = client.link;
    if (link?.role !== 'master') return;
    if (flags.includes('F')) link.down(`the master refused our login (${value}): a link logs in as this server's main user unless the master URL names other credentials`);
    else if (flags.includes('E')) link.down(`the master refused the link: ${peerText(value, 500)}`);
  }

  /** A line a link never needs to run: not run, logged (a few a minute). */
  ignore(client: ClientConnection, line: string, what = 'a command a link never runs'): void {
    const link = client.link as LinkState;
    if (!link.ignoredLines.allow(IGNORED_PER_MINUTE)) return;
    this.hub.log(
      'warn',
      `interclacks: ignored ${what} from the ${link.role} ${client.cid} (a Perl server forwards even the commands it refused its clients; running them would send replies into the link): ${peerText(line, 200)}`,
    );
  }

  /** `TIMEOUT` from a link: the peer is dropping us. */
  peerTimeout(client: ClientConnection): void {
    client.link?.down('the peer sent TIMEOUT (it got no PING from us in time)');
    client.end();
  }

  /** Our path changed: tell our slaves that are ours, and drop any that is now upstream of us. */
  private pathChanged(): void {
    const path = this.path();
    for (const client of this.links) {
      const link = client.link;
      if (link?.role !== 'slave' || link.peerId === undefined) continue;
      if (path.includes(link.peerId)) {
        this.hub.log('error', `interclacks: loop: the slave ${client.cid} (server ${link.peerId}) is upstream of this server (${path.join(' → ')}); dropping its link`);
        link.down('interclacks loop');
        client.end(encodeServerLine({ type: 'quit' }));
      } else client.send(pathNotice(path));
    }
  }

  /** The connection of a link is gone (hub.forget). */
  gone(client: ClientConnection): void {
    const link = client.link;
    if (link === undefined || !this.links.delete(client)) return;
    this.targets.delete(client);
    const reason = link.downReason ?? 'the connection closed';
    if (this.hub.syncLock === client) {
      this.hub.log('warn', `interclacks: the master's link went down in the middle of the sync: unlocking`);
      this.unlock();
    }
    if (client === this.masterLink) {
      this.masterLink = undefined;
      this.connector?.linkGone(reason, link.syncInfo());
      const next = this.connector?.nextAttemptAt;
      const when = next === undefined ? '' : `; next attempt in ${Math.round((next - Date.now()) / 100) / 10} s`;
      this.hub.log('warn', `interclacks: link to the master ${this.hub.options.master?.where ?? client.cid} down: ${reason}${when}`);
      this.pathChanged();
    } else {
      this.hub.log('warn', `interclacks: link to the slave ${client.cid} down: ${reason}`);
    }
  }

  /** Timers of one link (called by the hub's sweep instead of a client's). */
  sweep(client: ClientConnection, now: number): void {
    const link = client.link as LinkState;
    const { pingTimeout, stalledWriteTimeout, lockTimeout } = this.hub.options.interclacks;
    const { authTimeout } = this.hub.options;
    if (pingTimeout > 0 && now - client.lastPingAt > pingTimeout) {
      link.down(`no PING or KEYSYNC from the ${link.role} for ${pingTimeout / 1000} s`);
      client.end(TIMEOUT);
    } else if (client.user === undefined && authTimeout > 0 && now - client.connectedAt > authTimeout) {
      link.down(`the master did not log in to this server within ${authTimeout / 1000} s (is it a Clacks server? does it know our credentials?)`);
      client.end();
    } else if (this.hub.syncLock === client && lockTimeout > 0 && now - link.lockedAt > lockTimeout) {
      link.down(`the master's sync lock did not lift within ${lockTimeout / 1000} s`);
      client.end(TIMEOUT);
    } else if (client.blockedSince !== 0 && stalledWriteTimeout > 0 && now - client.blockedSince > stalledWriteTimeout) {
      client.drop(`the ${link.role}'s socket has taken nothing for ${stalledWriteTimeout / 1000} s`, 'stalled');
    } else if (pingTimeout > 0 && now - link.lastPingSentAt >= pingTimeout / 3) {
      link.lastPingSentAt = now;
      client.send('PING\r\n');
    }
  }

  /** Every link, and the master while it is not connected. */
  view(): LinkInfo[] {
    const now = Date.now();
    const infos: LinkInfo[] = [];
    for (const client of this.links) {
      const link = client.link as LinkState;
      const toMaster = client === this.masterLink;
      infos.push({
        role: link.role,
        peer: toMaster ? (this.hub.options.master?.where ?? client.cid) : client.cid,
        cid: client.cid,
        peerInfo: client.clientInfo === '' ? undefined : client.clientInfo,
        peerServerId: link.peerId,
        state: link.phase,
        since: link.since,
        lastSync: link.syncInfo(now),
        lastError: link.downReason,
        nextAttemptAt: undefined,
        outputBytes: client.outputLength,
      });
    }
    const connector = this.connector;
    if (connector !== undefined && this.masterLink === undefined) {
      infos.unshift({
        role: 'master',
        peer: connector.master.where,
        cid: undefined,
        peerInfo: undefined,
        peerServerId: undefined,
        state: connector.state === 'linked' ? 'syncing' : connector.state,
        since: connector.since,
        lastSync: connector.lastSync,
        lastError: connector.lastError,
        nextAttemptAt: connector.nextAttemptAt,
        outputBytes: 0,
      });
    }
    return infos;
  }
}

/**
 * How much newer an entry holding the same value may come back and still be
 * our own, echoed: the clock offset of a link takes in the link's delay, so
 * each sync returns what it carried a few milliseconds newer (transcript 11:
 * "timestamps drift forward a few ms at every sync").
 */
const ECHO_WINDOW_S = 1;

/**
 * An incoming entry with the value we hold (or a tombstone for our
 * tombstone), at most {@link ECHO_WINDOW_S} newer: our own entry come back
 * through a sync, not a new write. Taking it would change nothing but push
 * its times forward, at every sync, until they pass real writes.
 */
function isEcho(ours: CacheEntry | undefined, incoming: CacheEntry): boolean {
  if (ours === undefined || ours.deleted !== incoming.deleted) return false;
  if (!ours.deleted && ours.data !== incoming.data) return false;
  return incoming.cachetime - ours.cachetime <= ECHO_WINDOW_S;
}

function pathNotice(path: readonly string[]): string {
  return `OVERHEAD MN ${PATH_NOTICE}${path.join(',')}\r\n`;
}

function skippedNote(result: DumpResult): string {
  return result.skipped === 0 ? '' : ` (${result.skipped} keys holding "=" left out: a Perl server would read them as other keys)`;
}
