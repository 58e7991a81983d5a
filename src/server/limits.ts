/**
 * The server's limits: every bound on what peers can make it hold, with its
 * default. One table drives `startServer`'s `limits` option, the `clacks
 * serve` flags and the README's "Limits" table, so the three cannot drift.
 * @module
 */
import { DEFAULT_MAX_LINE_LENGTH } from '../wire/index.js';

const KiB = 1024;
const MiB = 1024 * 1024;

/**
 * Bounds on what peers can make the server hold (`startServer({ limits })`).
 * Sizes are in bytes, durations in milliseconds, counts plain. Every field is
 * optional; the README's "Limits" table lists the defaults.
 */
export interface ServerLimits {
  /** Longest line a logged-in client may send; a longer one gets `OVERHEAD E line_too_long` and a close. Default 16 MiB. */
  maxLineLength?: number;
  /** Longest line before login (the only lines that count then are `CLACKS` and `OVERHEAD A`), and the most of a `CLACKS` identification kept, also after login. Default 64 KiB. */
  maxPreAuthLineLength?: number;
  /** Connections at once, in every state (TLS handshakes included); more are closed on accept. Default 10,000. */
  maxConnections?: number;
  /** Connections that have not logged in yet (TLS handshakes included). Default 1,024. */
  maxUnauthenticated?: number;
  /**
   * Connections that have not logged in yet from one source: an IPv4
   * address, an IPv6 /64, or `unix` for every Unix-socket peer. Default 256.
   */
  maxUnauthenticatedPerSource?: number;
  /** Bytes of unfinished lines (and lines held while a client waits) across all connections; past it the biggest holders are dropped. Default 128 MiB. */
  maxTotalInput?: number;
  /** Bytes of output queued for one client; past it the client is dropped as not reading. Default 64 MiB. */
  maxOutputBuffer?: number;
  /** Bytes of output queued for all clients together; past it the clients holding the most are dropped first. Default 128 MiB. */
  maxTotalOutput?: number;
  /** Failed logins from one source answered without delay. Default 5. */
  freeLoginFailures?: number;
  /** Wait before checking the next login from a source after one more failure; doubles with each failure. Default 250 ms. */
  loginFailureDelay?: number;
  /** The longest such wait. Default 1 s, so a source gets about one guess a second. */
  maxLoginFailureDelay?: number;
  /** A source's failures are forgotten after this long without one. Default 60 s. */
  loginFailureExpiry?: number;
  /** Sources whose failures are remembered; the least recently failed are forgotten first. Default 10,000. */
  maxLoginThrottleSources?: number;
  /**
   * Bytes of the names one client LISTENs to, each name counted with
   * 384 bytes of bookkeeping on top; a LISTEN past it gets
   * `OVERHEAD E listen_limit` and is not taken. Default 16 MiB.
   */
  maxListenBytesPerClient?: number;
  /** The same across all clients. Default 128 MiB. */
  maxTotalListenBytes?: number;
  /** Distinct KEYLIST snapshots being sorted and sent at once; more KEYLISTs wait their turn. Default 4. */
  maxKeylistSnapshots?: number;
  /** Longest log line in characters; the rest is cut and counted. Default 1,000. */
  maxLogLineLength?: number;
  /** `OVERHEAD E` reports logged per client per minute; the rest are counted in one line. Default 10. */
  errorLogsPerMinute?: number;
}

/**
 * What a listened name costs beyond its own bytes, for the LISTEN limits:
 * its entries in the server's maps and sets. Measured on Node 20, a name
 * that nobody else listens to costs about 380 bytes of heap besides itself.
 */
export const LISTEN_ENTRY_BYTES = 384;

/** Every limit with its value. */
export type ResolvedLimits = { readonly [K in keyof ServerLimits]-?: number };

/** How a limit is shown and parsed on the command line. */
export type LimitUnit = 'bytes' | 'count' | 'ms';

/** One row of the limits table. */
export interface LimitSpec {
  readonly name: keyof ServerLimits;
  readonly unit: LimitUnit;
  readonly fallback: number;
  /** `clacks serve` flag, without the value. */
  readonly flag: string;
  readonly help: string;
}

/** The limits, in the order the README and `clacks serve --help` list them. */
export const LIMITS: readonly LimitSpec[] = [
  { name: 'maxLineLength', unit: 'bytes', fallback: DEFAULT_MAX_LINE_LENGTH, flag: '--max-line-length', help: 'longest line from a logged-in client' },
  { name: 'maxPreAuthLineLength', unit: 'bytes', fallback: 64 * KiB, flag: '--max-pre-auth-line-length', help: 'longest line before login' },
  { name: 'maxConnections', unit: 'count', fallback: 10_000, flag: '--max-connections', help: 'connections at once' },
  { name: 'maxUnauthenticated', unit: 'count', fallback: 1024, flag: '--max-unauthenticated', help: 'connections not logged in yet' },
  {
    name: 'maxUnauthenticatedPerSource',
    unit: 'count',
    fallback: 256,
    flag: '--max-unauthenticated-per-source',
    help: 'connections not logged in yet from one address (IPv6: /64; all Unix-socket peers: one)',
  },
  { name: 'maxTotalInput', unit: 'bytes', fallback: 128 * MiB, flag: '--max-total-input', help: 'unfinished input lines across connections' },
  { name: 'maxOutputBuffer', unit: 'bytes', fallback: 64 * MiB, flag: '--max-output-buffer', help: 'output queued for one client' },
  { name: 'maxTotalOutput', unit: 'bytes', fallback: 128 * MiB, flag: '--max-total-output', help: 'output queued for all clients' },
  { name: 'freeLoginFailures', unit: 'count', fallback: 5, flag: '--free-login-failures', help: 'failed logins per source answered at once' },
  { name: 'loginFailureDelay', unit: 'ms', fallback: 250, flag: '--login-failure-delay', help: 'first wait after those, doubling per failure' },
  { name: 'maxLoginFailureDelay', unit: 'ms', fallback: 1000, flag: '--max-login-failure-delay', help: 'longest wait between login checks of one source' },
  { name: 'loginFailureExpiry', unit: 'ms', fallback: 60_000, flag: '--login-failure-expiry', help: "time without failures after which a source's are forgotten" },
  { name: 'maxLoginThrottleSources', unit: 'count', fallback: 10_000, flag: '--max-login-throttle-sources', help: 'sources whose login failures are remembered' },
  { name: 'maxListenBytesPerClient', unit: 'bytes', fallback: 16 * MiB, flag: '--max-listen-bytes-per-client', help: 'names one client LISTENs to, 384 bytes each on top' },
  { name: 'maxTotalListenBytes', unit: 'bytes', fallback: 128 * MiB, flag: '--max-total-listen-bytes', help: 'names all clients LISTEN to' },
  { name: 'maxKeylistSnapshots', unit: 'count', fallback: 4, flag: '--max-keylist-snapshots', help: 'KEYLIST snapshots in progress at once' },
  { name: 'maxLogLineLength', unit: 'count', fallback: 1000, flag: '--max-log-line-length', help: 'longest log line, in characters' },
  { name: 'errorLogsPerMinute', unit: 'count', fallback: 10, flag: '--error-logs-per-minute', help: 'OVERHEAD E reports logged per client per minute' },
];

/** Fills in the defaults and checks every value (a non-negative number; counts and sizes integers). */
export function resolveLimits(limits: ServerLimits = {}, legacy: Pick<ServerLimits, 'maxLineLength' | 'maxOutputBuffer'> = {}): ResolvedLimits {
  const known = new Set<string>(LIMITS.map((spec) => spec.name));
  for (const name of Object.keys(limits)) {
    if (!known.has(name)) throw new TypeError(`startServer: unknown limit \`limits.${name}\``);
  }
  const resolved: Partial<Record<keyof ServerLimits, number>> = {};
  for (const spec of LIMITS) {
    const value = limits[spec.name] ?? legacy[spec.name as 'maxLineLength' | 'maxOutputBuffer'] ?? spec.fallback;
    const integral = spec.unit !== 'ms';
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (integral && Number.isFinite(value) && !Number.isInteger(value))) {
      throw new TypeError(`startServer: \`limits.${spec.name}\` must be a non-negative ${integral ? 'integer' : 'number'} (or Infinity), got ${String(value)}`);
    }
    resolved[spec.name] = value;
  }
  return resolved as ResolvedLimits;
}
