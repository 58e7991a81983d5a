/**
 * Client options, connection targets and the URL forms:
 * `clacks://user:password@host:49888` (TCP, always TLS),
 * `clacks+unix://user:password@localhost/abs/path.sock` (also
 * `clacks+unix:///abs/path.sock?user=U&password=P`), and
 * `ws://` / `wss://user:password@host/path` through a gateway.
 * @module
 */
import { platform, type PlatformTlsOptions } from '#platform';
import { ValidationError } from '../errors.js';
import { redactUrl } from '../util/redact.js';
import type { ReconnectPolicy } from '../connection/reconnect-policy.js';
import type { OverflowPolicy } from '../events/event-queue.js';

/** The default TCP port of a Clacks server. */
export const DEFAULT_PORT = 49888;

/** Where a server listens, and who we are there. */
export interface ServerTarget {
  /** TCP host (TLS is always used over TCP). Default `localhost` when no `path` is given. */
  host?: string;
  /** TCP port. Default 49888. */
  port?: number;
  /** Unix domain socket path (plain text, no TLS). Takes precedence over host/port. */
  path?: string;
  /** User name. */
  username?: string;
  /** Password. */
  password?: string;
}

/**
 * A resolved target: a Unix socket path, a TLS host and port, or a gateway's
 * WebSocket URL (`url` holds no credentials: they go in `OVERHEAD A`).
 */
export type ResolvedTarget =
  | { kind: 'unix'; path: string; username: string; password: string }
  | { kind: 'tls'; host: string; port: number; username: string; password: string }
  | { kind: 'ws'; url: string; username: string; password: string };

/** Timeouts, in milliseconds. */
export interface ClientTimeouts {
  /** TCP or Unix connect. Default 10,000. */
  connect?: number;
  /** TLS handshake. Default 10,000. */
  tlsHandshake?: number;
  /** Until the server's `CLACKS` greeting line. Default 15,000 (as the reference client). */
  header?: number;
  /** Until `OVERHEAD O Welcome!` after the greeting. Default 15,000. */
  auth?: number;
  /** Default deadline of a request (retrieve, keylist, clientlist, flush). Default 30,000. */
  request?: number;
  /**
   * How long `close()` waits for the server to take what is queued and close
   * the connection; then it drops it. When commands already handed to the
   * socket were still unsent then, `close()` rejects with a `TimeoutError`
   * saying how many bytes were discarded. Default 5,000.
   */
  close?: number;
}

/** Liveness detection: a FLUSH probe when the server has been silent. */
export interface LivenessOptions {
  /** Probe after this long without receiving anything. Default 15,000 ms. */
  interval?: number;
  /** Declare the connection dead when nothing at all arrives (or nothing drains) for this long after a probe. Default 15,000 ms. */
  timeout?: number;
}

/** Bounds of the queue that holds commands issued while disconnected. */
export interface OfflineQueueOptions {
  /** Most commands held. Default 10,000. */
  maxCommands?: number;
  /** Most bytes held (encoded lines). Default 16 MiB. */
  maxBytes?: number;
  /** A command waiting longer than this rejects with `OfflineTimeoutError`. Default 30,000 ms. */
  timeout?: number;
}

/** Options of {@link createClient}. */
export interface ClientOptions extends ServerTarget {
  /** Several servers (interclacks deployments): connection attempts go through them in turn. */
  servers?: Array<string | ServerTarget>;
  /** `'in-order'`: every reconnect starts from the first server; `'rotate'`: from the one after the last used. Default `'in-order'`. */
  failover?: 'in-order' | 'rotate';
  /** The client identification sent in the `CLACKS` line (no `;`). Default `net-clacks <version>`. */
  name?: string;
  /**
   * Node TLS options for TCP connections. Certificates are verified by
   * default; pass `{ rejectUnauthorized: false }` for the self-signed
   * certificates Perl deployments commonly use, or `{ ca }` to trust yours.
   */
  tls?: PlatformTlsOptions;
  /** Timeouts, in milliseconds. */
  timeouts?: ClientTimeouts;
  /**
   * How long `createClient` keeps trying while no server can be reached, in
   * ms. Default 0: reject on the first failed attempt. Authentication failures
   * are never retried.
   */
  waitForServer?: number;
  /** Reconnect automatically after a connection loss. Default `true`. */
  reconnect?: boolean;
  /**
   * Delay before reconnect attempt `attempt` (1-based, counted since the
   * last connection that stayed up `reconnectResetAfter` ms), or `false` to
   * give up. Default: exponential backoff with jitter, 50 ms to 3 s.
   */
  reconnectPolicy?: ReconnectPolicy;
  /**
   * The backoff starts again from its first delay only after a connection has
   * stayed up this long, in ms. A server that logs the client in and drops it
   * at once therefore sees the backoff grow, not a reconnect storm. Default 5,000.
   */
  reconnectResetAfter?: number;
  /** Queue commands while disconnected (default bounds), with given bounds, or `false` to reject them at once. */
  offlineQueue?: boolean | OfflineQueueOptions;
  /** Send `PING` every this many ms (the server drops clients that do not ping). Default 30,000; `false` disables. */
  pingInterval?: number | false;
  /** Send the hourly `OVERHEAD GNU <name>` remembrance as the reference client does. Default `true`. */
  remembrance?: boolean | { name?: string; interval?: number };
  /** Liveness probing; `false` disables it (TCP keepalive stays on). */
  liveness?: LivenessOptions | false;
  /** TCP keepalive initial delay in ms. Default 30,000. */
  keepAlive?: number;
  /** Skip a `set` whose value equals the last one sent for that name (the reference's caching flag). Default `false`. */
  caching?: boolean;
  /** Longest line accepted from the server, in bytes. Default 16 MiB. */
  maxLineLength?: number;
  /** Most bytes waiting to be written before new commands are refused with `QueueFullError`. Default 64 MiB. */
  maxWriteBuffer?: number;
  /**
   * Most entries of a KEYLIST or CLIENTLIST reply. Past it the request
   * rejects with `ReplyTooLargeError`; the rest of the reply is read and
   * discarded. Default 1,000,000.
   */
  maxListEntries?: number;
  /** Most bytes of a KEYLIST or CLIENTLIST reply (its lines' length). Past it, as `maxListEntries`. Default 64 MiB. */
  maxListBytes?: number;
  /** Default buffer size of event iterators, in events. Default 10,000. */
  eventBufferSize?: number;
  /**
   * Default byte bound of each event iterator's buffer: the length of the
   * buffered events' lines on the wire. Default 16 MiB. Whichever bound is
   * reached first applies `eventOverflow`.
   */
  eventBufferBytes?: number;
  /** Default overflow policy of event iterators. Default `'drop-oldest'`. */
  eventOverflow?: OverflowPolicy;
}

/** Parses a `clacks://`, `clacks+unix://`, `ws://` or `wss://` URL. */
export function parseClacksUrl(url: string): ResolvedTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not the parser's error as cause: it quotes the input, password and all.
    throw new ValidationError('url', `${JSON.stringify(redactUrl(url))} is not a valid URL (is the port 1-65535? are special characters in the user or password percent-encoded?)`);
  }
  const query = parsed.searchParams;
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ValidationError('url', `${JSON.stringify(redactUrl(url))} has a malformed percent-escape in its user, password or path (write % itself as %25)`);
    }
  };
  const username = parsed.username !== '' ? decode(parsed.username) : (query.get('user') ?? query.get('username') ?? '');
  const password = parsed.password !== '' ? decode(parsed.password) : (query.get('password') ?? '');
  if (parsed.protocol === 'clacks+unix:') {
    const path = decode(parsed.pathname);
    if (path === '' || path === '/') throw new ValidationError('url', `${JSON.stringify(redactUrl(url))} names no socket path`);
    return { kind: 'unix', path, username, password };
  }
  if (parsed.protocol === 'clacks:' || parsed.protocol === 'clackss:') {
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
    return { kind: 'tls', host, port, username, password };
  }
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') {
    // The credentials travel in OVERHEAD A, never in the WebSocket URL.
    parsed.username = '';
    parsed.password = '';
    for (const name of ['user', 'username', 'password']) query.delete(name);
    return { kind: 'ws', url: parsed.toString(), username, password };
  }
  throw new ValidationError('url', `unsupported scheme ${JSON.stringify(parsed.protocol)} (use clacks://, clacks+unix://, ws:// or wss://)`);
}

/** Resolves one target given as a URL or an options object, filling in shared credentials. */
export function resolveTarget(target: string | ServerTarget, defaults: ServerTarget = {}): ResolvedTarget {
  if (typeof target === 'string') {
    const resolved = parseClacksUrl(target);
    return {
      ...resolved,
      username: resolved.username || defaults.username || '',
      password: resolved.password || defaults.password || '',
    };
  }
  const username = target.username ?? defaults.username ?? '';
  const password = target.password ?? defaults.password ?? '';
  if (target.path !== undefined) return { kind: 'unix', path: target.path, username, password };
  const port = target.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ValidationError('port', `${port} is not a TCP port`);
  return { kind: 'tls', host: target.host ?? 'localhost', port, username, password };
}

/**
 * Works out the list of servers from `createClient`'s arguments: an explicit
 * `servers` list, else the target (URL or options), else `CLACKS_URL`.
 */
export function resolveServers(target: string | ClientOptions | undefined, options: ClientOptions): { servers: ResolvedTarget[]; options: ClientOptions } {
  const merged: ClientOptions = typeof target === 'object' ? { ...target, ...options } : { ...options };
  const credentials: ServerTarget = {};
  if (merged.username !== undefined) credentials.username = merged.username;
  if (merged.password !== undefined) credentials.password = merged.password;
  let servers: ResolvedTarget[];
  if (merged.servers && merged.servers.length > 0) {
    servers = merged.servers.map((server) => resolveTarget(server, credentials));
  } else if (typeof target === 'string') {
    servers = [resolveTarget(target, credentials)];
  } else if (merged.path !== undefined || merged.host !== undefined || merged.port !== undefined) {
    servers = [resolveTarget(merged, credentials)];
  } else if (platform.environment('CLACKS_URL')) {
    servers = [resolveTarget(platform.environment('CLACKS_URL') as string, credentials)];
  } else {
    throw new ValidationError('target', 'no server given: pass a URL or { host, port } / { path }, or set CLACKS_URL');
  }
  for (const server of servers) {
    if (server.username === '') throw new ValidationError('username', `no user name for ${describeTarget(server)}`);
    platform.checkTarget(server);
  }
  return { servers, options: merged };
}

/**
 * A target as a URL with the password redacted, for messages, status events
 * and logs: `clacks://admin:***@host:49888`, `clacks+unix://admin:***@localhost/run/clacks.sock`.
 */
export function describeTarget(target: ResolvedTarget): string {
  // A ws:// target's URL never holds credentials: they travel in OVERHEAD A.
  if (target.kind === 'ws') return target.url;
  const user = target.username === '' ? '' : `${encodeURIComponent(target.username)}${target.password === '' ? '' : ':***'}@`;
  if (target.kind === 'unix') return `clacks+unix://${user}localhost${target.path}`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `clacks://${user}${host}:${target.port}`;
}
