/**
 * The server's shared state and its loop turn: connected clients, LISTEN
 * subscriptions, monitors, the cache, and the queue of lines that the
 * reference server writes at the END of a loop turn.
 *
 * A loop turn is one read chunk of one client and everything it causes
 * (PROTOCOL.md, "Session start", ordering caveat): direct replies (RETRIEVED,
 * KEYLIST…, FLUSHED, unknown_command) go straight into the client's output,
 * while `Welcome!`, `permission_denied`, DEBUG lines and OVERHEAD broadcasts
 * are delivered when the turn ends. That is why a monitor sees its own
 * `MONITOR` line but not its `UNMONITOR` line (transcript 04).
 * @module
 */
import type { Socket } from 'node:net';
import { LineTooLongError } from '../errors.js';
import { encodeServerLine } from '../wire/index.js';
import { Cache } from './cache.js';
import { ClientConnection, type ConnectionHost } from './client-connection.js';
import { handleLine } from './commands.js';
import type { LogLevel, ResolvedOptions } from './options.js';
import { formatDouble } from './perl-number.js';
import type { ServerStats } from './stats.js';

/** A line held until the end of the loop turn. */
type Deferred =
  | { kind: 'reply'; client: ClientConnection; text: string }
  /** For every client that is monitoring when the turn ends. */
  | { kind: 'debug'; text: string }
  /** For every logged-in client except `except`. */
  | { kind: 'broadcast'; text: string; except: ClientConnection | undefined }
  /** Closes the client after what was queued before. */
  | { kind: 'end'; client: ClientConnection };

export class Hub implements ConnectionHost {
  readonly clients = new Map<string, ClientConnection>();
  /** LISTENed name → the clients listening; SET and NOTIFY fan out through this. */
  readonly subscriptions = new Map<string, Set<ClientConnection>>();
  readonly monitors = new Set<ClientConnection>();
  readonly cache = new Cache();
  readonly stats: ServerStats = {
    connectionsAccepted: 0,
    authSuccesses: 0,
    authFailures: 0,
    clientsConnected: 0,
    bytesReceived: 0,
    linesReceived: 0,
    clientsDropped: 0,
    cacheSaves: 0,
    cacheSaveFailures: 0,
  };
  readonly options: ResolvedOptions;
  /** Called for `OVERHEAD S <seconds>` from a manager. */
  onShutdownRequest: (delayMs: number) => void = () => {};

  private deferred: Deferred[] = [];
  private inTurn = false;
  private toFlush: ClientConnection[] = [];
  private flushScheduled = false;
  private connectionNumber = 0;
  private readonly greeting: string;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.greeting =
      encodeServerLine({ type: 'greeting', serverInfo: options.serverInfo }) +
      encodeServerLine({ type: 'overhead', flags: 'M', value: 'Authentication required' });
  }

  get maxLineLength(): number {
    return this.options.maxLineLength;
  }

  get maxOutputBuffer(): number {
    return this.options.maxOutputBuffer;
  }

  /** Takes over a freshly accepted (and, for TLS, handshaken) socket. */
  accept(socket: Socket, kind: 'unix' | 'tls'): ClientConnection {
    const number = ++this.connectionNumber;
    const identity =
      kind === 'unix'
        ? { host: 'unixdomainsocket', port: `${formatDouble(Date.now() / 1000)}:${number}` }
        : { host: (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, ''), port: `${socket.remotePort ?? 0}:${number}` };
    const client = new ClientConnection(socket, this, identity);
    this.clients.set(client.cid, client);
    this.stats.connectionsAccepted++;
    this.stats.clientsConnected++;
    this.debug(`CONNECTED=${client.cid}`);
    client.send(this.greeting);
    return client;
  }

  receive(client: ClientConnection, chunk: Buffer): void {
    this.stats.bytesReceived += chunk.length;
    if (client.closing) return;
    this.turn(() => {
      try {
        client.reader.push(chunk);
      } catch (error) {
        if (error instanceof LineTooLongError) {
          // Ours, not the reference's: refuse a line that outgrows the limit instead of buffering it forever.
          client.send(encodeServerLine({ type: 'overhead', flags: 'E', value: `line_too_long (limit ${error.limit} bytes)` }));
          client.end();
          return;
        }
        // Whatever one client's input provokes (say, a KEYLIST too large for
        // one string) costs that client its connection, never the server.
        this.log('error', `dropping ${client.cid}: ${error instanceof Error ? error.message : String(error)}`);
        client.drop('an internal error while handling its input');
      }
    });
  }

  handleLine(client: ClientConnection, line: string): void {
    this.stats.linesReceived++;
    handleLine(this, client, line);
  }

  /** Runs `work` as one loop turn, then delivers what it deferred. */
  turn(work: () => void): void {
    if (this.inTurn) return work();
    this.inTurn = true;
    try {
      work();
    } finally {
      this.inTurn = false;
      const deferred = this.deferred;
      this.deferred = [];
      for (const item of deferred) this.deliver(item);
    }
  }

  /** Queues a reply for the end of the turn (`Welcome!`, `permission_denied`). */
  replyLater(client: ClientConnection, text: string): void {
    this.defer({ kind: 'reply', client, text });
  }

  /**
   * QUIT: ignore the rest of the input and close at the end of the turn, so
   * that a pipelined `Welcome!` or `permission_denied` still goes out first.
   */
  endLater(client: ClientConnection): void {
    client.ignoreInput = true;
    this.defer({ kind: 'end', client });
  }

  /** `DEBUG <text>` to every monitor, at the end of the turn. Nothing to do without monitors. */
  debug(text: string): void {
    if (this.monitors.size > 0) this.defer({ kind: 'debug', text: `DEBUG ${text}\r\n` });
  }

  /** A line for every logged-in client but `except`, at the end of the turn. */
  broadcast(text: string, except: ClientConnection | undefined): void {
    this.defer({ kind: 'broadcast', text, except });
  }

  /** SET or NOTIFY to everyone listening to `name`, never back to the sender. */
  publish(sender: ClientConnection, name: string, text: string): void {
    const listeners = this.subscriptions.get(name);
    if (listeners === undefined) return;
    for (const listener of listeners) if (listener !== sender) listener.send(text);
  }

  listen(client: ClientConnection, name: string): void {
    let listeners = this.subscriptions.get(name);
    if (listeners === undefined) this.subscriptions.set(name, (listeners = new Set()));
    listeners.add(client);
    client.listening.add(name);
  }

  unlisten(client: ClientConnection, name: string): void {
    const listeners = this.subscriptions.get(name);
    listeners?.delete(client);
    if (listeners?.size === 0) this.subscriptions.delete(name);
    client.listening.delete(name);
  }

  setMonitoring(client: ClientConnection, on: boolean): void {
    client.monitoring = on;
    if (on) this.monitors.add(client);
    else this.monitors.delete(client);
  }

  scheduleFlush(client: ClientConnection): void {
    this.toFlush.push(client);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushAll);
  }

  forget(client: ClientConnection, discarded: number): void {
    if (this.clients.get(client.cid) !== client) return;
    this.clients.delete(client.cid);
    for (const name of client.listening) this.unlisten(client, name);
    this.setMonitoring(client, false);
    this.stats.clientsConnected--;
    if (discarded > 0) this.stats.clientsDropped++;
    this.debug(`DISCONNECTED=${client.cid} (${discarded} bytes discarded from outbuffer)`);
  }

  log(level: LogLevel, message: string): void {
    this.options.logger(level, message);
  }

  /** Checks every client's timers (PROTOCOL.md, "Keepalive and timeouts"). */
  sweep(now: number): void {
    const { pingTimeout, authTimeout, stalledWriteTimeout, nopInterval } = this.options;
    for (const client of this.clients.values()) {
      // The ping check runs first, so with pingtimeout <= authtimeout even a
      // client that never logs in gets TIMEOUT (transcript 09 a).
      if (pingTimeout > 0 && !client.pingSuspended && now - client.lastPingAt > pingTimeout) {
        client.end(encodeServerLine({ type: 'timeout' }));
      } else if (client.user === undefined) {
        if (authTimeout > 0 && now - client.connectedAt > authTimeout) client.end();
      } else if (client.blockedSince !== 0) {
        if (stalledWriteTimeout > 0 && now - client.blockedSince > stalledWriteTimeout) {
          client.drop(`it has not read anything for ${stalledWriteTimeout} ms`);
        }
      } else if (nopInterval > 0 && now - client.lastOutputAt > nopInterval && client.outputLength === 0) {
        client.send(encodeServerLine({ type: 'nop' }));
      }
    }
  }

  /** Sends `QUIT` to every client and closes them (shutdown, `OVERHEAD C`). */
  disconnectAll(): void {
    const quit = encodeServerLine({ type: 'quit' });
    for (const client of [...this.clients.values()]) client.end(quit);
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const clients = this.toFlush;
    this.toFlush = [];
    for (const client of clients) client.flush();
  };

  private defer(item: Deferred): void {
    if (this.inTurn) this.deferred.push(item);
    else this.deliver(item);
  }

  private deliver(item: Deferred): void {
    switch (item.kind) {
      case 'reply':
        item.client.send(item.text);
        break;
      case 'debug':
        for (const monitor of this.monitors) monitor.send(item.text);
        break;
      case 'broadcast':
        for (const client of this.clients.values()) {
          if (client.user !== undefined && client !== item.except) client.send(item.text);
        }
        break;
      case 'end':
        item.client.end();
        break;
    }
  }
}
