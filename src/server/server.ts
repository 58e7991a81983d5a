/**
 * `startServer`: an embedded CLACKS server that behaves like the reference
 * (Net::Clacks server v36) as PROTOCOL.md and the transcripts describe it.
 * This file holds the lifecycle: listeners up, timers running, and an orderly
 * shutdown (QUIT to every client, listeners closed, cache saved).
 * @module
 */
import type { Socket } from 'node:net';
import { Admission, type RefusalReason, type Ticket } from './admission.js';
import { CacheCleaner } from './cache-cleaner.js';
import { epochSeconds } from './clock.js';
import { Hub } from './hub.js';
import type { LinkInfo } from './interclacks/link.js';
import { missingDirectory } from './missing-directory.js';
import { openListener, type BoundListener, type ServerAddress } from './listeners.js';
import { ProcessMetrics } from './metrics/process-metrics.js';
import type { LinkMetrics } from './metrics/server-metrics.js';
import { formatMetrics, takeSnapshot } from './metrics/snapshot.js';
import { resolveOptions, type ResolvedOptions, type ServerOptions } from './options.js';
import { Persister } from './persistence/persister.js';
import type { ServerStats, ServerUsage } from './stats.js';

/** A running server. */
export interface ClacksServer {
  /** Where it listens, one entry per listener (a port of 0 is resolved). */
  readonly addresses: readonly ServerAddress[];
  /** Live counters. */
  readonly stats: Readonly<ServerStats>;
  /**
   * What the server holds for its clients right now: connections by state,
   * input and output bytes in total (with their peaks) and per connection,
   * KEYLIST snapshots, the login throttle's table. `resetPeaks` starts the
   * peaks over from the current figures (after reading them).
   */
  usage(options?: { resetPeaks?: boolean }): ServerUsage;
  /** This server's id in interclacks networks (`serverId`, random by default). */
  readonly serverId: string;
  /**
   * The interclacks links right now: the master (also while it cannot be
   * reached: `state` `connecting` or `down`, with `lastError` and
   * `nextAttemptAt`) and every slave, each with its state, since when, and
   * the figures of its last sync. A snapshot; cheap enough to poll (metrics).
   */
  links(): LinkInfo[];
  /**
   * The server's metrics in the Prometheus text format (version 0.0.4),
   * for `GET /metrics`: connections by state, clients by user, lines by
   * command, events delivered, bytes in and out, drops and refusals by
   * reason, logins, buffers, the cache's keys, tombstones and bytes, saves,
   * and the process's CPU, memory and event loop delay. Serve it with
   * {@link startMetricsServer}, or from your own HTTP server with the
   * Content-Type {@link PROMETHEUS_CONTENT_TYPE}. Costs O(clients) per call;
   * the first call starts sampling the event loop delay (each call reports
   * the delays since the previous one).
   */
  metrics(): string;
  /**
   * Sends `QUIT` to every client, stops listening, removes Unix socket files,
   * saves the cache, and resolves once every socket is gone. Idempotent.
   * Rejects when the final save of the cache failed (the file on disk is
   * then older than the cache was).
   */
  close(): Promise<void>;
  /**
   * Settles once the server has shut down, by `close()` or by a manager's
   * `OVERHEAD S`: resolves, or rejects like `close()`.
   */
  readonly closed: Promise<void>;
  /**
   * Saves the cache to `persistFile` now, if it changed since the last save
   * (the server also saves every `persistInterval` and on shutdown).
   * Resolves once the file is current; rejects when the save fails. Without
   * `persistFile` it resolves at once.
   */
  saveCache(): Promise<void>;
}

/** How long shutdown waits for clients to go after QUIT before cutting them off. */
const SHUTDOWN_GRACE_MS = 2_000;
/** The longest delay one `setTimeout` can wait. */
const MAX_TIMER_MS = 0x7fffffff;

/** Starts a server; resolves once every listener is bound. */
export async function startServer(options: ServerOptions): Promise<ClacksServer> {
  const resolved = resolveOptions(options);
  const hub = new Hub(resolved);
  let persister: Persister | undefined;
  if (resolved.persistFile !== undefined) {
    await checkPersistDirectory(resolved.persistFile);
    persister = new Persister(resolved.persistFile, hub.cache, resolved.logger, hub.stats);
    await persister.load(epochSeconds());
  }
  const server = new RunningServer(hub, resolved, persister);
  await server.listen();
  return server;
}

/** A persistence file in a directory that does not exist could never be saved: refuse to start. */
async function checkPersistDirectory(file: string): Promise<void> {
  const missing = await missingDirectory('persistFile', file);
  if (missing) throw missing;
}

class RunningServer implements ClacksServer {
  private readonly hub: Hub;
  private readonly options: ResolvedOptions;
  private readonly listeners: BoundListener[] = [];
  /** Every accepted socket until it closes, TLS handshakes in progress included. */
  private readonly sockets = new Set<Socket>();
  /** The sockets of clients (past the handshake), which shutdown waits for so QUIT gets through. */
  private readonly clientSockets = new Set<Socket>();
  private readonly persister: Persister | undefined;
  private readonly admission: Admission;
  /** Tickets of TLS sockets still in their handshake, by address 4-tuple (the TLS socket wraps the raw one). */
  private readonly handshaking = new Map<string, Ticket>();
  private readonly unixTickets = new WeakMap<Socket, Ticket>();
  /** Refusals since the last log line about them (logged at most every 10 s). */
  private refusedSinceLog = 0;
  private refusalLoggedAt = 0;
  private readonly cleaner: CacheCleaner;
  private sweepTimer: NodeJS.Timeout | undefined;
  private shutdownTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly startedAt = Date.now();
  /** Started by the first `metrics()`. */
  private processMetrics: ProcessMetrics | undefined;
  readonly closed: Promise<void>;
  private settleClosed: (outcome: Promise<void>) => void = () => {};

  constructor(hub: Hub, options: ResolvedOptions, persister: Persister | undefined) {
    this.hub = hub;
    this.options = options;
    this.admission = new Admission(options.limits);
    this.persister = persister;
    this.cleaner = new CacheCleaner(hub.cache, options, epochSeconds, (name, kind) => hub.debug(`SERVERCACHE=${kind}=${name}`));
    this.closed = new Promise<void>((resolve) => (this.settleClosed = resolve));
    // Nobody need listen to `closed`; its rejection is also close()'s.
    this.closed.catch(() => {});
    hub.onShutdownRequest = (delayMs) => {
      clearTimeout(this.shutdownTimer);
      // setTimeout fires at once for delays past 2^31-1 ms (~25 days), so
      // `OVERHEAD S 3000000` would shut down now: re-arm in steps. Infinity is never.
      const at = Date.now() + delayMs;
      const arm = (): void => {
        const left = at - Date.now();
        this.shutdownTimer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(() => this.close().catch(() => {}), Math.max(0, left));
      };
      if (Number.isFinite(at)) arm();
    };
  }

  get addresses(): readonly ServerAddress[] {
    return this.listeners.map((listener) => listener.address);
  }

  get stats(): Readonly<ServerStats> {
    return this.hub.stats;
  }

  usage(options: { resetPeaks?: boolean } = {}): ServerUsage {
    return this.hub.usage(this.admission, options.resetPeaks === true);
  }

  get serverId(): string {
    return this.options.serverId;
  }

  links(): LinkInfo[] {
    return this.hub.interclacks.view();
  }

  metrics(): string {
    // The loop-delay sampler runs from the first call until close(); a first call after close() starts none.
    this.processMetrics ??= new ProcessMetrics(this.closing === undefined);
    const links = (): LinkMetrics[] =>
      this.links().map((link) => ({ role: link.role, peer: link.peer, state: link.state, up: link.state === 'up', outputBytes: link.outputBytes }));
    return formatMetrics(takeSnapshot(this.hub, this.usage(), this.startedAt, links), this.processMetrics.read());
  }

  async listen(): Promise<void> {
    const events = {
      onRawSocket: (socket: Socket, kind: 'unix' | 'tls') => {
        if (this.closing) {
          socket.destroy();
          return false;
        }
        const ticket = this.admission.admit(kind, socket);
        if (typeof ticket === 'string') {
          this.refuse(socket, ticket);
          return false;
        }
        this.sockets.add(socket);
        const key = kind === 'tls' ? addressKey(socket) : undefined;
        if (key !== undefined) this.handshaking.set(key, ticket);
        if (kind === 'unix') this.unixTickets.set(socket, ticket);
        socket.once('close', () => {
          this.sockets.delete(socket);
          if (key !== undefined && this.handshaking.get(key) === ticket) this.handshaking.delete(key);
          ticket.release();
        });
        return true;
      },
      onClient: (socket: Socket, kind: 'unix' | 'tls') => {
        if (this.closing) return void socket.destroy();
        let ticket: Ticket | undefined;
        if (kind === 'unix') ticket = this.unixTickets.get(socket);
        else {
          const key = addressKey(socket);
          ticket = this.handshaking.get(key);
          this.handshaking.delete(key);
        }
        this.clientSockets.add(socket);
        socket.once('close', () => this.clientSockets.delete(socket));
        this.hub.accept(socket, kind, ticket);
      },
      onHandshakeError: (error: Error) => this.hub.log('debug', `TLS handshake failed: ${error.message}`),
    };
    try {
      for (const listener of this.options.listeners) {
        this.listeners.push(await openListener(listener, this.options.tlsHandshakeTimeout, events));
      }
    } catch (error) {
      await Promise.all(this.listeners.map((listener) => listener.close()));
      throw error;
    }
    this.sweepTimer = setInterval(() => this.hub.sweep(Date.now()), sweepInterval(this.options)).unref();
    this.cleaner.start();
    this.persister?.start(this.options.persistInterval);
    this.hub.interclacks.start();
  }

  async saveCache(): Promise<void> {
    if (this.persister !== undefined && !(await this.persister.save())) throw this.persister.failure();
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = this.shutDown();
      this.settleClosed(this.closing);
    }
    return this.closing;
  }

  /** Closes a socket over a connection cap; says so in the log at most every 10 s. */
  private refuse(socket: Socket, reason: RefusalReason): void {
    socket.destroy();
    this.hub.stats.connectionsRefused++;
    this.hub.stats.refusedBy[reason]++;
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.refusalLoggedAt < 10_000) return;
    const limit = this.options.limits[reason];
    this.hub.log('warn', `refused ${this.refusedSinceLog} connection(s) since the last such report, the last from ${socket.remoteAddress ?? 'the Unix socket'}: ${reason} (${limit}) reached`);
    this.refusedSinceLog = 0;
    this.refusalLoggedAt = now;
  }

  private async shutDown(): Promise<void> {
    this.hub.interclacks.stop();
    clearInterval(this.sweepTimer);
    this.processMetrics?.close();
    this.hub.logins.close();
    clearTimeout(this.shutdownTimer);
    this.cleaner.stop();
    const stopped = Promise.all(this.listeners.map((listener) => listener.close()));
    // Shutdown sends "\r\nQUIT\r\n" to every client (transcript 09 f).
    this.hub.disconnectAll('this server shuts down');
    await stopped;
    await this.socketsGone();
    await this.persister?.stop();
  }

  /** Gives clients a moment to take their QUIT, then cuts off everything left (handshakes included). */
  private async socketsGone(): Promise<void> {
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (this.clientSockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const socket of [...this.clientSockets, ...this.sockets]) socket.destroy();
    this.clientSockets.clear();
    this.sockets.clear();
  }
}

/** Often enough that no timeout fires much later than configured, rarely enough to cost nothing. */
function sweepInterval(options: ResolvedOptions): number {
  const links = options.interclacks;
  const timeouts = [options.pingTimeout, options.authTimeout, options.nopInterval, options.stalledWriteTimeout, links.pingTimeout / 3, links.stalledWriteTimeout, links.lockTimeout].filter(
    (t) => t > 0,
  );
  const shortest = timeouts.length > 0 ? Math.min(...timeouts) : 1000;
  return Math.min(1000, Math.max(20, Math.floor(shortest / 10)));
}

/** A TCP connection's address 4-tuple: the same on the raw socket and on the TLS socket wrapping it. */
function addressKey(socket: Socket): string {
  return `${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}
