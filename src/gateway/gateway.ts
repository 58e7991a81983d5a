/**
 * `startGateway`: web pages reach a Clacks server through WebSockets. Each
 * WebSocket is bridged to its own connection to the server (bridge.ts); the
 * page logs in with the protocol's own `OVERHEAD A`. Here: the listener
 * (or an HTTP server of yours), the Origin check, the connection caps, the
 * throttle on repeated login failures, the heartbeat, stats and shutdown.
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from '../connection/close-codes.js';
import { sourceOf } from '../server/admission.js';
import { escapeControl, escapeJson } from '../util/escape.js';
import { Bridge, closeReason, messageLimit } from './bridge.js';
import { resolveGatewayOptions, type GatewayCredentials, type GatewayLoginDecision, type GatewayOptions, type ResolvedGatewayOptions } from './options.js';

/** Where a gateway listens. */
export interface GatewayAddress {
  host: string;
  port: number;
  /** `ws://host:port/path` or `wss://…`, for `createClient`. */
  url: string;
}

/** Live figures of a gateway. */
export interface GatewayStats {
  /** WebSocket connections open now. */
  connections: number;
  /** Of those, logged in. */
  authenticated: number;
  /** Connections refused since start: Origin, caps, or the gateway closing. */
  refused: number;
  /** Connections held back since start because their address failed to log in repeatedly. */
  throttled: number;
  /** Bytes held by all bridges (toward pages, toward the server, unfinished lines). */
  bufferedBytes: number;
  /** Bytes waiting for pages. */
  bufferedToPages: number;
  /** Bytes waiting for the server. */
  bufferedToServer: number;
  /** Bridges whose server side is paused because their page is not reading. */
  pausedForPages: number;
  /** Bridges whose page side is paused because the server is not reading. */
  pausedForServer: number;
}

/** A running gateway. */
export interface ClacksGateway {
  /** Where it listens; undefined when it serves an HTTP server of yours. */
  readonly address: GatewayAddress | undefined;
  /** Live figures. */
  stats(): GatewayStats;
  /** Closes every WebSocket (code 1001) and their server connections, and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Consecutive login failures from one address before new connections from it are delayed. */
const FREE_FAILURES = 3;
/** The delay after many failures, at most (ms). */
const MAX_LOGIN_DELAY_MS = 10_000;
/** Failures are forgotten after this long without a new one (ms). */
const FAILURE_MEMORY_MS = 10 * 60_000;
/** Most addresses whose failures are remembered (the oldest are forgotten first). */
const MAX_REMEMBERED_ADDRESSES = 10_000;
/** Sockets past `maxConnections` still accepted, so that those pages get a close code (1013) rather than a reset. */
const SOCKET_SLACK = 64;
/** How long a socket of the gateway's own listener may take to send its WebSocket request (ms). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The path of a request's target; undefined when it is no URL (`GET http://[` reaches here: `new URL` throws). */
export function pathnameOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://gateway').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Starts a gateway; resolves once it listens (at once when it serves your
 * HTTP server).
 * @throws {TypeError} for unusable options: plain ws:// or no Origin
 *   allowlist off loopback, credentials in the upstream URL, bad limits.
 *
 * @example
 * ```ts no-run
 * const gateway = await startGateway({ upstream: 'clacks+unix:///run/clacks.sock', port: 8080 });
 * console.log(`pages connect to ${gateway.address?.url}`);
 * ```
 */
export async function startGateway(options: GatewayOptions): Promise<ClacksGateway> {
  const gateway = new Gateway(resolveGatewayOptions(options));
  await gateway.listen();
  return gateway;
}

interface AddressCounts {
  open: number;
  unauthenticated: number;
}

class Gateway implements ClacksGateway {
  private readonly options: ResolvedGatewayOptions;
  /** Made in listen(): `ws` is loaded only by programs that run a gateway. */
  private wss!: WebSocketServer;
  private readonly bridges = new Set<Bridge>();
  private readonly perAddress = new Map<string, AddressCounts>();
  private readonly failures = new Map<string, { count: number; at: number }>();
  private server: HttpServer | HttpsServer | undefined;
  private ownServer = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;
  private refusedCount = 0;
  private throttledCount = 0;
  address: GatewayAddress | undefined;

  constructor(options: ResolvedGatewayOptions) {
    this.options = options;
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = this.options.path;
    if (path !== undefined && pathnameOf(request.url) !== path) {
      // Another upgrade handler of a shared server may want it; when there is none, nobody does.
      if (this.ownServer || (this.server?.listenerCount('upgrade') ?? 0) <= 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', () => {});
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
  };

  async listen(): Promise<void> {
    const options = this.options;
    const { WebSocketServer } = await import('ws');
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // A message holds whole lines; the longest allowed line fits with room for more lines.
      // Each connection starts lower, at the pre-login budget (bridge.ts).
      maxPayload: messageLimit(options.maxLineLength),
    });
    if (options.server) {
      this.server = options.server;
      this.server.on('upgrade', this.onUpgrade);
    } else {
      const respond = (_request: IncomingMessage, response: ServerResponse): void => {
        response.writeHead(426, { 'content-type': 'text/plain', connection: 'close', upgrade: 'websocket' });
        response.end('net-clacks gateway: connect with a WebSocket (createClient from net-clacks/browser)\n');
      };
      // A WebSocket's HTTP request must come soon; until it has, the socket is no page yet.
      const timeouts = { headersTimeout: HANDSHAKE_TIMEOUT_MS, requestTimeout: HANDSHAKE_TIMEOUT_MS, connectionsCheckingInterval: 1_000 };
      const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ...timeouts }, respond) : createHttpServer(timeouts, respond);
      // Sockets are capped too (Node closes those past it at once): idle ones must not take every
      // file descriptor of the process. A few past the cap still get a readable refusal (1013).
      server.maxConnections = options.maxConnections + SOCKET_SLACK;
      this.server = server;
      this.ownServer = true;
      server.on('upgrade', this.onUpgrade);
      server.on('clientError', (_error, socket) => socket.destroy());
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      this.address = { host: options.host, port, url: `${options.tls ? 'wss' : 'ws'}://${host}:${port}${options.path ?? '/'}` };
    }
    if (options.heartbeatInterval > 0) {
      this.heartbeat = setInterval(() => this.beat(), options.heartbeatInterval);
      this.heartbeat.unref();
    }
  }

  stats(): GatewayStats {
    const stats: GatewayStats = {
      connections: this.bridges.size,
      authenticated: 0,
      refused: this.refusedCount,
      throttled: this.throttledCount,
      bufferedBytes: 0,
      bufferedToPages: 0,
      bufferedToServer: 0,
      pausedForPages: 0,
      pausedForServer: 0,
    };
    for (const bridge of this.bridges) {
      if (bridge.authenticated) stats.authenticated++;
      stats.bufferedBytes += bridge.bufferedBytes;
      stats.bufferedToPages += bridge.bufferedToPage;
      stats.bufferedToServer += bridge.bufferedToServer;
      if (bridge.isUpstreamPaused) stats.pausedForPages++;
      if (bridge.isPagePaused) stats.pausedForServer++;
    }
    return stats;
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const options = this.options;
    const origin = request.headers.origin;
    let address: string;
    try {
      address = options.clientAddress(request);
    } catch (error) {
      // A proxy header missing, say: the socket's own address (the proxy's) is the safe count.
      address = sourceOf('tls', request.socket.remoteAddress);
      options.logger('error', `the clientAddress hook failed for a connection from ${address}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // The handshake is completed before refusing, so the page gets a code and reason it can read.
    if (this.closing) return this.refuse(ws, CloseCode.goingAway, 'the gateway is shutting down');
    if (!options.origins.allows(origin)) {
      // The page's own bytes: cut short, and escaped for logs (JSON leaves DEL, C1 and bidi controls raw).
      const shown = escapeJson(JSON.stringify((origin ?? '').slice(0, 200)));
      options.logger('warn', `refused a connection from ${address}: origin ${shown} is not allowed`);
      return this.refuse(ws, CloseCode.originRefused, `origin ${escapeControl(origin ?? '')} is not allowed`);
    }
    let login: GatewayCredentials | GatewayLoginDecision | undefined;
    if (options.authorize) {
      let decision: ReturnType<typeof options.authorize> = false;
      try {
        decision = options.authorize(request);
      } catch (error) {
        options.logger('error', `the authorize hook failed for a connection from ${address}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (decision === false) {
        options.logger('warn', `refused a connection from ${address}: not authorized`);
        return this.refuse(ws, CloseCode.unauthorized, 'this connection is not authorized');
      }
      if (typeof decision !== 'boolean') login = decision;
    }
    const counts = this.perAddress.get(address) ?? { open: 0, unauthenticated: 0 };
    if (this.bridges.size >= options.maxConnections) {
      options.logger('warn', `refused a connection from ${address}: ${options.maxConnections} connections are open`);
      return this.refuse(ws, CloseCode.tryAgainLater, 'the gateway is at its connection limit');
    }
    if (counts.open >= options.maxConnectionsPerAddress) {
      options.logger('warn', `refused a connection from ${address}: ${counts.open} connections from there are open`);
      return this.refuse(ws, CloseCode.tryAgainLater, 'too many connections from your address');
    }
    if (counts.unauthenticated >= options.maxUnauthenticatedPerAddress) {
      options.logger('warn', `refused a connection from ${address}: ${counts.unauthenticated} from there have not logged in yet`);
      return this.refuse(ws, CloseCode.tryAgainLater, 'too many connections from your address are not logged in');
    }
    counts.open++;
    counts.unauthenticated++;
    const delay = this.loginDelay(address);
    if (delay > 0) this.throttledCount++;
    this.perAddress.set(address, counts);
    const bridge = new Bridge(ws, address, options, {
      onLogin: (logged) => {
        counts.unauthenticated--;
        this.failures.delete(logged.address);
      },
      onLoginFailed: (failed) => this.recordFailure(failed.address),
      onClosed: (gone) => {
        if (!this.bridges.delete(gone)) return;
        counts.open--;
        if (!gone.authenticated) counts.unauthenticated--;
        if (counts.open === 0) this.perAddress.delete(gone.address);
      },
    }, delay, login);
    this.bridges.add(bridge);
    options.logger('debug', `connection from ${address}${origin ? ` (origin ${origin})` : ''}`);
  }

  private refuse(ws: WebSocket, code: number, reason: string): void {
    this.refusedCount++;
    ws.close(code, closeReason(reason));
    setTimeout(() => ws.terminate(), 2_000).unref();
  }

  /**
   * How long a new connection from `address` waits before it reaches the
   * server: nothing for the first few login failures, then doubling up to
   * 10 s. With the cap on connections not logged in per address, that is a
   * few guesses per second at most (issue "Under attack", finding 5: the
   * server behind a gateway sees every page as the gateway's address).
   */
  private loginDelay(address: string): number {
    const record = this.failures.get(address);
    if (!record) return 0;
    if (Date.now() - record.at > FAILURE_MEMORY_MS) {
      this.failures.delete(address);
      return 0;
    }
    if (record.count < FREE_FAILURES) return 0;
    return Math.min(MAX_LOGIN_DELAY_MS, 250 * 2 ** (record.count - FREE_FAILURES));
  }

  private recordFailure(address: string): void {
    const record = this.failures.get(address) ?? { count: 0, at: 0 };
    this.failures.delete(address);
    record.count++;
    record.at = Date.now();
    this.failures.set(address, record);
    if (this.failures.size > MAX_REMEMBERED_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string);
  }

  private beat(): void {
    for (const bridge of this.bridges) {
      if (!bridge.alive) {
        bridge.close(CloseCode.goingAway, 'no answer to the heartbeat');
        bridge.ws.terminate();
        continue;
      }
      bridge.alive = false;
      try {
        bridge.ws.ping();
      } catch {
        // Closing already.
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.heartbeat);
    const server = this.server;
    server?.off('upgrade', this.onUpgrade);
    const stopped = this.ownServer && server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const bridge of this.bridges) bridge.close(CloseCode.goingAway, 'the gateway is shutting down');
    const deadline = Date.now() + 2_000;
    while (this.bridges.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const bridge of this.bridges) bridge.ws.terminate();
    if (this.ownServer) server?.closeAllConnections?.();
    await stopped;
    this.wss.close();
  }
}
