/**
 * The client's core: one connection at a time, re-opened after a loss; the
 * command pipeline with request matching, deadlines and the offline queue;
 * incoming lines turned into events; keepalive and liveness.
 * @module
 */
import pTimeout from 'p-timeout';
import { platform, PlatformEmitter } from '#platform';
import {
  AbortError,
  AuthenticationError,
  ClacksError,
  ClosedError,
  ConnectionError,
  ConnectionLostError,
  GatewayError,
  PermissionDeniedError,
  QueueFullError,
  ServerError,
  TimeoutError,
} from '../errors.js';
import { Connection, type OutboundEntry } from '../connection/connection.js';
import { StateMachine, type ConnectionState } from '../connection/state.js';
import { LivenessMonitor } from '../connection/liveness.js';
import { EventHub } from '../events/event-hub.js';
import { PendingSetEvent } from '../events/pending-set.js';
import type { EventQueue } from '../events/event-queue.js';
import type { StatusEvent } from '../events/types.js';
import { encodeAuthToken } from '../wire/client-commands.js';
import { parseServerLine } from '../wire/server-lines.js';
import { OfflineQueue, type QueueableCommand } from './offline-queue.js';
import { describeTarget, type ClientOptions, type ResolvedTarget } from './options.js';
import { PendingRequest, replyOf, RequestTracker, type RequestKind } from './request-tracker.js';
import type { CommandTraceContext, ServerFields } from './channels.js';
import {
  commandsObserved,
  connectsObserved,
  debugEnabled,
  debugNote,
  debugTraffic,
  dropsObserved,
  publishDropped,
  publishStatus,
  statusObserved,
  traceCommand,
  traceConnect,
} from './instrumentation.js';
import { DeadlineQueue } from './deadlines.js';
import { resolveSettings, type Settings } from './settings.js';
import { ListenRegistry } from './subscriptions.js';
import { noop } from '../util/noop.js';


/** Per-request options. */
export interface RequestOptions {
  /** Deadline in ms; `TimeoutError` after it. Default: the client's request timeout (30 s). `Infinity` for none. */
  timeout?: number;
  /** Cancels the request with an `AbortError`. A request already written still consumes its reply. */
  signal?: AbortSignal;
}

/**
 * Counters and gauges of a client, from `client.stats()`: what a program
 * exports to its metrics (as nats.js `stats()`). Counters cover the client's
 * whole life, across reconnects.
 */
export interface ClientStats {
  /** Command lines written to the server after the login (the client's own PINGs and probes included). */
  commandsSent: number;
  /** Replies matched to requests (a KEYLIST or CLIENTLIST block counts once). */
  repliesReceived: number;
  /** Events received from the server (SET, NOTIFY, DEBUG, OVERHEAD messages and errors, unsolicited lines), before any iterator's filter. */
  eventsReceived: number;
  /** Events an iterator had no room for (its count or byte bound), summed over every iterator. */
  eventsDropped: number;
  /** Connections made again after a loss. */
  reconnects: number;
  /** Bytes received from servers. */
  bytesIn: number;
  /** Bytes written to servers. */
  bytesOut: number;
  /** Gauge: requests written and waiting for their reply. */
  pendingRequests: number;
  /** Gauge: commands waiting in the offline queue. */
  offlineQueued: number;
  /** Gauge: bytes of commands not yet taken by the socket. */
  writeBufferBytes: number;
  /** Gauge: events waiting in iterators, summed over every iterator. */
  bufferedEvents: number;
  /** Gauge: bytes of those events (their lines' length). */
  bufferedEventBytes: number;
  /** Gauge: bytes of a KEYLIST or CLIENTLIST reply being collected. */
  listReplyBytes: number;
}

/** Events of the client as an EventEmitter. */
export interface ClacksClientEvents {
  /** A server-reported error (`OVERHEAD E …`) or a fatal connection error. Emitted only while a listener is attached. */
  error: [error: ClacksError];
  /** A connection status change (also available as `status()`). */
  status: [event: StatusEvent];
}



/**
 * The machinery under {@link ClacksClient}: the command pipeline (write,
 * request, dispatch to the connection or the offline queue), incoming lines,
 * connecting and reconnecting, keepalive and liveness, and shutting down.
 * The public commands live in client.ts.
 */
export abstract class ClientCore extends PlatformEmitter<ClacksClientEvents> {
  private readonly servers: ResolvedTarget[];
  protected readonly settings: Settings;
  private readonly tls: ClientOptions['tls'];
  protected readonly machine = new StateMachine();
  private readonly tracker: RequestTracker;
  /** The default request deadline; undefined when requests have none (`timeouts.request: Infinity`). */
  private readonly deadlines: DeadlineQueue | undefined;
  private readonly offline: OfflineQueue | undefined;
  protected readonly hub: EventHub;
  protected readonly statusQueues = new Set<EventQueue<StatusEvent>>();
  protected readonly listens = new ListenRegistry();
  protected readonly lastSentValues = new Map<string, string>();
  protected connection: Connection | undefined;
  private attempting: Connection | undefined;
  /** Cancels a connect / TLS handshake in progress (before a Connection exists) when the client closes. */
  private transportAbort: AbortController | undefined;
  private serverCursor = 0;
  protected currentServer: ResolvedTarget | undefined;
  private seq = 0;
  /** The last FLUSH probe on this connection: its seq, when it went out, and whether its FLUSHED is still due. */
  private probe: { seq: number; sentAt: number; outstanding: boolean } | undefined;
  private probeCounter = 0;
  protected monitoring = false;
  protected pingDisabled = false;
  private reconnectAttempt = 0;
  /** When the current connection was made (ms since epoch): the backoff restarts only after it stayed up a while. */
  private connectedAt = 0;
  private readonly counters = { commandsSent: 0, eventsReceived: 0, eventsDropped: 0, reconnects: 0, bytesIn: 0, bytesOut: 0 };
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  protected closePromise: Promise<void> | undefined;
  private closeWaiter: (() => void) | undefined;
  protected info: string | undefined;

  /** @internal Use {@link createClient}. */
  constructor(servers: ResolvedTarget[], options: ClientOptions) {
    super();
    this.servers = servers;
    this.tls = options.tls;
    this.settings = resolveSettings(options);
    this.tracker = new RequestTracker({ maxEntries: this.settings.maxListEntries, maxBytes: this.settings.maxListBytes });
    const timeout = this.settings.requestTimeout;
    if (Number.isFinite(timeout) && timeout > 0) this.deadlines = new DeadlineQueue(timeout, (request) => this.timedOut(request, timeout));
    if (this.settings.offlineQueue) this.offline = new OfflineQueue(this.settings.offlineQueue);
    this.hub = new EventHub({
      bufferSize: this.settings.eventBufferSize,
      bufferBytes: this.settings.eventBufferBytes,
      overflow: this.settings.eventOverflow,
      onDrop: (event, reason, overflow) => {
        this.counters.eventsDropped++;
        if (dropsObserved()) publishDropped({ client: this, type: event.type, reason, overflow });
      },
    });
  }

  /** Counters since the client was created, and gauges of what it holds now. */
  stats(): ClientStats {
    const connection = this.connection;
    const events = this.hub.buffered;
    return {
      commandsSent: this.counters.commandsSent,
      repliesReceived: this.tracker.replies,
      eventsReceived: this.counters.eventsReceived,
      eventsDropped: this.counters.eventsDropped,
      reconnects: this.counters.reconnects,
      bytesIn: this.counters.bytesIn + (connection?.bytesRead ?? 0),
      bytesOut: this.counters.bytesOut + (connection?.bytesWritten ?? 0),
      pendingRequests: this.tracker.size,
      offlineQueued: this.offline?.length ?? 0,
      writeBufferBytes: connection?.bufferedLength ?? 0,
      bufferedEvents: events.events,
      bufferedEventBytes: events.bytes,
      listReplyBytes: this.tracker.listBytes,
    };
  }

  /** Where the connection stands: `connecting`, `ready`, `reconnecting`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.machine.state;
  }

  protected get isFinished(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  /** Runs a command method so that a synchronous error (validation) becomes a rejected promise. */
  protected guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return run();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A command without reply: resolves once handed to the socket. While
   * connected, every write of one batch (one socket write) shares one promise.
   */
  protected write(line: string): Promise<void> {
    if (commandsObserved()) return handled(traceCommand(this.commandContext(line), () => this.writeNow(line)));
    return this.writeNow(line);
  }

  private writeNow(line: string): Promise<void> {
    const connection = this.connection;
    if (this.state === 'ready' && connection) {
      if (connection.bufferedLength > this.settings.maxWriteBuffer) {
        return handled(Promise.reject(new QueueFullError(`write buffer full: ${connection.bufferedLength} bytes are waiting for the socket`)));
      }
      this.counters.commandsSent++;
      return connection.writeLine(line);
    }
    return handled(
      new Promise<void>((resolve, reject) => {
        const command: QueueableCommand = { line, seq: 0, written: resolve, fail: reject };
        this.dispatch(command);
      }),
    );
  }

  /**
   * A command with a reply: resolves with it, matched by the tracker. The
   * default deadline is watched by one timer for all requests; a per-call
   * `timeout` gets its own (p-timeout).
   */
  protected request<T>(kind: RequestKind, key: string, options?: RequestOptions): Promise<T> {
    if (commandsObserved()) return traceCommand(this.requestContext(kind, key), () => this.requestNow<T>(kind, key, options));
    return this.requestNow<T>(kind, key, options);
  }

  private requestNow<T>(kind: RequestKind, key: string, options: RequestOptions | undefined): Promise<T> {
    const request = new PendingRequest(kind, key);
    const reply = replyOf<T>(request);
    if (options !== undefined) return this.requestWith(request, reply, options);
    // The common case: connected, room in the write buffer, the default deadline, no signal.
    const connection = this.connection;
    if (connection !== undefined && this.machine.state === 'ready' && connection.bufferedLength <= this.settings.maxWriteBuffer) {
      this.send(connection, request);
    } else {
      try {
        this.dispatch(request);
      } catch (error) {
        request.fail(asError(error));
        return reply;
      }
    }
    this.deadlines?.add(request);
    return reply;
  }

  /** A request with options: a signal, a deadline of its own. */
  private requestWith<T>(request: PendingRequest, reply: Promise<T>, options: RequestOptions): Promise<T> {
    const signal = options.signal;
    if (signal?.aborted) {
      request.fail(new AbortError(`${describeLine(request.line)} was aborted before it was sent`, { cause: signal.reason }));
      return reply;
    }
    try {
      this.dispatch(request);
    } catch (error) {
      request.fail(asError(error));
      return reply;
    }
    if (signal) {
      const onAbort = (): void => {
        this.offline?.remove(request);
        // Still tracked when written: its reply is consumed, keeping matching right.
        request.fail(new AbortError(`${describeLine(request.line)} was aborted`, { cause: signal.reason }));
        this.tracker.abandon(request);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.onSettle = () => signal.removeEventListener('abort', onAbort);
    }
    const timeout = options.timeout;
    if (timeout === undefined) {
      this.deadlines?.add(request);
      return reply;
    }
    if (!Number.isFinite(timeout) || timeout <= 0) return reply;
    return pTimeout(reply, {
      milliseconds: timeout,
      fallback: () => {
        const error = this.timedOut(request, timeout);
        throw error;
      },
    });
  }

  /** Fails a request whose deadline passed; a written one stays tracked so its late reply is consumed. */
  private timedOut(request: PendingRequest, timeout: number): TimeoutError {
    const error = new TimeoutError(`${describeLine(request.line)} got no reply within ${timeout} ms`);
    const wasQueued = this.offline?.remove(request) ?? false;
    request.fail(error);
    this.tracker.abandon(request);
    // A written request that never gets a reply would stay at the head of the
    // reply queue and send every later reply down the slow path; a FLUSH probe
    // sweeps it out (request-tracker.ts).
    if (!wasQueued && request.seq > (this.probe?.seq ?? 0)) this.sendProbe();
    return error;
  }

  /** Sends a command now, queues it while disconnected, or refuses it. */
  private dispatch(command: QueueableCommand): void {
    switch (this.state) {
      case 'ready': {
        const connection = this.connection as Connection;
        if (connection.bufferedLength > this.settings.maxWriteBuffer) {
          throw new QueueFullError(`write buffer full: ${connection.bufferedLength} bytes are waiting for the socket`);
        }
        this.send(connection, command);
        return;
      }
      case 'connecting':
      case 'reconnecting':
        if (!this.offline) throw new ConnectionError(`not connected (${this.state}) and the offline queue is disabled`);
        this.offline.add(command);
        return;
      default:
        throw new ClosedError(`the client is ${this.state}`);
    }
  }

  private send(connection: Connection, command: QueueableCommand): void {
    command.seq = ++this.seq;
    this.counters.commandsSent++;
    if (command instanceof PendingRequest) this.tracker.track(command);
    connection.write(command);
  }

  /** A line the application did not ask for (PING, remembrance, probes). */
  private sendInternal(line: string): void {
    if (this.state !== 'ready' || !this.connection) return;
    this.send(this.connection, { line, seq: 0, written: noop, fail: noop });
  }

  /** Where the next command goes: the current server, or the one the next attempt tries. */
  private serverFields(server: ResolvedTarget = this.currentServer ?? (this.servers[this.serverCursor % this.servers.length] as ResolvedTarget)): ServerFields {
    switch (server.kind) {
      case 'unix':
        return { server: describeTarget(server), serverAddress: server.path, serverPort: undefined };
      case 'tls':
        return { server: describeTarget(server), serverAddress: server.host, serverPort: server.port };
      case 'ws':
        return { server: describeTarget(server), serverAddress: server.url, serverPort: undefined };
    }
  }

  /** The trace context of a write, from its line: the verb, and the name for commands that take one. */
  private commandContext(line: string): CommandTraceContext {
    const end = line.length - 2; // CRLF
    const space = line.indexOf(' ');
    const command = space === -1 || space > end ? line.slice(0, end) : line.slice(0, space);
    let key: string | undefined;
    if (space !== -1 && NAMED_COMMANDS.has(command)) {
      const equals = line.indexOf('=', space + 1);
      key = line.slice(space + 1, equals === -1 || equals > end ? end : equals);
    }
    return { command, key, ...this.serverFields() };
  }

  private requestContext(kind: RequestKind, key: string): CommandTraceContext {
    return { command: kind.toUpperCase(), key: kind === 'retrieve' ? key : undefined, ...this.serverFields() };
  }

  // ---------------------------------------------------------------- incoming

  private onLine(connection: Connection, text: string): void {
    if (connection !== this.connection && connection !== this.attempting) return;
    // The commonest line, the reply to the oldest read, is matched on its text.
    if (this.tracker.answerHead(text)) {
      this.deadlines?.prune();
      return;
    }
    const line = parseServerLine(text);
    if (this.tracker.handle(line)) {
      this.deadlines?.prune();
      return;
    }
    switch (line.type) {
      // These records have exactly the shape of their events: passed on as they are.
      case 'set':
      case 'notify':
      case 'debug':
        this.counters.eventsReceived++;
        this.hub.dispatch(line);
        return;
      case 'overhead':
        this.counters.eventsReceived++;
        if (line.flags.includes('E')) this.onServerError(line.value);
        else this.hub.dispatch({ type: 'message', flags: line.flags, text: line.value });
        return;
      case 'timeout':
        connection.destroy(new ConnectionError('the server sent TIMEOUT (ping timeout or stalled write) and dropped the connection'));
        return;
      case 'quit':
        connection.destroy(new ConnectionError('the server sent QUIT (shutdown or CLIENTDISCONNECT) and dropped the connection'));
        return;
      case 'nop':
      case 'ping':
      case 'greeting':
        return;
      default:
        this.counters.eventsReceived++;
        this.hub.dispatch({ type: 'unsolicited', line });
    }
  }

  /**
   * A line of 1 MiB or more, undecoded: a SET is dispatched with its value
   * still bytes (decoded when a consumer takes it, never when a bound drops
   * it); any other line is left to `onLine`. (A SET is never a reply.)
   */
  private onLargeLine(connection: Connection, bytes: Uint8Array): boolean {
    if (connection !== this.connection && connection !== this.attempting) return true;
    const event = PendingSetEvent.fromLine(bytes, platform.decodeUtf8);
    if (event === undefined) return false;
    this.counters.eventsReceived++;
    this.hub.dispatchPending(event);
    return true;
  }

  private onServerError(message: string): void {
    this.hub.dispatch({ type: 'error', message });
    if (message === 'permission_denied') {
      this.report(new PermissionDeniedError('the server refused a command: permission denied'));
      // Reads refused this way are rejected when a later FLUSHED arrives; make one come now.
      if (this.tracker.hasReadsAfter(this.probe?.seq ?? 0)) this.sendProbe();
    } else {
      this.report(new ServerError(`the server reported: ${message}`));
    }
  }

  /** An internal FLUSH: for liveness, and to settle refused reads promptly. */
  private sendProbe(): void {
    if (this.state !== 'ready' || !this.connection) return;
    const id = `net-clacks-probe-${++this.probeCounter}`;
    const probe = { seq: 0, sentAt: Date.now(), outstanding: true };
    const request = new PendingRequest('flush', id, true);
    request.resolve = () => (probe.outstanding = false);
    this.send(this.connection, request);
    probe.seq = request.seq;
    this.probe = probe;
  }

  /** Emits a server-reported or fatal error to 'error' listeners, if any (never an unhandled 'error'). */
  protected report(error: unknown): void {
    if (this.listenerCount('error') === 0) return;
    const clacksError = error instanceof ClacksError ? error : new ConnectionError(String(error), { cause: error });
    this.emit('error', clacksError);
  }

  private emitStatus(event: StatusEvent): void {
    if (debugEnabled()) debugNote(this.settings.name, describeStatus(event));
    if (statusObserved()) publishStatus({ client: this, event });
    for (const queue of this.statusQueues) queue.push(event);
    this.emit('status', event);
  }

  // ---------------------------------------------------------------- connecting

  /** @internal The first connection: retried within `waitForServer` ms, never after an authentication failure. */
  async connect(): Promise<void> {
    const deadline = Date.now() + this.settings.waitForServer;
    let attempt = 0;
    for (;;) {
      attempt++;
      const server = this.nextServer();
      this.emitStatus({ type: 'connecting', attempt, server: describeTarget(server) });
      try {
        const connection = await this.tryServer(server, attempt, false);
        this.onConnected(connection, server, false);
        return;
      } catch (error) {
        const cause = asError(error);
        if (this.isFinished) throw new ClosedError('the client was closed while connecting', { cause });
        const delay = isFatal(cause) ? false : this.settings.policy(attempt, cause);
        const remaining = deadline - Date.now();
        if (delay === false || remaining <= 0) {
          this.finish(cause, true);
          this.closePromise = Promise.resolve();
          if (attempt === 1 || isFatal(cause)) throw cause;
          throw new ConnectionError(`could not connect within ${this.settings.waitForServer} ms (${attempt} attempts): ${cause.message}`, { cause });
        }
        // The last wait is cut short to the deadline, so one more attempt is made at it.
        await sleep(Math.min(delay, remaining));
        if (this.isFinished) throw new ClosedError('the client was closed while connecting', { cause });
      }
    }
  }

  /** One connection attempt, traced on `net-clacks:connect` when observed. */
  private tryServer(server: ResolvedTarget, attempt: number, reconnect: boolean): Promise<Connection> {
    if (!connectsObserved()) return this.open(server);
    return traceConnect({ ...this.serverFields(server), attempt, reconnect }, () => this.open(server));
  }

  private nextServer(): ResolvedTarget {
    const server = this.servers[this.serverCursor % this.servers.length] as ResolvedTarget;
    this.serverCursor++;
    return server;
  }

  /**
   * Opens a socket and runs the handshake, pipelined like the reference:
   * CLACKS and OVERHEAD A at once, then (after a reconnect) LISTEN for every
   * live name, MONITOR and NOPING, without waiting for the greeting.
   */
  private async open(server: ResolvedTarget): Promise<Connection> {
    const abort = new AbortController();
    this.transportAbort = abort;
    let socket: Awaited<ReturnType<typeof platform.openTransport>>;
    try {
      socket = await platform.openTransport(server, {
        where: describeTarget(server),
        ...(this.tls ? { tls: this.tls } : {}),
        connectTimeout: this.settings.connectTimeout,
        tlsHandshakeTimeout: this.settings.tlsHandshakeTimeout,
        keepAlive: this.settings.keepAlive,
        signal: abort.signal,
      });
    } finally {
      if (this.transportAbort === abort) this.transportAbort = undefined;
    }
    if (this.isFinished) {
      socket.destroy();
      throw new ClosedError('the client was closed while connecting');
    }
    const connection: Connection = new Connection(
      socket,
      {
        onLine: (line) => this.onLine(connection, line),
        onLargeLine: (bytes) => this.onLargeLine(connection, bytes),
        onClose: (error) => this.onConnectionClosed(connection, error),
      },
      {
        maxLineLength: this.settings.maxLineLength,
        headerTimeout: this.settings.headerTimeout,
        authTimeout: this.settings.authTimeout,
        trace: debugEnabled() ? traceTo(describeTarget(server)) : undefined,
      },
    );
    this.attempting = connection;
    let lines = `CLACKS ${this.settings.name}\r\nOVERHEAD A ${encodeAuthToken(server.username, server.password)}\r\n`;
    for (const name of this.listens.active) lines += `LISTEN ${name}\r\n`;
    if (this.monitoring) lines += 'MONITOR\r\n';
    if (this.pingDisabled) lines += 'NOPING\r\n';
    try {
      await connection.start(lines);
    } finally {
      if (this.attempting === connection) this.attempting = undefined;
    }
    return connection;
  }

  private onConnected(connection: Connection, server: ResolvedTarget, reconnected: boolean): void {
    this.connection = connection;
    this.currentServer = server;
    this.info = connection.serverInfo;
    this.machine.moveTo('ready');
    this.connectedAt = Date.now();
    if (reconnected) this.counters.reconnects++;
    if (this.settings.failover === 'in-order') this.serverCursor = 0;
    this.probe = undefined;
    // Commands that waited (those in flight at the loss first, in their order), now in order.
    if (this.offline) for (const command of this.offline.drain()) this.send(connection, command);
    this.startTimers();
    const where = describeTarget(server);
    if (reconnected) {
      this.emitStatus({ type: 'reconnected', server: where, serverInfo: this.info ?? '' });
      this.hub.dispatch({ type: 'reconnected' });
    } else {
      this.emitStatus({ type: 'connected', server: where, serverInfo: this.info ?? '' });
    }
  }

  /** The socket of a connection closed, for whatever reason. */
  private onConnectionClosed(connection: Connection, error: Error | undefined): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    this.counters.bytesIn += connection.bytesRead;
    this.counters.bytesOut += connection.bytesWritten;
    // Only a connection that stayed up a while resets the backoff: a server
    // that logs clients in and drops them must not get a reconnect storm.
    if (Date.now() - this.connectedAt >= this.settings.reconnectResetAfter) this.reconnectAttempt = 0;
    this.stopTimers();
    if (this.state === 'closing') {
      failUnwritten(connection, new ClosedError('the client was closed before the command was written'));
      this.closeWaiter?.();
      return;
    }
    if (this.state !== 'ready') return;
    const reason = error ?? new ConnectionError('the connection closed');
    const resend = this.collectResend(connection, reason);
    this.emitStatus({ type: 'disconnected', reason });
    this.hub.dispatch({ type: 'disconnected', reason });
    // A 'status' listener may have closed or destroyed the client just now:
    // nothing will re-send these, and 'reconnecting' is no longer reachable.
    if (this.isFinished) {
      for (const command of resend) command.fail(new ClosedError(`the client was closed after the connection was lost: ${reason.message}`, { cause: reason }));
      return;
    }
    if (!this.settings.reconnect) {
      for (const command of resend) command.fail(new ConnectionLostError(`connection lost: ${reason.message}`, { cause: reason }));
      this.terminate(reason);
      return;
    }
    this.machine.moveTo('reconnecting');
    if (this.offline) this.offline.readmit(resend);
    else for (const command of resend) command.fail(new ConnectionLostError(`connection lost: ${reason.message}`, { cause: reason }));
    this.scheduleReconnect(reason);
  }

  /**
   * Decides what happens to what was in flight: reads are sent again (they
   * are idempotent), a flush() barrier rejects with ConnectionLostError,
   * writes already handed to the old socket are not replayed, and writes that
   * never reached it are sent after reconnecting. Order is kept.
   */
  private collectResend(connection: Connection, reason: Error): QueueableCommand[] {
    // Whatever reached the socket came before everything that did not, so the
    // order is: requests written and unanswered, then the unwritten, in order.
    const unwritten = connection.takeUnwritten() as QueueableCommand[];
    const notWritten = new Set<OutboundEntry>(unwritten);
    const all = [...this.tracker.takeAll().filter((request) => !notWritten.has(request)), ...unwritten];
    const resend: QueueableCommand[] = [];
    for (const command of all) {
      if (!(command instanceof PendingRequest)) {
        resend.push(command);
        continue;
      }
      if (command.internal || command.settled) continue;
      if (command.kind === 'flush') {
        command.fail(new ConnectionLostError(`the connection was lost before FLUSH completed (${reason.message}): earlier writes may not have reached the server`, { cause: reason }));
      } else {
        resend.push(command);
      }
    }
    return resend;
  }

  private scheduleReconnect(cause: Error): void {
    const attempt = ++this.reconnectAttempt;
    const delay = this.settings.policy(attempt, cause);
    if (delay === false) {
      this.terminate(new ConnectionError(`gave up reconnecting after ${attempt - 1} attempts: ${cause.message}`, { cause }));
      return;
    }
    this.emitStatus({ type: 'reconnecting', attempt, delay, cause });
    if (this.state !== 'reconnecting') return; // closed by a 'status' listener
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    if (this.state !== 'reconnecting') return;
    const server = this.nextServer();
    try {
      const connection = await this.tryServer(server, this.reconnectAttempt, true);
      if (this.state !== 'reconnecting') {
        connection.destroy();
        return;
      }
      this.onConnected(connection, server, true);
    } catch (error) {
      if (this.state !== 'reconnecting') return;
      const cause = asError(error);
      if (isFatal(cause)) this.terminate(cause);
      else this.scheduleReconnect(cause);
    }
  }

  // ---------------------------------------------------------------- timers

  private startTimers(): void {
    const { pingInterval, remembrance, liveness } = this.settings;
    if (pingInterval !== false && pingInterval > 0) {
      this.timers.push(setInterval(() => !this.pingDisabled && this.sendInternal('PING\r\n'), pingInterval));
    }
    if (remembrance) {
      this.timers.push(setInterval(() => this.sendInternal(`OVERHEAD GNU ${remembrance.name}\r\n`), remembrance.interval));
    }
    if (liveness && this.connection) {
      const monitor = new LivenessMonitor(this.connection, liveness.interval, liveness.timeout, {
        send: () => this.sendProbe(),
        outstandingSince: () => (this.probe?.outstanding ? this.probe.sentAt : undefined),
      });
      this.timers.push(setInterval(() => monitor.check(), monitor.tick));
    }
    for (const timer of this.timers) platform.unref(timer);
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  // ---------------------------------------------------------------- ending

  protected async shutDown(): Promise<void> {
    // 'closing' without a close() of ours: a fatal error is ending the client
    // right now (close() called from its 'error' listener); it finishes it.
    if (this.isFinished) return;
    this.machine.moveTo('closing');
    this.stopAll();
    const connection = this.connection;
    // Bytes of commands already handed to the socket (their promises resolved), dropped at the deadline.
    let discarded = 0;
    if (connection && !connection.isClosed) {
      const closed = new Promise<void>((resolve) => {
        this.closeWaiter = resolve;
      });
      connection.write({ line: QUIT, seq: ++this.seq, written: noop });
      connection.end();
      const timer = setTimeout(() => {
        discarded = Math.max(0, connection.socketBuffered - QUIT.length);
        connection.destroy();
      }, this.settings.closeTimeout);
      await closed;
      clearTimeout(timer);
    }
    this.finish(new ClosedError('the client was closed before the reply arrived'), false);
    if (discarded > 0) {
      throw new TimeoutError(
        `close(): the server took nothing more for ${this.settings.closeTimeout} ms (timeouts.close); ${discarded} bytes of commands already handed to the socket were discarded (flush() before close() confirms that everything arrived)`,
      );
    }
  }

  /**
   * Stops reconnecting, timers and any half-made connection; fails what waits
   * offline with `reason` (a fatal error such as AuthenticationError must
   * reach the callers, not a generic ClosedError).
   */
  protected stopAll(reason: Error = new ClosedError('the client was closed before the connection returned')): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopTimers();
    // A socket still connecting or in its TLS handshake would otherwise stay open until its deadline.
    this.transportAbort?.abort();
    this.attempting?.destroy(new ClosedError('the client was closed while connecting'));
    this.offline?.failAll(reason);
  }

  /** A fatal error: no more reconnecting; everything pending rejects with it. */
  private terminate(reason: Error): void {
    if (this.isFinished) return;
    this.machine.moveTo('closing');
    this.stopAll(reason);
    this.connection?.destroy();
    this.report(reason);
    this.finish(reason, true);
    this.closePromise ??= Promise.resolve();
  }

  /** Final step: settle every request, end every iterator, state `closed`. */
  protected finish(reason: Error, fatal: boolean): void {
    if (this.state === 'closed') return;
    if (this.state !== 'closing') this.machine.moveTo('closing');
    failUnwritten(this.connection, reason);
    this.connection = undefined;
    for (const request of this.tracker.takeAll()) request.fail(reason);
    this.deadlines?.clear();
    this.offline?.failAll(reason);
    this.machine.moveTo('closed');
    // A close() still waiting for the socket (destroy() during close()) would
    // never hear of it: the connection is no longer current. Release it.
    this.closeWaiter?.();
    this.closeWaiter = undefined;
    this.hub.endAll(fatal ? reason : undefined);
    this.emitStatus(fatal ? { type: 'closed', reason } : { type: 'closed' });
    for (const queue of [...this.statusQueues]) queue.end();
  }
}


/**
 * Fails the writes a gone connection never handed to its socket: the client
 * is closing, nothing will re-send them, and their promises would otherwise
 * never settle (destroy() right after store(), a write racing the socket's
 * failure). Requests among them are failed by the tracker too; twice is harmless.
 */
function failUnwritten(connection: Connection | undefined, reason: Error): void {
  for (const entry of connection?.takeUnwritten() ?? []) (entry as Partial<QueueableCommand>).fail?.(reason);
}


/**
 * Marks a write's promise as handled: writes may be fired and forgotten, as a
 * nats.js publish, so a failed one must not crash the process through an
 * unhandled rejection. A caller that awaits it still gets the rejection.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

/** The last line `close()` writes. */
const QUIT = 'QUIT\r\n';
/** Commands whose first argument is a name (a key or a signal name): their traces carry it as `key`. */
const NAMED_COMMANDS = new Set(['NOTIFY', 'SET', 'SETANDSTORE', 'LISTEN', 'UNLISTEN', 'STORE', 'RETRIEVE', 'REMOVE', 'INCREMENT', 'DECREMENT']);

/** A Connection's trace hook printing its traffic for `NODE_DEBUG=net-clacks`. */
function traceTo(where: string): (direction: 'in' | 'out', text: string) => void {
  return (direction, text) => debugTraffic(where, direction, text);
}

/** A status change in one line, for `NODE_DEBUG=net-clacks`. */
function describeStatus(event: StatusEvent): string {
  switch (event.type) {
    case 'connecting':
      return `connecting to ${event.server} (attempt ${event.attempt})`;
    case 'connected':
    case 'reconnected':
      return `${event.type} to ${event.server} (${event.serverInfo})`;
    case 'disconnected':
      return `disconnected: ${event.reason.message}`;
    case 'reconnecting':
      return `reconnecting in ${event.delay} ms (attempt ${event.attempt}): ${event.cause.message}`;
    case 'closed':
      return event.reason ? `closed: ${event.reason.message}` : 'closed';
  }
}

function describeLine(line: string): string {
  const text = line.trimEnd();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Errors no retry can mend: bad credentials, a gateway that refuses this page's origin or its authorization. */
function isFatal(error: Error): boolean {
  return error instanceof AuthenticationError || (error instanceof GatewayError && error.permanent);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
