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
 * `MONITOR` line but not its `UNMONITOR` line (transcript 04). A turn whose
 * client must wait mid-chunk (a streamed KEYLIST, a throttled login) goes on
 * when the wait is over, and only then delivers what it deferred.
 *
 * The hub also holds the interclacks links (interclacks/network.ts), which
 * are client connections in interclacks mode, and the sync lock of our
 * master, while it is on.
 *
 * The hub also keeps the server's accounts: the bytes of input and output
 * held for every client until its socket closes, their totals and peaks
 * (`server.usage()`), and the budgets `maxTotalInput` / `maxTotalOutput`,
 * past which the clients holding the most are dropped first.
 * @module
 */
import type { Socket } from 'node:net';
import { LineTooLongError } from '../errors.js';
import { encodeServerLine } from '../wire/index.js';
import { sourceOf, type Admission, type Ticket } from './admission.js';
import { Cache } from './cache.js';
import { TurnClock } from './clock.js';
import { ClientConnection, type ConnectionHost, type ConnectionIdentity, type DropKind } from './client-connection.js';
import { handleLine, handleText } from './commands.js';
import type { LinkState } from './interclacks/link.js';
import { Interclacks } from './interclacks/network.js';
import { LISTEN_ENTRY_BYTES, type ResolvedLimits } from './limits.js';
import { logLine, peerText } from './log-text.js';
import { LoginThrottle } from './login-throttle.js';
import { newCommandCounts } from './metrics/command-counts.js';
import type { LogLevel, ResolvedOptions } from './options.js';
import { formatDouble } from './perl-number.js';
import { KeyListings } from './reply-stream.js';
import type { ServerStats, ServerUsage } from './stats.js';

/** A line held until the end of the loop turn. */
type Deferred =
  | { kind: 'reply'; client: ClientConnection; text: string }
  /** For every client that is monitoring when the turn ends. */
  | { kind: 'debug'; text: string }
  /** For every logged-in client except `except`. */
  | { kind: 'broadcast'; text: string | Buffer; except: ClientConnection | undefined }
  /** Closes the client after what was queued before. */
  | { kind: 'end'; client: ClientConnection };

/** A line at least this long is encoded once and shared by everyone it is sent to. */
const SHARE_AT = 16 * 1024;

export class Hub implements ConnectionHost {
  readonly clients = new Map<string, ClientConnection>();
  /** LISTENed name → the clients listening; SET and NOTIFY fan out through this. */
  readonly subscriptions = new Map<string, Set<ClientConnection>>();
  readonly monitors = new Set<ClientConnection>();
  /** The cache's clock: read once per loop turn (a turn's cache times are the turn's). */
  readonly clock = new TurnClock();
  readonly cache = new Cache(this.clock.now);
  readonly stats: ServerStats = {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    refusedBy: { maxConnections: 0, maxUnauthenticated: 0, maxUnauthenticatedPerSource: 0 },
    authSuccesses: 0,
    authFailures: 0,
    loginsThrottled: 0,
    clientsConnected: 0,
    bytesReceived: 0,
    bytesSent: 0,
    eventsDelivered: 0,
    linesReceived: 0,
    clientsDropped: 0,
    droppedBy: { outputCap: 0, stalled: 0, outputBudget: 0, inputBudget: 0, renegotiation: 0, error: 0 },
    linesTooLong: 0,
    listensRefused: 0,
    errorReportsSuppressed: 0,
    cacheSaves: 0,
    cacheSaveFailures: 0,
  };
  /** Lines received per command type (metrics/command-counts.ts), counted by handleLine. */
  readonly commandCounts = newCommandCounts();
  readonly options: ResolvedOptions;
  readonly limits: ResolvedLimits;
  readonly logins: LoginThrottle;
  readonly keylists: KeyListings;
  /** Called for `OVERHEAD S <seconds>` from a manager. */
  onShutdownRequest: (delayMs: number) => void = () => {};
  /** Links to other servers (interclacks/network.ts). */
  readonly interclacks: Interclacks;
  /** While our master's sync lock is on: its link. Every other connection's lines wait meanwhile. */
  syncLock: ClientConnection | undefined;

  /** What every client's listened names cost together (listen). */
  private listenTotal = 0;
  private deferred: Deferred[] = [];
  private inTurn = false;
  private toFlush: ClientConnection[] = [];
  private flushScheduled = false;
  private connectionNumber = 0;
  private readonly greeting: string;
  /** Every client whose bytes still count (until its socket closes), and the totals. */
  private readonly accounted = new Set<ClientConnection>();
  private inputTotal = 0;
  private outputTotal = 0;
  private peakInput = 0;
  private peakOutput = 0;
  private enforcing = false;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.limits = options.limits;
    this.logins = new LoginThrottle(options.limits);
    this.keylists = new KeyListings(this.cache, () => this.limits.maxKeylistSnapshots);
    this.greeting =
      encodeServerLine({ type: 'greeting', serverInfo: options.serverInfo }) +
      encodeServerLine({ type: 'overhead', flags: 'M', value: 'Authentication required' });
    this.interclacks = new Interclacks(this);
  }

  /** Takes over a freshly accepted (and, for TLS, handshaken) socket. */
  accept(socket: Socket, kind: 'unix' | 'tls', ticket?: Ticket): ClientConnection {
    const number = ++this.connectionNumber;
    const source = ticket?.source ?? sourceOf(kind, socket.remoteAddress);
    const identity =
      kind === 'unix'
        ? { host: 'unixdomainsocket', port: `${formatDouble(Date.now() / 1000)}:${number}`, source }
        : { host: (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, ''), port: `${socket.remotePort ?? 0}:${number}`, source };
    ticket?.handshaken();
    const client = new ClientConnection(socket, this, identity, ticket);
    this.clients.set(client.cid, client);
    this.accounted.add(client);
    this.stats.connectionsAccepted++;
    this.stats.clientsConnected++;
    this.debug(`CONNECTED=${client.cid}`);
    client.send(this.greeting);
    return client;
  }

  /**
   * Takes over a socket this server opened to its master, as a connection in
   * interclacks mode. No greeting, and no `DEBUG CONNECTED` (as the reference).
   */
  attachLink(socket: Socket, identity: ConnectionIdentity, link: LinkState): ClientConnection {
    const client = new ClientConnection(socket, this, identity);
    client.link = link;
    this.clients.set(client.cid, client);
    this.accounted.add(client);
    this.stats.clientsConnected++;
    return client;
  }

  receive(client: ClientConnection, chunk: Buffer): void {
    this.stats.bytesReceived += chunk.length;
    if (client.closing) return;
    this.turn(client, () => client.reader.push(chunk));
    client.afterInput();
  }

  /** Runs a client's held lines as the rest of its interrupted turn, after `first` (a delayed login). */
  resume(client: ClientConnection, first?: () => void): void {
    if (client.closing) return;
    this.turn(client, () => {
      first?.();
      client.replayHeld();
    });
    client.afterInput();
  }

  handleLine(client: ClientConnection, line: string): void {
    this.stats.linesReceived++;
    handleLine(this, client, line);
  }

  handleText(client: ClientConnection, text: string, start: number, end: number): boolean {
    if (!handleText(this, client, text, start, end)) return false;
    this.stats.linesReceived++;
    return true;
  }

  /**
   * Runs `work` as one loop turn of `client`, then delivers what it deferred.
   * When the client's lines must wait mid-turn (a streamed reply, a throttled
   * login), the turn is suspended: its deferred lines wait with the client and
   * go out when its held lines have run, so they still come last.
   */
  private turn(client: ClientConnection, work: () => void): void {
    if (this.inTurn) return this.guarded(client, work);
    this.inTurn = true;
    this.clock.begin();
    const suspended = client.suspendedTurn as Deferred[] | undefined;
    if (suspended !== undefined) {
      this.deferred = suspended;
      client.suspendedTurn = undefined;
    }
    try {
      this.guarded(client, work);
    } finally {
      this.inTurn = false;
      this.clock.end();
      // Most turns defer nothing: the (empty) array is kept for the next one.
      const deferred = this.deferred;
      if (deferred.length > 0 || suspended !== undefined) {
        this.deferred = [];
        if (client.waiting) client.suspendedTurn = deferred;
        else for (const item of deferred) this.deliver(item);
      }
    }
  }

  /** Whatever one client's input provokes costs that client its connection, never the server. */
  private guarded(client: ClientConnection, work: () => void): void {
    try {
      work();
    } catch (error) {
      if (error instanceof LineTooLongError) {
        // Ours, not the reference's: refuse a line that outgrows the limit instead of buffering it forever.
        this.stats.linesTooLong++;
        client.send(encodeServerLine({ type: 'overhead', flags: 'E', value: `line_too_long (limit ${error.limit} bytes)` }));
        client.end();
        return;
      }
      this.log('error', `dropping ${client.cid}: ${error instanceof Error ? error.message : String(error)}`);
      client.drop('an internal error while handling its input', 'error');
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
    this.defer({ kind: 'broadcast', text: shared(text), except });
  }

  /** SET or NOTIFY to everyone listening to `name`, never back to the sender. */
  publish(sender: ClientConnection, name: string, text: string): void {
    const listeners = this.subscriptions.get(name);
    if (listeners === undefined) return;
    const data = listeners.size > 1 ? shared(text) : text;
    let delivered = 0;
    for (const listener of listeners) {
      if (listener === sender) continue;
      listener.send(data);
      delivered++;
    }
    this.stats.eventsDelivered += delivered;
  }

  /** LISTEN, within `maxListenBytesPerClient` and `maxTotalListenBytes`: past them it is refused with `OVERHEAD E listen_limit`. */
  listen(client: ClientConnection, name: string): void {
    if (client.listening.has(name)) return;
    const cost = listenCost(name);
    const { maxListenBytesPerClient, maxTotalListenBytes } = this.limits;
    const overClient = client.listenBytes + cost > maxListenBytesPerClient;
    if (overClient || this.listenTotal + cost > maxTotalListenBytes) {
      this.stats.listensRefused++;
      const [what, limit] = overClient ? ['per client', maxListenBytesPerClient] : ['for all clients', maxTotalListenBytes];
      client.send(encodeServerLine({ type: 'overhead', flags: 'E', value: `listen_limit (names listened to ${what}: limit ${limit} bytes)` }));
      return;
    }
    let listeners = this.subscriptions.get(name);
    if (listeners === undefined) this.subscriptions.set(name, (listeners = new Set()));
    listeners.add(client);
    client.listening.add(name);
    client.listenBytes += cost;
    this.listenTotal += cost;
  }

  unlisten(client: ClientConnection, name: string): void {
    if (!client.listening.delete(name)) return;
    const listeners = this.subscriptions.get(name);
    listeners?.delete(client);
    if (listeners?.size === 0) this.subscriptions.delete(name);
    const cost = listenCost(name);
    client.listenBytes -= cost;
    this.listenTotal -= cost;
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
    if (client.link !== undefined) this.interclacks.gone(client);
    for (const name of client.listening) this.unlisten(client, name);
    this.setMonitoring(client, false);
    this.stats.clientsConnected--;
    if (discarded > 0) this.stats.clientsDropped++;
    const suppressed = client.errorReports.takeSuppressed();
    if (suppressed > 0) this.log('warn', `client ${client.cid} sent ${suppressed} more error reports that were not logged`);
    // What its interrupted turn deferred for others still goes out.
    const interrupted = (client.suspendedTurn as Deferred[] | undefined) ?? [];
    client.suspendedTurn = undefined;
    for (const item of interrupted) if (!('client' in item && item.client === client)) this.defer(item);
    this.debug(`DISCONNECTED=${client.cid} (${discarded} bytes discarded from outbuffer)`);
  }

  release(client: ClientConnection): void {
    if (!this.accounted.delete(client)) return;
    this.inputChanged(client, -client.accountedInput);
    this.outputChanged(client, -client.accountedOutput);
  }

  countDrop(kind: DropKind): void {
    this.stats.droppedBy[kind]++;
  }

  inputChanged(client: ClientConnection, delta: number): void {
    client.accountedInput += delta;
    this.inputTotal += delta;
    if (this.inputTotal > this.peakInput) this.peakInput = this.inputTotal;
    if (delta > 0 && this.inputTotal > this.limits.maxTotalInput) {
      this.enforceBudget('input', this.limits.maxTotalInput, () => this.inputTotal, (holder) => holder.accountedInput);
    }
  }

  outputChanged(client: ClientConnection, delta: number): void {
    client.accountedOutput += delta;
    this.outputTotal += delta;
    if (this.outputTotal > this.peakOutput) this.peakOutput = this.outputTotal;
    if (delta > 0 && this.outputTotal > this.limits.maxTotalOutput) {
      this.enforceBudget('output', this.limits.maxTotalOutput, () => this.outputTotal, (holder) => holder.accountedOutput);
    }
  }

  /** Over a budget: drops the clients holding the most, one by one, until the total fits again. */
  private enforceBudget(what: 'input' | 'output', budget: number, total: () => number, held: (client: ClientConnection) => number): void {
    if (this.enforcing) return;
    this.enforcing = true;
    try {
      const holders = [...this.accounted].filter((client) => held(client) > 0).sort((a, b) => held(b) - held(a));
      for (const holder of holders) {
        if (total() <= budget) break;
        holder.drop(
          `the server holds more than ${budget} bytes of ${what} (maxTotal${what === 'input' ? 'Input' : 'Output'}) and this client holds the most (${held(holder)} bytes)`,
          what === 'input' ? 'inputBudget' : 'outputBudget',
        );
      }
    } finally {
      this.enforcing = false;
    }
  }

  /** Logs with control characters escaped and the length capped, whatever the message holds. */
  log(level: LogLevel, message: string): void {
    this.options.logger(level, logLine(message, this.limits.maxLogLineLength));
  }

  /** `OVERHEAD E <text>`: logged, at most `errorLogsPerMinute` times a minute per client. */
  reportClientError(client: ClientConnection, text: string): void {
    if (!client.errorReports.allow(this.limits.errorLogsPerMinute)) {
      this.stats.errorReportsSuppressed++;
      return;
    }
    const skipped = client.errorReports.takeSuppressed();
    const note = skipped > 0 ? ` (${skipped} earlier reports were not logged)` : '';
    this.log('warn', `client ${client.cid} reports an error: ${peerText(text, this.limits.maxLogLineLength)}${note}`);
  }

  /** What the server holds right now (see ServerUsage). */
  usage(admission: Admission | undefined, resetPeaks = false): ServerUsage {
    const clients = [...this.accounted].map((client) => ({
      cid: client.cid,
      source: client.source,
      state: client.user === undefined ? ('unauthenticated' as const) : ('authenticated' as const),
      user: client.user?.username,
      inputBytes: client.accountedInput,
      outputBytes: client.accountedOutput,
      waiting: client.waiting,
      streaming: client.streaming,
    }));
    const counts = admission?.counts ?? { handshaking: 0, unauthenticated: 0, authenticated: 0 };
    const usage: ServerUsage = {
      connections: { total: counts.handshaking + counts.unauthenticated + counts.authenticated, ...counts },
      input: { bytes: this.inputTotal, peakBytes: this.peakInput, budget: this.limits.maxTotalInput },
      output: { bytes: this.outputTotal, peakBytes: this.peakOutput, budget: this.limits.maxTotalOutput },
      listens: { bytes: this.listenTotal, budget: this.limits.maxTotalListenBytes },
      keylists: { snapshots: this.keylists.active, bytes: this.keylists.bytes },
      loginThrottle: { sources: this.logins.size, waiting: this.logins.waiting },
      clients,
    };
    if (resetPeaks) {
      this.peakInput = this.inputTotal;
      this.peakOutput = this.outputTotal;
    }
    return usage;
  }

  /** Checks every client's timers (PROTOCOL.md, "Keepalive and timeouts"). */
  sweep(now: number): void {
    const { pingTimeout, authTimeout, stalledWriteTimeout, nopInterval } = this.options;
    for (const client of this.clients.values()) {
      // Links have timers of their own (interclacks/network.ts).
      if (client.link !== undefined) {
        this.interclacks.sweep(client, now);
        continue;
      }
      // The ping check runs first, so with pingtimeout <= authtimeout even a
      // client that never logs in gets TIMEOUT (transcript 09 a).
      if (pingTimeout > 0 && !client.pingSuspended && now - client.lastPingAt > pingTimeout) {
        client.end(encodeServerLine({ type: 'timeout' }));
      } else if (client.user === undefined) {
        if (authTimeout > 0 && now - client.connectedAt > authTimeout) client.end();
      } else if (client.blockedSince !== 0) {
        // blockedSince moves with every slice the socket takes: a slow reader is not stalled.
        if (stalledWriteTimeout > 0 && now - client.blockedSince > stalledWriteTimeout) {
          client.drop(`its socket has taken nothing for ${stalledWriteTimeout} ms`, 'stalled');
        }
      } else if (nopInterval > 0 && now - client.lastOutputAt > nopInterval && client.outputLength === 0) {
        client.send(encodeServerLine({ type: 'nop' }));
      }
    }
  }

  /**
   * Sends `QUIT` to every client and closes them (shutdown, `OVERHEAD C`);
   * `reason` is what the links' logs say.
   * `OVERHEAD GC` (`forward`) first tells every link to do the same, so the
   * whole network closes; the link it came from gets it back too, as from
   * the reference (transcript 11, e2).
   */
  disconnectAll(reason: string, forward = false): void {
    const quit = encodeServerLine({ type: 'quit' });
    if (forward) for (const link of this.interclacks.targets) link.send('\r\nOVERHEAD GC 1\r\n');
    for (const client of [...this.clients.values()]) {
      client.link?.down(reason);
      client.end(quit);
    }
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

/** A long line becomes one Buffer that every recipient's queue shares, instead of a copy each. */
function shared(text: string): string | Buffer {
  return text.length >= SHARE_AT ? Buffer.from(text, 'latin1') : text;
}

/** What a listened name counts for the LISTEN limits: its bytes and its bookkeeping. */
function listenCost(name: string): number {
  return name.length + LISTEN_ENTRY_BYTES;
}
