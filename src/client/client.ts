/**
 * The public client: every Net::Clacks::Client capability as Promises and
 * async iterators, on top of one connection at a time that it re-opens by
 * itself after a loss.
 * @module
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import pTimeout from 'p-timeout';
import {
  AbortError,
  AuthenticationError,
  ClacksError,
  ClosedError,
  ConnectionError,
  ConnectionLostError,
  PermissionDeniedError,
  QueueFullError,
  ServerError,
  TimeoutError,
  ValidationError,
} from '../errors.js';
import { Connection, type OutboundEntry } from '../connection/connection.js';
import { exponentialBackoff, type ReconnectPolicy } from '../connection/reconnect-policy.js';
import { StateMachine, type ConnectionState } from '../connection/state.js';
import { openTransport } from '../connection/transport.js';
import { EventHub, type EventOptions, type ValueDecoder } from '../events/event-hub.js';
import { EventQueue, type OverflowPolicy } from '../events/event-queue.js';
import type { ClacksEvent, StatusEvent, SubscriptionEvent } from '../events/types.js';
import { encodeAuthToken, encodeClientCommand } from '../wire/client-commands.js';
import type { ServerLine } from '../wire/server-lines.js';
import { validateIdentification, validateName, validateStep, validateText, validateValue } from '../wire/validate.js';
import { VERSION } from '../version.js';
import { OfflineQueue, type QueueableCommand } from './offline-queue.js';
import { describeTarget, type ClientOptions, type ResolvedTarget } from './options.js';
import { PendingRequest, RequestTracker, type RequestKind } from './request-tracker.js';
import { DeadlineQueue } from './deadlines.js';
import { ListenRegistry } from './subscriptions.js';
import { toClientInfo, type ClientInfo } from './client-info.js';

/** Per-request options. */
export interface RequestOptions {
  /** Deadline in ms; `TimeoutError` after it. Default: the client's request timeout (30 s). `Infinity` for none. */
  timeout?: number;
  /** Cancels the request with an `AbortError`. A request already written still consumes its reply. */
  signal?: AbortSignal;
}

/** Options of `client.set()`. */
export interface SetOptions {
  /** Send even when caching mode would skip an unchanged value. */
  force?: boolean;
}

/** Options of `client.subscribe()`. */
export interface SubscribeOptions<V = string> {
  /** Most events buffered while the consumer is busy. */
  bufferSize?: number;
  /** What happens when the buffer is full. */
  overflow?: OverflowPolicy;
  /** Decode SET values with this codec. */
  codec?: ValueDecoder<V>;
}

/** Options of `client.status()`. */
export interface StatusOptions {
  /** Most status changes buffered. Default 1,000 (oldest dropped). */
  bufferSize?: number;
}

/** A live subscription: an async iterable of the names' events. Leaving the loop unsubscribes. */
export interface Subscription<V = string> extends AsyncIterableIterator<SubscriptionEvent<V>> {
  /** The names subscribed to. */
  readonly names: readonly string[];
  /** Resolves once the LISTEN lines have been handed to the socket (or were already in place). */
  readonly ready: Promise<void>;
  /** Events dropped because the buffer was full. */
  readonly dropped: number;
  /** Ends the iteration and sends UNLISTEN for names nothing else holds. */
  unsubscribe(): void;
}

/** Events of the client as an EventEmitter. */
export interface ClacksClientEvents {
  /** A server-reported error (`OVERHEAD E …`) or a fatal connection error. Emitted only while a listener is attached. */
  error: [error: ClacksError];
  /** A connection status change (also available as `status()`). */
  status: [event: StatusEvent];
}

interface Settings {
  name: string;
  requestTimeout: number;
  connectTimeout: number;
  tlsHandshakeTimeout: number;
  headerTimeout: number;
  authTimeout: number;
  waitForServer: number;
  reconnect: boolean;
  policy: ReconnectPolicy;
  failover: 'in-order' | 'rotate';
  pingInterval: number | false;
  remembrance: { name: string; interval: number } | false;
  liveness: { interval: number; timeout: number } | false;
  keepAlive: number;
  caching: boolean;
  maxLineLength: number;
  maxWriteBuffer: number;
  closeTimeout: number;
}

type WriteCommand = QueueableCommand;

const noop = (): void => {};

/**
 * A connection to a Clacks server (or to one of several). Create it with
 * {@link createClient}. Every command returns a Promise; incoming signals
 * arrive through {@link ClacksClient.events} and {@link ClacksClient.subscribe}.
 */
export class ClacksClient extends EventEmitter<ClacksClientEvents> implements AsyncDisposable {
  private readonly servers: ResolvedTarget[];
  private readonly settings: Settings;
  private readonly tls: ClientOptions['tls'];
  private readonly machine = new StateMachine();
  private readonly tracker = new RequestTracker();
  private readonly deadlines = new DeadlineQueue((request) => this.timedOut(request, this.settings.requestTimeout));
  private readonly offline: OfflineQueue | undefined;
  private readonly hub: EventHub;
  private readonly statusQueues = new Set<EventQueue<StatusEvent>>();
  private readonly listens = new ListenRegistry();
  private readonly lastSentValues = new Map<string, string>();
  private connection: Connection | undefined;
  private attempting: Connection | undefined;
  /** Cancels a connect / TLS handshake in progress (before a Connection exists) when the client closes. */
  private transportAbort: AbortController | undefined;
  private serverCursor = 0;
  private currentServer: ResolvedTarget | undefined;
  private seq = 0;
  private probeSeq = 0;
  private probeSentAt = 0;
  private probeCounter = 0;
  private probeOutstanding = false;
  private monitoring = false;
  private pingDisabled = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private timers: NodeJS.Timeout[] = [];
  private lastProgress = { bytesWritten: 0, at: 0 };
  private closePromise: Promise<void> | undefined;
  private closeWaiter: (() => void) | undefined;
  private info: string | undefined;

  /** @internal Use {@link createClient}. */
  constructor(servers: ResolvedTarget[], options: ClientOptions) {
    super();
    this.servers = servers;
    this.tls = options.tls;
    const timeouts = options.timeouts ?? {};
    const remembrance = options.remembrance ?? true;
    const liveness = options.liveness ?? {};
    this.settings = {
      name: validateIdentification(options.name ?? `net-clacks/${VERSION}`, 'name'),
      requestTimeout: timeouts.request ?? 30_000,
      connectTimeout: timeouts.connect ?? 10_000,
      tlsHandshakeTimeout: timeouts.tlsHandshake ?? 10_000,
      headerTimeout: timeouts.header ?? 15_000,
      authTimeout: timeouts.auth ?? 15_000,
      waitForServer: options.waitForServer ?? 0,
      reconnect: options.reconnect ?? true,
      policy: options.reconnectPolicy ?? exponentialBackoff(),
      failover: options.failover ?? 'in-order',
      pingInterval: options.pingInterval ?? 30_000,
      remembrance:
        remembrance === false
          ? false
          : {
              name: (remembrance === true ? undefined : remembrance.name) ?? 'Terry Pratchett',
              interval: (remembrance === true ? undefined : remembrance.interval) ?? 3_600_000,
            },
      liveness: liveness === false ? false : { interval: liveness.interval ?? 15_000, timeout: liveness.timeout ?? 15_000 },
      keepAlive: options.keepAlive ?? 30_000,
      caching: options.caching ?? false,
      maxLineLength: options.maxLineLength ?? 16 * 1024 * 1024,
      maxWriteBuffer: options.maxWriteBuffer ?? 64 * 1024 * 1024,
      closeTimeout: 5_000,
    };
    if (this.settings.remembrance) validateText(this.settings.remembrance.name, 'remembrance.name');
    const offline = options.offlineQueue ?? true;
    if (offline !== false) {
      const limits = offline === true ? {} : offline;
      this.offline = new OfflineQueue({
        maxCommands: limits.maxCommands ?? 10_000,
        maxBytes: limits.maxBytes ?? 16 * 1024 * 1024,
        timeout: limits.timeout ?? 30_000,
      });
    }
    this.hub = new EventHub({ bufferSize: options.eventBufferSize ?? 10_000, overflow: options.eventOverflow ?? 'drop-oldest' });
  }

  // ---------------------------------------------------------------- state

  /** Where the connection stands: `connecting`, `ready`, `reconnecting`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.machine.state;
  }

  /** The server's identification from its `CLACKS` greeting (e.g. `PageCamel 36`). */
  get serverInfo(): string | undefined {
    return this.info;
  }

  /** The server currently (or last) connected to, without credentials. */
  get server(): string | undefined {
    return this.currentServer ? describeTarget(this.currentServer) : undefined;
  }

  /**
   * Connection status changes as an async iterable: `connecting`,
   * `connected`, `disconnected` (with the reason), `reconnecting` (attempt
   * and delay), `reconnected`, `closed`. Ends when the client is closed.
   */
  status(options: StatusOptions = {}): AsyncIterableIterator<StatusEvent> {
    const queue: EventQueue<StatusEvent> = new EventQueue<StatusEvent>({
      bufferSize: options.bufferSize ?? 1000,
      onClose: () => this.statusQueues.delete(queue),
    });
    if (this.state === 'closed') queue.end();
    else this.statusQueues.add(queue);
    return queue;
  }

  // ---------------------------------------------------------------- signals

  /** Sends `NOTIFY name` to every other client listening to `name`. Resolves once handed to the socket. */
  notify(name: string): Promise<void> {
    try {
      return this.write(`NOTIFY ${validateName(name)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends `SET name=value` to every other client listening to `name`. With
   * caching mode on, a value equal to the last one sent for `name` is skipped
   * unless `{ force: true }`.
   */
  set(name: string, value: string, options?: SetOptions): Promise<void> {
    return this.guard(() => {
      validateName(name);
      validateValue(value);
      if (this.settings.caching) {
        if (!options?.force && this.lastSentValues.get(name) === value) return Promise.resolve();
        this.lastSentValues.set(name, value);
      }
      return this.write(`SET ${name}=${value}\r\n`);
    });
  }

  /** `SETANDSTORE`: stores the value and sends it as `SET` to the other listeners. */
  setAndStore(name: string, value: string): Promise<void> {
    try {
      return this.write(`SETANDSTORE ${validateName(name)}=${validateValue(value)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Starts receiving SET/NOTIFY for `name` through {@link events}. Kept
   * across reconnects. See also {@link subscribe}.
   */
  listen(name: string): Promise<void> {
    return this.guard(() => {
      validateName(name);
      if (!this.listens.listen(name)) return Promise.resolve();
      return this.write(`LISTEN ${name}\r\n`).catch((error: unknown) => {
        this.listens.unlisten(name);
        throw error;
      });
    });
  }

  /** Stops an explicit {@link listen}. UNLISTEN is sent only when no subscription still holds the name. */
  unlisten(name: string): Promise<void> {
    return this.guard(() => {
      validateName(name);
      if (!this.listens.unlisten(name)) return Promise.resolve();
      return this.write(`UNLISTEN ${name}\r\n`);
    });
  }

  // ---------------------------------------------------------------- cache

  /** `STORE name=value`. Resolves once handed to the socket; `flush()` confirms. */
  store(name: string, value: string): Promise<void> {
    try {
      return this.write(`STORE ${validateName(name)}=${validateValue(value)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reads a cached value: the string, or `undefined` when the key does not exist. */
  retrieve(name: string, options?: RequestOptions): Promise<string | undefined> {
    try {
      return this.request<string | undefined>('retrieve', validateName(name), `RETRIEVE ${name}\r\n`, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `REMOVE name`. */
  remove(name: string): Promise<void> {
    try {
      return this.write(`REMOVE ${validateName(name)}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `INCREMENT name[=step]`: a missing or non-numeric value counts as 0 (server-side Perl arithmetic). */
  increment(name: string, step?: number | string): Promise<void> {
    try {
      return this.write(encodeClientCommand({ type: 'increment', name: validateName(name), ...stepOf(step) }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `DECREMENT name[=step]`. */
  decrement(name: string, step?: number | string): Promise<void> {
    try {
      return this.write(encodeClientCommand({ type: 'decrement', name: validateName(name), ...stepOf(step) }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Every cached key, sorted (the embedded server leaves out removed keys; the reference lists them for an hour). */
  keylist(options?: RequestOptions): Promise<string[]> {
    try {
      return this.request<string[]>('keylist', '', 'KEYLIST\r\n', options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Empties the server's cache (needs the manage permission). */
  clearcache(): Promise<void> {
    try {
      return this.write('CLEARCACHE\r\n');
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---------------------------------------------------------------- control

  /**
   * The barrier: resolves when the server has processed every command sent
   * before it (`FLUSH id` / `FLUSHED id`). Rejects with `ConnectionLostError`
   * when the connection drops first, since earlier writes may not have landed.
   */
  flush(options?: RequestOptions): Promise<void> {
    return this.guard(() => {
      const id = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
      return this.request<void>('flush', id, `FLUSH ${id}\r\n`, options);
    });
  }

  /** Sends `PING` now (the client also pings on its own every `pingInterval`) and resumes pinging after {@link disablePing}. */
  ping(): Promise<void> {
    return this.guard(() => {
      this.pingDisabled = false;
      return this.write('PING\r\n');
    });
  }

  /** Sends `NOPING`: the server suspends its ping timeout until the next PING; the client stops its own pings. Kept across reconnects. */
  disablePing(): Promise<void> {
    return this.guard(() => {
      this.pingDisabled = true;
      return this.write('NOPING\r\n');
    });
  }

  /** Turns monitor mode on (`MONITOR`) or off (`UNMONITOR`); DEBUG lines then arrive as `debug` events. Kept across reconnects. */
  monitor(on = true): Promise<void> {
    return this.guard(() => {
      this.monitoring = on;
      return this.write(on ? 'MONITOR\r\n' : 'UNMONITOR\r\n');
    });
  }

  /** The server's connected clients (needs the manage permission). */
  clientlist(options?: RequestOptions): Promise<ClientInfo[]> {
    return this.guard(() =>
      this.request<Array<Record<string, string>>>('clientlist', '', 'CLIENTLIST\r\n', options).then((entries) => entries.map(toClientInfo)),
    );
  }

  /** Asks the server to drop the client with id `cid` (needs the manage permission). */
  clientDisconnect(cid: string): Promise<void> {
    try {
      return this.write(`CLIENTDISCONNECT ${validateText(cid, 'cid')}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends one raw line (validated: one line, no CR/LF). Replies to it are not
   * matched to this call; they arrive as `unsolicited` events.
   */
  sendRaw(line: string): Promise<void> {
    try {
      return this.write(`${validateText(line, 'line')}\r\n`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---------------------------------------------------------------- events

  /**
   * Incoming events as an async iterable: `set`, `notify`, `debug`, `error`,
   * `message`, `disconnected`, `reconnected` (and `unsolicited` when asked
   * for by type). Any number of iterators may be open; each gets every event
   * its filter accepts. Ends when the client is closed.
   */
  events<V = string>(options: EventOptions<V> = {}): AsyncIterableIterator<ClacksEvent<V>> {
    if (options.names) for (const name of options.names) validateName(name, 'names');
    const queue = this.hub.open<V>(options);
    if (this.isFinished) queue.end();
    return queue;
  }

  /**
   * Sends LISTEN for `names` and returns an async iterable of their SET and
   * NOTIFY events (plus `reconnected` gap markers). Leaving the loop or
   * calling `unsubscribe()` sends UNLISTEN for names nothing else holds.
   * @throws {ValidationError} for an invalid name, before anything is sent.
   */
  subscribe<V = string>(names: string | string[], options: SubscribeOptions<V> = {}): Subscription<V> {
    const list = [...new Set(typeof names === 'string' ? [names] : names)];
    if (list.length === 0) throw new ValidationError('names', 'subscribe needs at least one name');
    for (const name of list) validateName(name, 'names');
    if (this.isFinished) throw new ClosedError();
    const toListen = list.filter((name) => this.listens.acquire(name));
    const queue = this.hub.open<V>({ ...options, names: list, types: ['set', 'notify', 'reconnected'] }, () => {
      for (const name of list) {
        if (this.listens.unref(name) && !this.isFinished) this.write(`UNLISTEN ${name}\r\n`).catch((error: unknown) => this.report(error));
      }
    });
    const ready = Promise.all(toListen.map((name) => this.write(`LISTEN ${name}\r\n`))).then(noop);
    ready.catch(noop);
    const subscription = Object.assign(queue as unknown as EventQueue<SubscriptionEvent<V>>, {
      names: list,
      ready,
      unsubscribe: () => void queue.return(),
    });
    return subscription as unknown as Subscription<V>;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Closes gracefully: writes what is queued, sends QUIT, waits for the
   * server to close (replies to reads already sent still arrive), then ends
   * every iterator. Pending requests that got no reply reject with
   * `ClosedError`. Idempotent.
   */
  close(): Promise<void> {
    if (!this.closePromise) this.closePromise = this.shutDown();
    return this.closePromise;
  }

  /** Drops the connection at once (the reference's fastdisconnect): every pending request rejects with `ClosedError`. */
  destroy(): void {
    if (this.state === 'closed') return;
    if (this.machine.can('closing')) this.machine.moveTo('closing');
    this.stopAll();
    this.connection?.destroy();
    this.finish(new ClosedError('the client was destroyed'), false);
    this.closePromise ??= Promise.resolve();
  }

  /** `await using client = await createClient(…)` closes the client at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ================================================================ internals

  private get isFinished(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  /** Runs a command method so that a synchronous error (validation) becomes a rejected promise. */
  private guard<T>(run: () => Promise<T>): Promise<T> {
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
  private write(line: string): Promise<void> {
    const connection = this.connection;
    if (this.state === 'ready' && connection) {
      if (connection.bufferedLength > this.settings.maxWriteBuffer) {
        return Promise.reject(new QueueFullError(`write buffer full: ${connection.bufferedLength} bytes are waiting for the socket`));
      }
      const batch = connection.batch();
      this.send(connection, { line, seq: 0, written: batch.resolve, fail: batch.reject });
      return batch.promise;
    }
    return new Promise<void>((resolve, reject) => {
      const command: WriteCommand = { line, seq: 0, written: resolve, fail: reject };
      this.dispatch(command);
    });
  }

  /**
   * A command with a reply: resolves with it, matched by the tracker. The
   * default deadline is watched by one timer for all requests; a per-call
   * `timeout` gets its own (p-timeout).
   */
  private request<T>(kind: RequestKind, key: string, line: string, options?: RequestOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(`${describeLine(line)} was aborted before it was sent`, { cause: signal.reason }));
    let request!: PendingRequest;
    const reply = new Promise<T>((resolve, reject) => {
      request = new PendingRequest(kind, key, line, resolve as (value: unknown) => void, reject);
    });
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
        request.fail(new AbortError(`${describeLine(line)} was aborted`, { cause: signal.reason }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.onSettle = () => signal.removeEventListener('abort', onAbort);
    }
    const timeout = options?.timeout;
    if (timeout === undefined) {
      const fallback = this.settings.requestTimeout;
      if (Number.isFinite(fallback) && fallback > 0) this.deadlines.add(request, Date.now() + fallback);
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
    this.offline?.remove(request);
    request.fail(error);
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
    if (command instanceof PendingRequest) this.tracker.track(command);
    connection.write(command);
  }

  /** A line the application did not ask for (PING, remembrance, probes). */
  private sendInternal(line: string): void {
    if (this.state !== 'ready' || !this.connection) return;
    this.send(this.connection, { line, seq: 0, written: noop, fail: noop });
  }

  // ---------------------------------------------------------------- incoming

  private onLine(connection: Connection, line: ServerLine): void {
    if (connection !== this.connection && connection !== this.attempting) return;
    if (this.tracker.handle(line)) {
      this.deadlines.prune();
      return;
    }
    switch (line.type) {
      // These records have exactly the shape of their events: passed on as they are.
      case 'set':
      case 'notify':
      case 'debug':
        this.hub.dispatch(line);
        return;
      case 'overhead':
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
        this.hub.dispatch({ type: 'unsolicited', line });
    }
  }

  private onServerError(message: string): void {
    this.hub.dispatch({ type: 'error', message });
    if (message === 'permission_denied') {
      this.report(new PermissionDeniedError('the server refused a command: permission denied'));
      // Reads refused this way are rejected when a later FLUSHED arrives; make one come now.
      if (this.tracker.hasReadsAfter(this.probeSeq)) this.sendProbe();
    } else {
      this.report(new ServerError(`the server reported: ${message}`));
    }
  }

  /** An internal FLUSH: for liveness, and to settle refused reads promptly. */
  private sendProbe(): void {
    if (this.state !== 'ready' || !this.connection) return;
    const id = `net-clacks-probe-${++this.probeCounter}`;
    const done = (): void => {
      this.probeOutstanding = false;
    };
    const probe = new PendingRequest('flush', id, `FLUSH ${id}\r\n`, done, noop, true);
    this.probeOutstanding = true;
    this.probeSentAt = Date.now();
    this.send(this.connection, probe);
    this.probeSeq = probe.seq;
  }

  /** Emits a server-reported or fatal error to 'error' listeners, if any (never an unhandled 'error'). */
  private report(error: unknown): void {
    if (this.listenerCount('error') === 0) return;
    const clacksError = error instanceof ClacksError ? error : new ConnectionError(String(error), { cause: error });
    this.emit('error', clacksError);
  }

  private emitStatus(event: StatusEvent): void {
    for (const queue of this.statusQueues) queue.push(event);
    this.emit('status', event);
  }

  // ---------------------------------------------------------------- connecting

  /** @internal The first connection: retried within `waitForServer` ms, never after an authentication failure. */
  async connect(): Promise<void> {
    const started = Date.now();
    let attempt = 0;
    for (;;) {
      attempt++;
      const server = this.nextServer();
      this.emitStatus({ type: 'connecting', attempt, server: describeTarget(server) });
      try {
        const connection = await this.open(server);
        this.onConnected(connection, server, false);
        return;
      } catch (error) {
        const cause = asError(error);
        if (this.isFinished) throw new ClosedError('the client was closed while connecting', { cause });
        const delay = cause instanceof AuthenticationError ? false : this.settings.policy(attempt, cause);
        if (delay === false || Date.now() - started + delay > this.settings.waitForServer) {
          this.finish(cause, true);
          this.closePromise = Promise.resolve();
          if (attempt === 1 || cause instanceof AuthenticationError) throw cause;
          throw new ConnectionError(`could not connect within ${this.settings.waitForServer} ms (${attempt} attempts): ${cause.message}`, { cause });
        }
        await sleep(delay);
        if (this.isFinished) throw new ClosedError('the client was closed while connecting', { cause });
      }
    }
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
    let socket: Awaited<ReturnType<typeof openTransport>>;
    try {
      socket = await openTransport(server, {
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
      { onLine: (line) => this.onLine(connection, line), onClose: (error) => this.onConnectionClosed(connection, error) },
      { maxLineLength: this.settings.maxLineLength, headerTimeout: this.settings.headerTimeout, authTimeout: this.settings.authTimeout },
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
    this.reconnectAttempt = 0;
    if (this.settings.failover === 'in-order') this.serverCursor = 0;
    this.probeOutstanding = false;
    this.probeSeq = 0;
    this.lastProgress = { bytesWritten: 0, at: Date.now() };
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
    const inFlight = this.tracker.takeAll();
    const tracked = new Set<OutboundEntry>(inFlight);
    const unwritten = connection.takeUnwritten().filter((entry) => !tracked.has(entry));
    const all = [...inFlight, ...(unwritten as QueueableCommand[])].sort((a, b) => a.seq - b.seq);
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
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    if (this.state !== 'reconnecting') return;
    const server = this.nextServer();
    try {
      const connection = await this.open(server);
      if (this.state !== 'reconnecting') {
        connection.destroy();
        return;
      }
      this.onConnected(connection, server, true);
    } catch (error) {
      if (this.state !== 'reconnecting') return;
      const cause = asError(error);
      if (cause instanceof AuthenticationError) this.terminate(cause);
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
    if (liveness) {
      const tick = Math.max(10, Math.min(liveness.interval, liveness.timeout) / 2);
      this.timers.push(setInterval(() => this.checkLiveness(liveness.interval, liveness.timeout), tick));
    }
    for (const timer of this.timers) timer.unref();
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /**
   * A server that stopped answering (frozen, half-open TCP, dropped link), or
   * stopped reading our writes, is declared dead: the socket is destroyed and
   * the reconnect starts. PING has no reply, so the probe is a FLUSH.
   */
  private checkLiveness(interval: number, timeout: number): void {
    const connection = this.connection;
    if (this.state !== 'ready' || !connection) return;
    const now = Date.now();
    const silentFor = now - connection.lastReceivedAt;
    if (connection.socketBuffered > 0) {
      if (connection.bytesWritten !== this.lastProgress.bytesWritten) this.lastProgress = { bytesWritten: connection.bytesWritten, at: now };
      else if (now - this.lastProgress.at >= timeout) {
        connection.destroy(new ConnectionError(`the server stopped reading: no write progress for ${now - this.lastProgress.at} ms`));
        return;
      }
    } else {
      this.lastProgress = { bytesWritten: connection.bytesWritten, at: now };
    }
    if (this.probeOutstanding) {
      if (now - Math.max(this.probeSentAt, connection.lastReceivedAt) >= timeout) {
        connection.destroy(new ConnectionError(`the server stopped responding: nothing received for ${silentFor} ms`));
      }
      return;
    }
    if (silentFor >= interval) this.sendProbe();
  }

  // ---------------------------------------------------------------- ending

  private async shutDown(): Promise<void> {
    if (this.state === 'closed') return;
    this.machine.moveTo('closing');
    this.stopAll();
    const connection = this.connection;
    if (connection && !connection.isClosed) {
      const closed = new Promise<void>((resolve) => {
        this.closeWaiter = resolve;
      });
      connection.write({ line: 'QUIT\r\n', seq: ++this.seq, written: noop });
      connection.end();
      const timer = setTimeout(() => connection.destroy(), this.settings.closeTimeout);
      await closed;
      clearTimeout(timer);
    }
    this.finish(new ClosedError('the client was closed before the reply arrived'), false);
  }

  /**
   * Stops reconnecting, timers and any half-made connection; fails what waits
   * offline with `reason` (a fatal error such as AuthenticationError must
   * reach the callers, not a generic ClosedError).
   */
  private stopAll(reason: Error = new ClosedError('the client was closed before the connection returned')): void {
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
  private finish(reason: Error, fatal: boolean): void {
    if (this.state === 'closed') return;
    if (this.state !== 'closing') this.machine.moveTo('closing');
    failUnwritten(this.connection, reason);
    this.connection = undefined;
    for (const request of this.tracker.takeAll()) request.fail(reason);
    this.deadlines.clear();
    this.offline?.failAll(reason);
    this.machine.moveTo('closed');
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

function stepOf(step: number | string | undefined): { step?: string } {
  return step === undefined ? {} : { step: validateStep(step) };
}

function describeLine(line: string): string {
  const text = line.trimEnd();
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
