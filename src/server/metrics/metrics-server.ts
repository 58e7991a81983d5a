/**
 * `startMetricsServer`: a small HTTP server that answers `GET /metrics`
 * with a server's metrics in the Prometheus text format, and 404 to any
 * other path. It listens on loopback unless told otherwise: the metrics are
 * no secrets (no passwords, keys or values), but they tell anyone who can
 * reach the port the server's user names, its clients and its traffic, and
 * the endpoint has no authentication of its own.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE } from './exposition.js';

/** Where and how {@link startMetricsServer} listens. */
export interface MetricsServerOptions {
  /**
   * The address to listen on. Default `127.0.0.1`. Anything but a loopback
   * address (`127.0.0.0/8`, `::1`, `localhost`) is refused unless
   * `allowRemote` is set.
   */
  host?: string;
  /** The TCP port; 0 picks a free one (see {@link MetricsServer.port}). */
  port: number;
  /**
   * Listen on a non-loopback address. The metrics show user names, client
   * counts and traffic to anyone who can reach the port: put a firewall or a
   * reverse proxy with authentication in front of it.
   */
  allowRemote?: boolean;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The address it listens on, as given (or `127.0.0.1`). */
  readonly host: string;
  /** The bound port (resolved when 0 was asked for). */
  readonly port: number;
  /** `http://host:port/metrics`. */
  readonly url: string;
  /** Stops listening and closes its connections. Idempotent; also happens when the Clacks server closes. */
  close(): Promise<void>;
}

/** What the endpoint serves: `ClacksServer` is one. */
export interface MetricsSource {
  /** The exposition text. */
  metrics(): string;
  /** When it settles (either way), the endpoint closes. */
  readonly closed?: Promise<void>;
}

/** Scrapers and curl need few connections; a bound keeps a local flood from holding more. */
const MAX_CONNECTIONS = 64;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether `host` is a loopback address (or `localhost`): what the metrics endpoint may listen on without `allowRemote`. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Checks `options` as {@link startMetricsServer} does, before anything
 * starts; throws a TypeError naming what is wrong.
 */
export function checkMetricsOptions(options: MetricsServerOptions): void {
  const { host = '127.0.0.1', port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`startMetricsServer: port must be a whole number from 0 to 65535, not ${String(port)}`);
  if (typeof host !== 'string' || host === '') throw new TypeError('startMetricsServer: host must be a non-empty string');
  if (!isLoopbackHost(host) && options.allowRemote !== true) {
    throw new TypeError(
      `startMetricsServer: ${host} is not a loopback address; the metrics show user names, client counts and traffic to anyone who can reach it. Set allowRemote (clacks serve --metrics-allow-remote) to listen there anyway`,
    );
  }
}

/**
 * Serves `source.metrics()` (a Clacks server's) at `GET /metrics` on
 * `host:port`; resolves once it listens. Closes by itself when the Clacks
 * server closes.
 *
 * @example
 * ```ts no-run
 * const metrics = await startMetricsServer(server, { port: 9464 });
 * console.log(metrics.url); // http://127.0.0.1:9464/metrics
 * ```
 */
export async function startMetricsServer(source: MetricsSource, options: MetricsServerOptions): Promise<MetricsServer> {
  checkMetricsOptions(options);
  const host = options.host ?? '127.0.0.1';
  const http = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000, maxHeaderSize: 8 * 1024 }, (request, response) =>
    answer(source, request, response),
  );
  http.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  // A connection-level error (a peer resetting) concerns that connection only.
  http.on('clientError', (_error, socket) => socket.destroy());
  const bound = http.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    }));
  source.closed?.then(close, close);
  return { host, port, url: `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/metrics`, close };
}

function answer(source: MetricsSource, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics') return reply(response, 404, 'not found: the metrics are at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(response, 405, 'method not allowed: GET /metrics\n');
  }
  let text: string;
  try {
    text = source.metrics();
  } catch (error) {
    return reply(response, 500, `could not gather the metrics: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  response.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : text);
}

function reply(response: ServerResponse, status: number, text: string): void {
  // Whatever body such a request carries is not read: close rather than drain it.
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  response.end(text);
}
