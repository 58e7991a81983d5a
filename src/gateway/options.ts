/**
 * What `startGateway` accepts, and the defaults it fills in. Sizes are in
 * bytes, durations in milliseconds; the README's "Gateway" table lists them.
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { describeTarget, parseClacksUrl, type ResolvedTarget } from '../client/options.js';
import { sourceOf } from '../server/admission.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../wire/framing.js';
import { isLoopback, OriginPolicy } from './origin.js';

/** Severity of a gateway log message. */
export type GatewayLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Receives the gateway's messages (connections refused, upstream failures…). They never hold a password or a line's content. */
export type GatewayLogger = (level: GatewayLogLevel, message: string) => void;

/** A Clacks user the gateway logs in as, for a page (see {@link GatewayOptions.authorize}). */
export interface GatewayCredentials {
  username: string;
  password: string;
}

/**
 * Decides at the page's login, from the user name and password of its
 * `OVERHEAD A` (which never reach the server): the credentials the gateway
 * logs in with instead, or `false` to refuse the connection (4001).
 */
export type GatewayLoginDecision = (page: GatewayCredentials) => GatewayCredentials | false;

/**
 * What {@link GatewayOptions.authorize} decides for one WebSocket handshake:
 * `true` lets it through (the page logs in itself), `false` refuses it,
 * credentials let it through logged in by the gateway as that user, and a
 * {@link GatewayLoginDecision} lets it through and decides at its login.
 */
export type GatewayAuthorization = boolean | GatewayCredentials | GatewayLoginDecision;

/** The Clacks server behind the gateway: a URL without credentials, or where it listens. */
export type GatewayUpstream = string | { path: string } | { host: string; port?: number };

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /**
   * The Clacks server each WebSocket is bridged to, over its own connection:
   * `clacks+unix:///run/clacks.sock`, `clacks://host:49888` (TLS), or
   * `{ path }` / `{ host, port }`. No credentials: every page logs in itself
   * with `OVERHEAD A`, through the gateway.
   */
  upstream: GatewayUpstream;
  /** Node TLS options for a TLS upstream (`{ ca }` to trust a self-signed server, `{ rejectUnauthorized: false }`). */
  upstreamTls?: TlsConnectionOptions;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Certificate and key: the gateway speaks `wss://`. Without them, plain `ws://`, refused off loopback unless `allowInsecure`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Serve the WebSockets of an HTTP(S) server you run (a page and its
   * gateway on one port), instead of listening: the gateway handles its
   * `upgrade` requests for {@link path} and leaves the rest alone.
   * `host`, `port` and `tls` are then not used.
   */
  server?: HttpServer | HttpsServer;
  /** Only upgrade requests for this path are accepted (others get 404). Default: any path. */
  path?: string;
  /**
   * Page origins allowed to connect (`https://app.example.org`, or
   * `https://*.example.org` for its subdomains; `*` for any). Required
   * unless the gateway listens on loopback only, where pages of loopback
   * origins (`http://localhost:…`, `http://127.0.0.1:…`) are allowed by
   * default. Clients that send no Origin (not browsers) are always allowed:
   * an Origin check protects browsers' users, and the password is what
   * keeps everyone else out.
   */
  allowOrigins?: readonly string[];
  /**
   * Decides, for each WebSocket handshake that passed the Origin check, who
   * may connect (synchronously: a session cookie looked up in memory, say).
   * `false` refuses it with close code 4001 (`GatewayCloseCode.unauthorized`).
   * `true` lets it through, and the page logs in itself (the default).
   * Credentials let it through and make the gateway log in for the page:
   * every `OVERHEAD` line with the A flag the page sends before it is logged
   * in is replaced with one holding these credentials, so the page needs no
   * password of its own (it sends any, or an empty one). A function
   * decides at the page's login instead: it gets the page's user name and
   * password (a session token of yours, say, which must not travel in a URL
   * or a cookie) and returns the credentials to log in with, or `false` to
   * refuse (4001). `clacks console` does this: the operator's password
   * stays in its process. A hook that throws refuses the connection.
   */
  authorize?: (request: IncomingMessage) => GatewayAuthorization;
  /** Accept plain `ws://` on a non-loopback address (behind a TLS-terminating proxy). Default `false`. */
  allowInsecure?: boolean;
  /** Most WebSocket connections at once. Default 1,000. */
  maxConnections?: number;
  /** Most connections at once from one address. Default 100. */
  maxConnectionsPerAddress?: number;
  /** Most connections not yet logged in at once from one address. Default 10. */
  maxUnauthenticatedPerAddress?: number;
  /** Longest line either way, in bytes; a longer one closes the connection. Default 16 MiB (the server's). */
  maxLineLength?: number;
  /** Longest line from the page before it has logged in. Default 64 KiB. */
  maxPreAuthLineLength?: number;
  /**
   * Bytes a page may send before the server has answered its login (the
   * handshake and what is pipelined behind it, such as a LISTEN per name
   * after a reconnect); past them the page is not read until it has, and a
   * single message over this is refused (1009). Default 1 MiB.
   */
  maxPreAuthBytes?: number;
  /** A page that has not logged in after this long is closed. Default 15,000. */
  authTimeout?: number;
  /**
   * Bytes buffered toward one side before the other side is paused: the
   * server's socket while the page is not reading, the page's while the
   * server is not. Default 1 MiB.
   */
  highWaterMark?: number;
  /** WebSocket ping interval; a page that misses a pong is dropped. Default 30,000; 0 disables. */
  heartbeatInterval?: number;
  /** Deadline of the connection to the server (connect and TLS handshake), ms. Default 10,000. */
  upstreamConnectTimeout?: number;
  /** Which address a connection counts against (default: the socket's remote address; for IPv6, its /64). Behind a proxy, read its header here. */
  clientAddress?: (request: IncomingMessage) => string;
  logger?: GatewayLogger;
}

/** Options with every default filled in. */
export interface ResolvedGatewayOptions {
  upstream: ResolvedTarget;
  upstreamDescription: string;
  upstreamTls: TlsConnectionOptions | undefined;
  host: string;
  port: number;
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
  server: HttpServer | HttpsServer | undefined;
  path: string | undefined;
  origins: OriginPolicy;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxUnauthenticatedPerAddress: number;
  maxLineLength: number;
  maxPreAuthLineLength: number;
  maxPreAuthBytes: number;
  authTimeout: number;
  highWaterMark: number;
  heartbeatInterval: number;
  upstreamConnectTimeout: number;
  clientAddress: (request: IncomingMessage) => string;
  authorize: ((request: IncomingMessage) => GatewayAuthorization) | undefined;
  logger: GatewayLogger;
}

export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  const upstream = resolveUpstream(options.upstream);
  const host = options.host ?? '127.0.0.1';
  const attached = options.server !== undefined;
  const loopback = !attached && isLoopback(host);
  if (!attached && !loopback && options.tls === undefined && !options.allowInsecure) {
    throw new TypeError(`startGateway: plain ws:// on ${host} is not loopback: give \`tls\` (--cert/--key) for wss://, or \`allowInsecure\` behind a TLS-terminating proxy`);
  }
  if (!attached && !loopback && (options.allowOrigins === undefined || options.allowOrigins.length === 0)) {
    throw new TypeError(`startGateway: ${host} is not loopback: say which page origins may connect with \`allowOrigins\` (--allow-origin)`);
  }
  const maxLineLength = count(options.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 'maxLineLength', 1);
  return {
    upstream,
    upstreamDescription: describeTarget(upstream),
    upstreamTls: options.upstreamTls,
    host,
    port: count(options.port, 0, 'port', 0),
    tls: options.tls,
    server: options.server,
    path: options.path,
    origins: new OriginPolicy(options.allowOrigins),
    maxConnections: count(options.maxConnections, 1000, 'maxConnections', 1),
    maxConnectionsPerAddress: count(options.maxConnectionsPerAddress, 100, 'maxConnectionsPerAddress', 1),
    maxUnauthenticatedPerAddress: count(options.maxUnauthenticatedPerAddress, 10, 'maxUnauthenticatedPerAddress', 1),
    maxLineLength,
    maxPreAuthLineLength: Math.min(maxLineLength, count(options.maxPreAuthLineLength, 64 * 1024, 'maxPreAuthLineLength', 1)),
    maxPreAuthBytes: count(options.maxPreAuthBytes, 1024 * 1024, 'maxPreAuthBytes', 1),
    authTimeout: count(options.authTimeout, 15_000, 'authTimeout', 0),
    highWaterMark: count(options.highWaterMark, 1024 * 1024, 'highWaterMark', 1),
    heartbeatInterval: count(options.heartbeatInterval, 30_000, 'heartbeatInterval', 0),
    upstreamConnectTimeout: count(options.upstreamConnectTimeout, 10_000, 'upstreamConnectTimeout', 1),
    // An IPv6 /64 counts as one address, as for the server (admission.ts): one host owns a whole /64.
    clientAddress: options.clientAddress ?? ((request) => sourceOf('tls', request.socket.remoteAddress)),
    authorize: options.authorize,
    logger: options.logger ?? (() => {}),
  };
}

function resolveUpstream(upstream: GatewayUpstream): ResolvedTarget {
  if (typeof upstream === 'string') {
    const target = parseClacksUrl(upstream);
    if (target.kind === 'ws') throw new TypeError('startGateway: the upstream is a Clacks server (clacks:// or clacks+unix://), not another gateway');
    if (target.username !== '' || target.password !== '') {
      throw new TypeError('startGateway: the upstream URL must not carry credentials: every page logs in itself, through the gateway');
    }
    return target;
  }
  if ('path' in upstream) return { kind: 'unix', path: upstream.path, username: '', password: '' };
  return { kind: 'tls', host: upstream.host, port: upstream.port ?? 49888, username: '', password: '' };
}

function count(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`startGateway: \`${name}\` must be a number of at least ${min}, got ${String(value)}`);
  }
  return value;
}
