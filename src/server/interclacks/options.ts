/**
 * Options of interclacks links: the master a slave connects to, and the
 * links' timers, with the reference's defaults (PROTOCOL.md, "The
 * configuration file": `interclackspingtimeout` 60 s,
 * `interclacksreconnecttimeout` 30 s plus up to 10 s at random,
 * `interclacksstalledwritetimeout` 120 s).
 * @module
 */
import type { ConnectionOptions } from 'node:tls';
import { describeTarget, resolveTarget, type ResolvedTarget } from '../../client/options.js';

/** TLS to the master. Its certificate is verified unless `rejectUnauthorized` is false. */
export interface MasterTlsOptions {
  /** Certificates to trust (PEM), e.g. the master's own self-signed one. Default: the system's CAs. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * `false` accepts any certificate (the Perl reference never verifies its
   * master's): only for a self-signed master on a network you trust. Default true.
   */
  rejectUnauthorized?: boolean;
  /** The name to check the certificate against (SNI). Default: the host, unless it is an IP address. */
  servername?: string;
}

/**
 * The master of this server (it becomes a slave in an interclacks network):
 * a URL, `clacks://host:49888` (TLS) or `clacks+unix:///path.sock`, or the
 * same as fields. The link logs in with the credentials of the URL, else
 * `username`/`password`, else this server's own main user, as the reference
 * does (so a master and its slaves share their main user).
 */
export interface MasterOptions {
  url?: string;
  socketPath?: string;
  host?: string;
  /** Default 49888. */
  port?: number;
  username?: string;
  password?: string;
  tls?: MasterTlsOptions;
}

/** Timers of interclacks links, in milliseconds; 0 turns one off. */
export interface InterclacksOptions {
  /**
   * Drop a link that sent neither PING nor KEYSYNC for this long (writing
   * `TIMEOUT`); each side PINGs every third of it. Default 60 s (`interclackspingtimeout`).
   */
  pingTimeout?: number;
  /** A slave's next attempt to reach its master is due this long after its last one, plus the jitter. Default 30 s (`interclacksreconnecttimeout`). */
  reconnectTimeout?: number;
  /** Up to this much at random is added to `reconnectTimeout`, so that slaves do not all come back at once. Default 10 s (the reference adds 0-9 s). */
  reconnectJitter?: number;
  /** Drop a link whose socket has taken nothing for this long. Default 120 s (`interclacksstalledwritetimeout`). */
  stalledWriteTimeout?: number;
  /**
   * The longest a master's sync lock may hold this server's clients. A lock
   * that is not lifted in time drops the link (the held commands then run).
   * Default 60 s. The reference has no such bound beyond the ping timeout.
   */
  lockTimeout?: number;
  /** Deadline of the connection to the master (TCP or Unix). Default 5 s, as the reference. */
  connectTimeout?: number;
  /** Deadline of the TLS handshake with the master. Default 10 s. */
  tlsHandshakeTimeout?: number;
}

/** The master, resolved. */
export interface ResolvedMaster {
  target: Exclude<ResolvedTarget, { kind: 'ws' }>;
  /** The target for messages, password redacted. */
  where: string;
  tls: ConnectionOptions | undefined;
}

export type ResolvedInterclacks = Required<InterclacksOptions>;

export const DEFAULT_INTERCLACKS: ResolvedInterclacks = {
  pingTimeout: 60_000,
  reconnectTimeout: 30_000,
  reconnectJitter: 10_000,
  stalledWriteTimeout: 120_000,
  lockTimeout: 60_000,
  connectTimeout: 5_000,
  tlsHandshakeTimeout: 10_000,
};

/** Resolves `master`; `main` is this server's main user, whose credentials the link uses by default. */
export function resolveMaster(master: string | MasterOptions, main: { username: string; password: string }): ResolvedMaster {
  const options: MasterOptions = typeof master === 'string' ? { url: master } : master;
  const credentials = { username: options.username ?? main.username, password: options.password ?? main.password };
  let target: ResolvedTarget;
  try {
    if (options.url !== undefined) target = resolveTarget(options.url, credentials);
    else if (options.socketPath !== undefined) target = resolveTarget({ path: options.socketPath, ...credentials });
    else if (options.host !== undefined) target = resolveTarget({ host: options.host, port: options.port, ...credentials });
    else throw new TypeError('give a url, a socketPath, or a host (and port)');
  } catch (error) {
    throw new TypeError(`startServer: master: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (target.kind === 'ws') throw new TypeError('startServer: master: a master is reached over TLS (clacks://) or a Unix socket (clacks+unix://), not a WebSocket');
  const tls = target.kind === 'tls' ? tlsOptions(options.tls) : undefined;
  return { target, where: describeTarget(target), tls };
}

function tlsOptions(options: MasterTlsOptions = {}): ConnectionOptions {
  const tls: ConnectionOptions = { rejectUnauthorized: options.rejectUnauthorized !== false };
  if (options.ca !== undefined) tls.ca = options.ca as ConnectionOptions['ca'];
  if (options.servername !== undefined) tls.servername = options.servername;
  return tls;
}

export function resolveInterclacks(options: InterclacksOptions = {}, check: (value: number | undefined, fallback: number, name: string) => number): ResolvedInterclacks {
  const resolved = { ...DEFAULT_INTERCLACKS };
  for (const name of Object.keys(DEFAULT_INTERCLACKS) as Array<keyof ResolvedInterclacks>) {
    resolved[name] = check(options[name], DEFAULT_INTERCLACKS[name], `interclacks.${name}`);
  }
  return resolved;
}
