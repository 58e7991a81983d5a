/**
 * `clacks serve` settings: the reference's XML config (`--config`) when
 * given, with every flag given on the command line on top of it.
 * @module
 */
import { emptySettings, masterNotes, readServerConfig, type ServeSettings } from '../server/config/index.js';
import type { UserOptions } from '../server/index.js';

/** The flags of `clacks serve` that become settings. */
export interface SettingsFlags {
  config?: string;
  socket?: string[];
  host: string;
  port?: number;
  cert?: string;
  key?: string;
  user?: UserOptions[];
  pingTimeout?: number;
  authTimeout?: number;
  stalledWriteTimeout?: number;
  tlsHandshakeTimeout?: number;
  persist?: string;
  persistInterval?: number;
  deletedCacheTime?: number;
  staleCacheTime?: number;
  cacheCleanInterval?: number;
  /** `--master URL`: replaces the config's `<master>`. */
  master?: string;
  masterCa?: string;
  masterInsecure?: boolean;
  interclacksPingTimeout?: number;
  interclacksReconnectTimeout?: number;
  interclacksReconnectJitter?: number;
  interclacksStalledWriteTimeout?: number;
  interclacksLockTimeout?: number;
  /** Users to take when neither the flags nor the config name any (`$CLACKS_USERS`). */
  fallbackUsers?: () => UserOptions[];
}

/** A usage problem: exit 1 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The settings to serve with. `given(option)` tells whether a flag was on
 * the command line (rather than a default), so that only those override the
 * config: a list flag (`--socket`, `--user`) replaces the config's list.
 * With `webSocket` (`--ws`), `--cert`/`--key` without `--port` are for
 * wss:// only, and no other listener is needed.
 * @throws {ConfigError} for a config file that cannot be used.
 * @throws {UsageError} for flags that do not add up.
 */
export function serveSettings(flags: SettingsFlags, given: (option: string) => boolean, webSocket = false): ServeSettings {
  const settings = flags.config !== undefined ? readServerConfig(flags.config) : emptySettings();
  if (flags.socket !== undefined) settings.sockets = flags.socket;
  const tcpFlags = flags.port !== undefined || (!webSocket && (flags.cert !== undefined || flags.key !== undefined));
  if (given('host') || (tcpFlags && settings.tlsHosts.length === 0)) settings.tlsHosts = [flags.host];
  if (flags.port !== undefined) settings.port = flags.port;
  if (flags.cert !== undefined && tcpFlags) settings.cert = { path: flags.cert, label: `--cert ${flags.cert}` };
  if (flags.key !== undefined && tcpFlags) settings.key = { path: flags.key, label: `--key ${flags.key}` };
  if (settings.tlsHosts.length > 0 && (settings.port === undefined || settings.cert === undefined || settings.key === undefined)) {
    throw new UsageError('a TLS listener needs --port, --cert and --key together');
  }
  if (flags.user !== undefined) settings.users = flags.user;
  settings.pingTimeout = flags.pingTimeout ?? settings.pingTimeout;
  settings.authTimeout = flags.authTimeout ?? settings.authTimeout;
  settings.stalledWriteTimeout = flags.stalledWriteTimeout ?? settings.stalledWriteTimeout;
  settings.tlsHandshakeTimeout = flags.tlsHandshakeTimeout ?? settings.tlsHandshakeTimeout;
  settings.persistFile = flags.persist ?? settings.persistFile;
  settings.persistInterval = flags.persistInterval ?? settings.persistInterval;
  settings.deletedCacheTime = flags.deletedCacheTime ?? settings.deletedCacheTime;
  settings.staleCacheTime = flags.staleCacheTime ?? settings.staleCacheTime;
  settings.cacheCleanInterval = flags.cacheCleanInterval ?? settings.cacheCleanInterval;
  if (flags.master !== undefined) {
    if (!/^clacks(?:\+unix|s)?:\/\//.test(flags.master)) throw new UsageError('--master takes a clacks://host:port (TLS) or clacks+unix:///path.sock URL');
    settings.master = { ip: [], port: undefined, socket: [], url: flags.master };
  }
  if ((flags.masterCa !== undefined || flags.masterInsecure) && settings.master === undefined) {
    throw new UsageError('--master-ca and --master-insecure need a master (--master URL, or <master> in --config)');
  }
  if (settings.master !== undefined) {
    if (flags.masterCa !== undefined) settings.master.ca = flags.masterCa;
    if (flags.masterInsecure) settings.master.insecure = true;
  }
  const links = settings.interclacks;
  links.pingTimeout = flags.interclacksPingTimeout ?? links.pingTimeout;
  links.reconnectTimeout = flags.interclacksReconnectTimeout ?? links.reconnectTimeout;
  links.reconnectJitter = flags.interclacksReconnectJitter ?? links.reconnectJitter;
  links.stalledWriteTimeout = flags.interclacksStalledWriteTimeout ?? links.stalledWriteTimeout;
  links.lockTimeout = flags.interclacksLockTimeout ?? links.lockTimeout;
  settings.notes.push(...masterNotes(settings));
  if (settings.sockets.length === 0 && settings.tlsHosts.length === 0 && !webSocket) {
    throw new UsageError('give --socket PATH and/or --port P --cert FILE --key FILE (and/or --ws HOST:PORT), or --config FILE');
  }
  if (settings.users.length === 0 && flags.fallbackUsers) settings.users = flags.fallbackUsers();
  if (settings.users.length === 0) throw new UsageError('give at least one user: --users FILE, $CLACKS_USERS, --user NAME:PASSWORD[:PERMS], or --config FILE');
  return settings;
}
