/**
 * The settings a server runs with, whether they come from the reference's
 * XML config, from `clacks serve` flags, or from both (flags win): plain
 * data with file paths and times in seconds, so that they can be printed
 * (`--print-config`, passwords redacted) before anything is opened. Turning
 * them into `startServer` options reads the certificate and key, and names
 * the file that cannot be read.
 * @module
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_INTERCLACKS, type MasterOptions, type MasterTlsOptions } from '../interclacks/options.js';
import { DEFAULT_DURATIONS, type ListenerOptions, type ServerOptions, type UserOptions } from '../options.js';
import { redactUrl } from '../../util/redact.js';
import type { Permission } from '../permissions.js';
import type { ConfigValues } from './schema.js';
import { checkSocketMode } from './socket-mode.js';
import { ConfigError } from './xml.js';

/**
 * Where a slave connects to its master: `<master>` (`socket`, or `ip` and
 * `port`: only the first of each is used, as by the reference) or
 * `clacks serve --master URL`, which replaces it.
 */
export interface MasterSettings {
  ip: string[];
  port: number | undefined;
  socket: string[];
  /** `--master`: a `clacks://` or `clacks+unix://` URL (its credentials, if any, replace the main user's). */
  url?: string;
  /** A PEM file of certificates to trust for the master's TLS (`<master><ca>`, `--master-ca`). */
  ca?: string;
  /** Accept any certificate from the master (`<master><insecure>1</insecure>`, `--master-insecure`). */
  insecure?: boolean;
}

/** Timers of interclacks links, in seconds (the reference's keys, and ours from the command line). */
export interface InterclacksSettings {
  pingTimeout?: number;
  reconnectTimeout?: number;
  /** `--interclacks-reconnect-jitter`: the random part added to reconnectTimeout (the reference: 0-9 s). */
  reconnectJitter?: number;
  /** Read but without effect: reads never stall this server. */
  readFailTimeout?: number;
  stalledWriteTimeout?: number;
  /** `--interclacks-lock-timeout`: the longest a master's sync lock may hold this server. */
  lockTimeout?: number;
}

/** Everything a server is started with. Times are seconds. */
export interface ServeSettings {
  /** The config file read, if any. */
  source: string | undefined;
  appname: string | undefined;
  sockets: string[];
  /** `socketchmod`: a chmod mode (octal, or symbolic like `g+rw`) for every Unix socket. */
  socketMode: string | undefined;
  /** TLS listeners: one per address, all on `port`. */
  tlsHosts: string[];
  port: number | undefined;
  /** The certificate file, and how to name it in a message (`--cert x.pem`, `the certificate x.pem (<ssl><cert> in f.xml)`). */
  cert: { path: string; label: string } | undefined;
  key: { path: string; label: string } | undefined;
  /** The first is the main user, with every permission. */
  users: UserOptions[];
  persistFile: string | undefined;
  persistInterval: number | undefined;
  authTimeout: number | undefined;
  pingTimeout: number | undefined;
  stalledWriteTimeout: number | undefined;
  /** `--tls-handshake-timeout` (no key in the reference's config). */
  tlsHandshakeTimeout?: number | undefined;
  deletedCacheTime: number | undefined;
  staleCacheTime: number | undefined;
  cacheCleanInterval: number | undefined;
  interclacks: InterclacksSettings;
  master: MasterSettings | undefined;
  /** Problems worth telling (unknown keys…). */
  warnings: string[];
  /** Keys that were read but have no effect here, and why. */
  notes: string[];
}

/** Settings with nothing in them. */
export function emptySettings(): ServeSettings {
  return {
    source: undefined,
    appname: undefined,
    sockets: [],
    socketMode: undefined,
    tlsHosts: [],
    port: undefined,
    cert: undefined,
    key: undefined,
    users: [],
    persistFile: undefined,
    persistInterval: undefined,
    authTimeout: undefined,
    pingTimeout: undefined,
    stalledWriteTimeout: undefined,
    tlsHandshakeTimeout: undefined,
    deletedCacheTime: undefined,
    staleCacheTime: undefined,
    cacheCleanInterval: undefined,
    interclacks: {},
    master: undefined,
    warnings: [],
    notes: [],
  };
}

/**
 * The settings of a decoded config, after the `hosts/<hostname>` block of
 * this host (if any) replaced the top-level keys it names, with the
 * reference's checks: TCP needs `port` and `ssl/cert` + `ssl/key`; the main
 * `username` and `password` are required, and so are both for every `user`.
 */
export function settingsFromConfig(values: ConfigValues, file: string, hostname: string, warnings: string[]): ServeSettings {
  const { hosts, ...top } = values;
  const config: ConfigValues = { ...top, ...(hosts?.[hostname] ?? {}) };
  const fail = (message: string): never => {
    throw new ConfigError(`${file}: ${message}`);
  };
  const settings = emptySettings();
  settings.source = file;
  settings.warnings = warnings;
  settings.appname = config.appname;
  settings.sockets = config.socket ?? [];
  settings.socketMode = config.socketchmod === '' ? undefined : config.socketchmod;
  if (settings.socketMode !== undefined) checkSocketMode(settings.socketMode);
  if (config.ip !== undefined && config.ip.length > 0) {
    const { cert, key } = config.ssl ?? {};
    if (config.port === undefined) fail('<ip> is set but <port> is not (TCP listeners need a port)');
    if (cert === undefined || key === undefined) return fail('<ip> is set, so <ssl> needs <cert> and <key> (TCP listeners always use TLS)');
    settings.tlsHosts = config.ip;
    settings.port = config.port;
    settings.cert = { path: cert, label: `the certificate ${cert} (<ssl><cert> in ${file})` };
    settings.key = { path: key, label: `the key ${key} (<ssl><key> in ${file})` };
  }
  const { username, password } = config;
  if (username === undefined || password === undefined) return fail('needs <username> and <password>: the main user, who has every permission');
  settings.users = [{ username, password }];
  for (const [index, user] of (config.user ?? []).entries()) {
    if (user.username === undefined || user.password === undefined) return fail(`<user> number ${index + 1} needs <username> and <password>`);
    const name = user.username;
    if (settings.users.some((other) => other.username === name)) fail(`the user ${JSON.stringify(name)} is configured twice`);
    const permissions: Permission[] = (['read', 'write', 'manage'] as const).filter((permission) => user[permission] === true);
    settings.users.push({ username: name, password: user.password, permissions });
  }
  settings.persistFile = config.persistancefile;
  // For the reference 0 means "at once" (every loop turn); for startServer 0 turns a timer off.
  settings.persistInterval = config.persistanceinterval === 0 ? AS_SOON_AS_POSSIBLE : config.persistanceinterval;
  settings.authTimeout = config.authtimeout;
  settings.pingTimeout = config.pingtimeout;
  settings.stalledWriteTimeout = config.stalledwritetimeout;
  settings.deletedCacheTime = config.deletedcachetime === 0 ? AS_SOON_AS_POSSIBLE : config.deletedcachetime;
  settings.staleCacheTime = config.stalecachetime;
  settings.cacheCleanInterval = config.cachecleaninterval === 0 ? AS_SOON_AS_POSSIBLE : config.cachecleaninterval;
  settings.interclacks = {
    pingTimeout: config.interclackspingtimeout,
    reconnectTimeout: config.interclacksreconnecttimeout,
    readFailTimeout: config.interclacksreadfailtimeout,
    stalledWriteTimeout: config.interclacksstalledwritetimeout,
  };
  if (config.master !== undefined) {
    const { ip = [], port, socket = [], ca, insecure } = config.master;
    if (socket.length === 0 && ip.length === 0) fail('<master> needs <socket>, or <ip> and <port>');
    if (socket.length === 0 && port === undefined) fail('<master> has <ip> but no <port>');
    settings.master = { ip, port, socket, ...(ca !== undefined ? { ca } : {}), ...(insecure !== undefined ? { insecure } : {}) };
  }
  settings.notes = notesFor(config);
  return settings;
}

/** What a 0 that means "at once" to the reference becomes: a tenth of a second. */
const AS_SOON_AS_POSSIBLE = 0.1;

function notesFor(config: ConfigValues): string[] {
  const notes: string[] = [];
  for (const key of ['persistanceinterval', 'deletedcachetime', 'cachecleaninterval'] as const) {
    if (config[key] === 0) notes.push(`<${key}>0</${key}>: "at once", as for the reference, is every ${AS_SOON_AS_POSSIBLE} s here`);
  }
  if (config.stalecachetime === 0) notes.push('<stalecachetime>0</stalecachetime>: entries never go stale here (the reference would drop every entry at each cleanup)');
  if (config.throttle !== undefined) notes.push('<throttle> has no meaning here: this server is event-driven and never sleeps between loop turns');
  if (config.readfailtimeout !== undefined) notes.push('<readfailtimeout> has no effect: reads never stall the server; dead peers are found by <pingtimeout> and <stalledwritetimeout>');
  if (config.interclacksreadfailtimeout !== undefined) notes.push('<interclacksreadfailtimeout> has no effect: reads never stall the server; dead links are found by <interclackspingtimeout>');
  if (config.debugfile !== undefined) notes.push('<debugfile> is not supported: messages go to stderr');
  if (config.socketcommands !== undefined) notes.push('<socketcommands> is PageCamel-specific and ignored');
  return notes;
}

/** A note for a TLS master whose certificate would be verified, which the reference never does. */
export function masterNotes(settings: ServeSettings): string[] {
  const master = settings.master;
  if (master === undefined || master.ca !== undefined || master.insecure === true) return [];
  const overTls = master.url !== undefined ? master.url.startsWith('clacks:') || master.url.startsWith('clackss:') : master.socket.length === 0;
  if (!overTls) return [];
  return [
    "the master's TLS certificate is verified (the reference never verifies it): trust a self-signed master with --master-ca FILE (or <master><ca>), or skip the check with --master-insecure (or <master><insecure>1</insecure>)",
  ];
}

/** `startServer` options for the settings (without a logger); reads the certificate and key. */
export function toServerOptions(settings: ServeSettings, readFile: (path: string) => Buffer = readFileSync): ServerOptions {
  const listeners: ListenerOptions[] = settings.sockets.map((socketPath) => ({ socketPath }));
  if (settings.tlsHosts.length > 0) {
    if (settings.port === undefined || settings.cert === undefined || settings.key === undefined) {
      throw new ConfigError('a TLS listener needs a port, a certificate and a key');
    }
    const cert = readPem(settings.cert, readFile);
    const key = readPem(settings.key, readFile);
    for (const host of settings.tlsHosts) listeners.push({ host, port: settings.port, tls: { cert, key } });
  }
  const ms = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);
  const { pingTimeout, reconnectTimeout, reconnectJitter, stalledWriteTimeout, lockTimeout } = settings.interclacks;
  const interclacks = Object.fromEntries(
    Object.entries({ pingTimeout, reconnectTimeout, reconnectJitter, stalledWriteTimeout, lockTimeout }).filter(([, value]) => value !== undefined).map(([name, value]) => [name, (value as number) * 1000]),
  );
  return {
    listeners,
    users: settings.users,
    authTimeout: ms(settings.authTimeout),
    pingTimeout: ms(settings.pingTimeout),
    stalledWriteTimeout: ms(settings.stalledWriteTimeout),
    tlsHandshakeTimeout: ms(settings.tlsHandshakeTimeout),
    persistFile: settings.persistFile,
    persistInterval: ms(settings.persistInterval),
    deletedCacheTime: ms(settings.deletedCacheTime),
    staleCacheTime: ms(settings.staleCacheTime),
    cacheCleanInterval: ms(settings.cacheCleanInterval),
    ...(settings.master !== undefined ? { master: masterOptions(settings.master, readFile) } : {}),
    ...(Object.keys(interclacks).length > 0 ? { interclacks } : {}),
  };
}

/** `startServer`'s `master`: the URL, else the first `<socket>`, else the first `<ip>` with `<port>` (as the reference picks). */
function masterOptions(master: MasterSettings, readFile: (path: string) => Buffer): MasterOptions {
  const tls: MasterTlsOptions = {};
  if (master.ca !== undefined) tls.ca = readPem({ path: master.ca, label: `the master's CA file ${master.ca}` }, readFile);
  if (master.insecure === true) tls.rejectUnauthorized = false;
  if (master.url !== undefined) return { url: master.url, tls };
  if (master.socket[0] !== undefined) return { socketPath: master.socket[0] };
  return { host: master.ip[0], port: master.port, tls };
}

function readPem(file: { path: string; label: string }, readFile: (path: string) => Buffer): Buffer {
  try {
    return readFile(file.path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`cannot read ${file.label}: ${reason}`);
  }
}

/** The settings as `--print-config` shows them: JSON-ready, passwords redacted, times in seconds. */
export function describeSettings(settings: ServeSettings): Record<string, unknown> {
  const seconds = Object.fromEntries(Object.entries(DEFAULT_DURATIONS).map(([name, ms]) => [name, ms / 1000])) as Record<keyof typeof DEFAULT_DURATIONS, number>;
  return {
    config: settings.source ?? null,
    appname: settings.appname ?? null,
    listeners: [
      ...settings.sockets.map((path) => ({ unix: path, mode: settings.socketMode ?? null })),
      ...settings.tlsHosts.map((host) => ({ tls: `${host}:${settings.port}`, cert: settings.cert?.path ?? null, key: settings.key?.path ?? null })),
    ],
    users: settings.users.map((user, index) => ({
      username: user.username,
      password: '(redacted)',
      permissions: index === 0 ? ['read', 'write', 'manage', 'interclacks'] : (user.permissions ?? []),
    })),
    persistence: settings.persistFile === undefined ? null : { file: settings.persistFile, interval: settings.persistInterval ?? seconds.persistInterval },
    timeouts: {
      auth: settings.authTimeout ?? seconds.authTimeout,
      ping: settings.pingTimeout ?? seconds.pingTimeout,
      stalledWrite: settings.stalledWriteTimeout ?? seconds.stalledWriteTimeout,
      tlsHandshake: settings.tlsHandshakeTimeout ?? seconds.tlsHandshakeTimeout,
    },
    cache: {
      deletedCacheTime: settings.deletedCacheTime ?? seconds.deletedCacheTime,
      staleCacheTime: settings.staleCacheTime ?? seconds.staleCacheTime,
      cacheCleanInterval: settings.cacheCleanInterval ?? seconds.cacheCleanInterval,
    },
    interclacks: {
      master: settings.master === undefined ? null : { ...settings.master, ...(settings.master.url !== undefined ? { url: redactUrl(settings.master.url) } : {}) },
      pingTimeout: settings.interclacks.pingTimeout ?? DEFAULT_INTERCLACKS.pingTimeout / 1000,
      reconnectTimeout: settings.interclacks.reconnectTimeout ?? DEFAULT_INTERCLACKS.reconnectTimeout / 1000,
      reconnectJitter: settings.interclacks.reconnectJitter ?? DEFAULT_INTERCLACKS.reconnectJitter / 1000,
      stalledWriteTimeout: settings.interclacks.stalledWriteTimeout ?? DEFAULT_INTERCLACKS.stalledWriteTimeout / 1000,
      lockTimeout: settings.interclacks.lockTimeout ?? DEFAULT_INTERCLACKS.lockTimeout / 1000,
    },
    notes: settings.notes,
    warnings: settings.warnings,
  };
}
