/**
 * What `startServer` accepts, and the defaults it fills in. Durations are in
 * milliseconds; the defaults are the reference server's (PROTOCOL.md,
 * "Keepalive and timeouts"). A duration of 0 turns that timer off.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Permission } from './permissions.js';
import { ALL_PERMISSIONS, USER_PERMISSIONS } from './permissions.js';
import { resolveLimits, type ResolvedLimits, type ServerLimits } from './limits.js';
import { SERVER_INFO } from './server-info.js';
import { resolveInterclacks, resolveMaster, type InterclacksOptions, type MasterOptions, type ResolvedInterclacks, type ResolvedMaster } from './interclacks/options.js';

/** PEM certificate and private key for a TLS listener. */
export interface TlsCredentials {
  cert: string | Buffer;
  key: string | Buffer;
}

/** A plain-text Unix domain socket listener. */
export interface UnixListenerOptions {
  socketPath: string;
}

/** A TCP listener, always wrapped in TLS like the reference server's. */
export interface TlsListenerOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  tls: TlsCredentials;
}

/** One listener: a Unix socket, or TCP with TLS. */
export type ListenerOptions = UnixListenerOptions | TlsListenerOptions;

/** A user account. The first one configured is the main user and gets every permission. */
export interface UserOptions {
  username: string;
  password: string;
  /** Ignored for the main user, who has every permission. Default: none (the user may log in, PING and FLUSH). `interclacks` is the main user's alone. */
  permissions?: readonly Permission[];
}

/** Severity of a server log message. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Receives the server's own messages (persistence problems, dropped clients…). */
export type ServerLogger = (level: LogLevel, message: string) => void;

/** Options of {@link startServer}; every duration is in milliseconds. */
export interface ServerOptions {
  /** Shorthand for one Unix listener. */
  socketPath?: string;
  /** Shorthand for one TLS listener: `host`, `port` and `tls` together. */
  host?: string;
  port?: number;
  tls?: TlsCredentials;
  /** More listeners, in addition to the shorthands. */
  listeners?: readonly ListenerOptions[];
  users: readonly UserOptions[];
  /** Drop a client that has not logged in after this long, without a word. Default 15 s. */
  authTimeout?: number;
  /** Send `TIMEOUT` and drop a client that has not sent PING for this long. Default 180 s. */
  pingTimeout?: number;
  /** Send `NOP` after this long without sending a client anything. Default 60 s. */
  nopInterval?: number;
  /** Drop a client whose socket has not taken our output for this long. Default 60 s. */
  stalledWriteTimeout?: number;
  /** Drop a TCP peer that has not finished the TLS handshake after this long. Default 10 s. */
  tlsHandshakeTimeout?: number;
  /**
   * Bounds on what peers can make the server hold: line lengths, connection
   * caps, input and output budgets, login throttling, log volume. See
   * {@link ServerLimits} and the README's "Limits" table for the defaults.
   */
  limits?: ServerLimits;
  /** @deprecated Use `limits.maxLineLength` (this one still works when that is not given). */
  maxLineLength?: number;
  /** @deprecated Use `limits.maxOutputBuffer` (this one still works when that is not given). */
  maxOutputBuffer?: number;
  /**
   * Save the cache to this file and load it on start, in the reference
   * server's own format (V3), with its backup `<file>_bck`: a Perl server
   * can take over the file and the other way round.
   */
  persistFile?: string;
  /** How often to save when something changed. Default 10 s; 0 saves only on shutdown. */
  persistInterval?: number;
  /** How long a removed key's tombstone is kept. Default 1 h (the reference's `deletedcachetime`); 0 keeps it forever. */
  deletedCacheTime?: number;
  /** Drop entries not read or written for this long. Default 1 day (`stalecachetime`); 0 never. */
  staleCacheTime?: number;
  /** How often the cleanup looks for old tombstones and stale entries. Default 60 s (`cachecleaninterval`); 0 never. */
  cacheCleanInterval?: number;
  /** Sent in the greeting, `CLACKS <serverInfo>`. Default `net-clacks <version>`. */
  serverInfo?: string;
  logger?: ServerLogger;
  /**
   * Makes this server a slave in an interclacks network: it keeps a link to
   * this master (`clacks://host:49888` over TLS, `clacks+unix:///path.sock`),
   * syncs the cache with it, forwards and applies live traffic, and
   * reconnects after any loss. See the README, "Running a Clacks network".
   */
  master?: string | MasterOptions;
  /** Timers of interclacks links (as a master and as a slave). */
  interclacks?: InterclacksOptions;
  /**
   * This server's id in an interclacks network, which our servers exchange to
   * refuse a link that would close a loop. Default: random at each start.
   * Letters, digits, `-` and `_`, at most 64.
   */
  serverId?: string;
}

/** A configured user, with the permissions it ends up with. */
export interface UserAccount {
  username: string;
  password: string;
  permissions: ReadonlySet<Permission>;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  listeners: ListenerOptions[];
  users: Map<string, UserAccount>;
  authTimeout: number;
  pingTimeout: number;
  nopInterval: number;
  stalledWriteTimeout: number;
  tlsHandshakeTimeout: number;
  limits: ResolvedLimits;
  persistFile: string | undefined;
  persistInterval: number;
  deletedCacheTime: number;
  staleCacheTime: number;
  cacheCleanInterval: number;
  serverInfo: string;
  logger: ServerLogger;
  /** The first configured user: every permission, and the credentials of links. */
  mainUser: UserAccount;
  master: ResolvedMaster | undefined;
  interclacks: ResolvedInterclacks;
  serverId: string;
}

/** Default durations in milliseconds: the reference server's (PROTOCOL.md). */
export const DEFAULT_DURATIONS = {
  authTimeout: 15_000,
  pingTimeout: 180_000,
  nopInterval: 60_000,
  stalledWriteTimeout: 60_000,
  tlsHandshakeTimeout: 10_000,
  persistInterval: 10_000,
  deletedCacheTime: 3_600_000,
  staleCacheTime: 86_400_000,
  cacheCleanInterval: 60_000,
} as const;

export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const listeners: ListenerOptions[] = [];
  if (options.socketPath !== undefined) listeners.push({ socketPath: options.socketPath });
  if (options.port !== undefined || options.tls !== undefined) {
    if (options.port === undefined || options.tls === undefined) {
      throw new TypeError('startServer: a TCP listener needs both `port` and `tls` (the reference server only speaks TLS over TCP)');
    }
    listeners.push({ host: options.host, port: options.port, tls: options.tls });
  }
  listeners.push(...(options.listeners ?? []));
  if (listeners.length === 0) throw new TypeError('startServer: give a `socketPath`, a `port` with `tls`, or `listeners`');
  for (const listener of listeners) {
    if (!('socketPath' in listener) && !listener.tls) throw new TypeError('startServer: a TCP listener needs `tls`');
  }

  if (!options.users || options.users.length === 0) throw new TypeError('startServer: configure at least one user');
  const users = new Map<string, UserAccount>();
  options.users.forEach((user, index) => {
    // Plain JavaScript callers get a clear error, not "object is not iterable" from the loop below.
    if (typeof user?.username !== 'string' || typeof user.password !== 'string') {
      throw new TypeError(`startServer: user number ${index + 1} needs a \`username\` and a \`password\`, both strings`);
    }
    if (user.permissions !== undefined && !Array.isArray(user.permissions)) {
      throw new TypeError(`startServer: user ${JSON.stringify(user.username)}: \`permissions\` must be an array of names (${USER_PERMISSIONS.join(', ')}), got ${typeof user.permissions}`);
    }
    if (users.has(user.username)) throw new TypeError(`startServer: user ${JSON.stringify(user.username)} is configured twice`);
    for (const permission of user.permissions ?? []) {
      if (permission === 'interclacks' && index > 0) {
        throw new TypeError(`startServer: user ${JSON.stringify(user.username)}: only the main (first) user has the interclacks permission, as in the reference server`);
      }
      if (!ALL_PERMISSIONS.includes(permission)) {
        throw new TypeError(`startServer: user ${JSON.stringify(user.username)} has an unknown permission ${JSON.stringify(permission)} (known: ${USER_PERMISSIONS.join(', ')})`);
      }
    }
    const permissions = new Set(index === 0 ? ALL_PERMISSIONS : (user.permissions ?? []));
    users.set(user.username, { username: user.username, password: user.password, permissions });
  });

  return {
    listeners,
    users,
    authTimeout: duration(options.authTimeout, DEFAULT_DURATIONS.authTimeout, 'authTimeout'),
    pingTimeout: duration(options.pingTimeout, DEFAULT_DURATIONS.pingTimeout, 'pingTimeout'),
    nopInterval: duration(options.nopInterval, DEFAULT_DURATIONS.nopInterval, 'nopInterval'),
    stalledWriteTimeout: duration(options.stalledWriteTimeout, DEFAULT_DURATIONS.stalledWriteTimeout, 'stalledWriteTimeout'),
    tlsHandshakeTimeout: duration(options.tlsHandshakeTimeout, DEFAULT_DURATIONS.tlsHandshakeTimeout, 'tlsHandshakeTimeout'),
    limits: resolveLimits(options.limits, { maxLineLength: options.maxLineLength, maxOutputBuffer: options.maxOutputBuffer }),
    persistFile: options.persistFile,
    persistInterval: duration(options.persistInterval, DEFAULT_DURATIONS.persistInterval, 'persistInterval'),
    deletedCacheTime: duration(options.deletedCacheTime, DEFAULT_DURATIONS.deletedCacheTime, 'deletedCacheTime'),
    staleCacheTime: duration(options.staleCacheTime, DEFAULT_DURATIONS.staleCacheTime, 'staleCacheTime'),
    cacheCleanInterval: duration(options.cacheCleanInterval, DEFAULT_DURATIONS.cacheCleanInterval, 'cacheCleanInterval'),
    serverInfo: options.serverInfo ?? SERVER_INFO,
    logger: options.logger ?? (() => {}),
    mainUser: users.values().next().value as UserAccount,
    master: options.master === undefined ? undefined : resolveMaster(options.master, options.users[0] as UserOptions),
    interclacks: resolveInterclacks(options.interclacks, duration),
    serverId: serverIdOf(options.serverId),
  };
}

const SERVER_ID = /^[A-Za-z0-9_-]{1,64}$/;

function serverIdOf(id: string | undefined): string {
  if (id === undefined) return randomBytes(8).toString('hex');
  if (typeof id !== 'string' || !SERVER_ID.test(id)) throw new TypeError(`startServer: \`serverId\` must be 1-64 letters, digits, - or _, got ${JSON.stringify(id)}`);
  return id;
}

function duration(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`startServer: \`${name}\` must be a non-negative number, got ${String(value)}`);
  }
  return value;
}
