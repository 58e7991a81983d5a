/**
 * The console's own web server: the page and its assets (built into
 * dist/console by the package's build; nothing is fetched from elsewhere),
 * the session endpoints, and the gateway on `/clacks`, on one port.
 *
 * Threat model (README, "Console"): the console listens on loopback, where
 * every local user and every page the operator's browser shows can reach
 * it. So:
 *
 * - Every request must name the console's own host and port in `Host`
 *   (DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its
 *   own name), and every POST and WebSocket handshake must come from the
 *   console's own origin, exactly (other loopback ports are other origins).
 * - Nothing works without a session, and only the printed URL's one-time key
 *   opens one (sessions.ts): other local users and other pages have neither.
 *   The session's token is no cookie: browsers send the cookies of
 *   127.0.0.1 to every port of it, whoever runs the server there. The page
 *   keeps it in its sessionStorage (its origin's alone, port included) and
 *   sends it in a header to the API and as the password of its `OVERHEAD A`
 *   to the gateway, which logs in with the session's credentials instead.
 * - The Clacks password never reaches the page: the gateway logs in for the
 *   session's pages (its `authorize` hook), with the operator's credentials
 *   or those of the page's login form, kept in this process only.
 * - Responses carry a Content-Security-Policy allowing only the console's
 *   own scripts, styles and WebSocket, no framing, no referrer.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import path from 'node:path';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { createClient } from '../client/create-client.js';
import { AuthenticationError, ClacksError } from '../errors.js';
import { pathnameOf, startGateway, type ClacksGateway } from '../gateway/gateway.js';
import type { GatewayCredentials, GatewayLogger } from '../gateway/options.js';
import { isLoopback } from '../gateway/origin.js';
import { VERSION } from '../version.js';
import { ConsoleSessions, type ConsoleSession } from './sessions.js';

/** Options of {@link startConsole}. */
export interface ConsoleOptions {
  /** The Clacks server: its Unix socket, or its TLS host and port. */
  upstream: { path: string } | { host: string; port: number };
  /** TLS options for a TLS upstream (`{ ca }`, `{ rejectUnauthorized: false }`). */
  upstreamTls?: TlsConnectionOptions;
  /** How the page names the server (a URL without the password). */
  serverDescription: string;
  /** The operator's credentials: pages are logged in with them. Without them each page's login form asks. */
  credentials?: GatewayCredentials;
  /** The user name the login form starts with. */
  suggestedUser?: string;
  /** Address to listen on. Default `127.0.0.1`; anything else needs `tls`. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Certificate and key: the console speaks https:// and wss://. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The directory of the built page (dist/console). */
  assets: string | URL;
  /** Told when a key is used up (a browser opened a session), with the URL holding the next key. */
  onSession?: (nextUrl: string) => void;
  logger?: GatewayLogger;
  /** Words of its own for why the login form's check could not reach the server (the CLI names its flags); undefined keeps the error's message. */
  explainUnreachable?: (error: Error) => string | undefined;
}

/** A running console. */
export interface ClacksConsole {
  /** The page's origin, `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The URL to open: the origin, with the current one-time key in the fragment. */
  readonly url: string;
  /** Stops the gateway (pages see the connection close) and the web server. Idempotent. */
  close(): Promise<void>;
}

const WEBSOCKET_PATH = '/clacks';
/** The request header that carries the session's token to the API. */
const SESSION_HEADER = 'x-clacks-console-session';
const MAX_BODY_BYTES = 16 * 1024;
/** Deadline of a login check against the server. */
const LOGIN_CHECK_MS = 15_000;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

interface Asset {
  type: string;
  body: Buffer;
}

/** The built page: every file of `dir`, served at `/name` (index.html at `/`). */
function loadAssets(dir: string): Map<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new Error(`the console page is not built (${dir}: ${error instanceof Error ? error.message : String(error)}); run npm run build`, { cause: error });
  }
  if (!names.includes('index.html')) throw new Error(`the console page is not built (no index.html in ${dir}); run npm run build`);
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    assets.set(name === 'index.html' ? '/' : `/${name}`, { type, body: readFileSync(path.join(dir, name)) });
  }
  return assets;
}

/**
 * Starts the console's web server and its gateway; resolves once it listens.
 * @throws {TypeError} for a non-loopback address without TLS.
 */
export async function startConsole(options: ConsoleOptions): Promise<ClacksConsole> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.tls) {
    throw new TypeError(`the console listens on ${host}, which is not loopback: give a certificate and key (--cert/--key) so that the page and its session token travel over https`);
  }
  if (['0.0.0.0', '::', '[::]'].includes(host)) {
    throw new TypeError(`the console needs the address the browser will use (its origin), not ${host}`);
  }
  const assets = loadAssets(options.assets instanceof URL ? fileURLToPath(options.assets) : options.assets);
  const sessions = new ConsoleSessions(options.credentials);
  const logger = options.logger ?? (() => {});
  const secure = options.tls !== undefined;
  let origin = '';
  let hostHeader = '';
  let csp = '';

  const sessionOf = (request: IncomingMessage): ConsoleSession | undefined => {
    const token = request.headers[SESSION_HEADER];
    return typeof token === 'string' ? sessions.find(token) : undefined;
  };
  const fromOwnOrigin = (request: IncomingMessage): boolean => request.headers.host === hostHeader && request.headers.origin === origin;

  const respond = (request: IncomingMessage, response: ServerResponse): void => {
    response.setHeader('content-security-policy', csp);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('referrer-policy', 'no-referrer');
    response.setHeader('x-frame-options', 'DENY');
    response.setHeader('cross-origin-opener-policy', 'same-origin');
    response.setHeader('cross-origin-resource-policy', 'same-origin');
    response.setHeader('cache-control', 'no-store');
    if (request.headers.host !== hostHeader) {
      // DNS rebinding, or the right port under another name: either way, not ours to answer.
      return void sendText(response, 421, `This is the Clacks console of ${origin}/ only: open the URL clacks console printed.\n`);
    }
    const route = pathnameOf(request.url);
    if (route === undefined) return void sendText(response, 400, 'bad request target\n');
    if (route.startsWith('/api/')) {
      if (request.method !== 'POST') return void sendJson(response, 405, { error: 'method', message: 'POST only' }, { allow: 'POST' });
      if (!fromOwnOrigin(request)) return void sendJson(response, 403, { error: 'origin', message: 'requests must come from the console page itself' });
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) return void sendJson(response, 415, { error: 'type', message: 'application/json only' });
      readJson(request).then(
        (body) => api(route, body, request, response),
        (error: Error) => sendJson(response, 400, { error: 'body', message: error.message }),
      );
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return void sendText(response, 405, 'GET only\n', { allow: 'GET, HEAD' });
    const asset = assets.get(route);
    if (!asset) return void sendText(response, 404, 'not found\n');
    response.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  };

  const api = (route: string, body: Record<string, unknown>, request: IncomingMessage, response: ServerResponse): void => {
    let session = sessionOf(request);
    if (route === '/api/session') {
      if (!session && typeof body.key === 'string') {
        session = sessions.exchange(body.key);
        if (session) options.onSession?.(consoleUrl());
      }
      if (!session) {
        return void sendJson(response, 403, {
          error: 'no-session',
          message: typeof body.key === 'string' ? 'this key has been used already (each key opens one browser session)' : 'this page needs the key of the URL clacks console printed',
        });
      }
      return void sendJson(response, 200, describeSession(session));
    }
    if (!session) return void sendJson(response, 403, { error: 'no-session', message: 'no console session: open the URL clacks console printed' });
    if (route === '/api/login') return void login(session, body, response);
    sendJson(response, 404, { error: 'route', message: 'no such endpoint' });
  };

  const describeSession = (session: ConsoleSession): Record<string, unknown> => ({
    token: session.id,
    user: session.credentials?.username ?? null,
    loggedIn: session.credentials !== undefined,
    suggestedUser: options.suggestedUser ?? '',
    server: options.serverDescription,
    websocket: `${secure ? 'wss' : 'ws'}://${hostHeader}${WEBSOCKET_PATH}`,
    version: VERSION,
  });

  const login = (session: ConsoleSession, body: Record<string, unknown>, response: ServerResponse): void => {
    const { username, password } = body;
    if (typeof username !== 'string' || username === '' || typeof password !== 'string') {
      return void sendJson(response, 400, { error: 'credentials', message: 'a user name and a password, please' });
    }
    const wait = session.loginAfter - Date.now();
    if (session.loggingIn || wait > 0) {
      return void sendJson(response, 429, { error: 'wait', message: `too many failed logins: try again in ${Math.ceil(Math.max(wait, 1000) / 1000)} s` });
    }
    session.loggingIn = true;
    checkLogin(options, { username, password }).then(
      (outcome) => {
        session.loggingIn = false;
        if (outcome === 'ok') {
          sessions.loginSucceeded(session, { username, password });
          sendJson(response, 200, describeSession(session));
        } else if (outcome instanceof AuthenticationError) {
          sessions.loginFailed(session);
          sendJson(response, 401, { error: 'login-failed', message: outcome.message });
        } else {
          sendJson(response, 502, { error: 'unreachable', message: `cannot reach the Clacks server: ${options.explainUnreachable?.(outcome) ?? outcome.message}` });
        }
      },
      (error: unknown) => {
        session.loggingIn = false;
        sendJson(response, 500, { error: 'internal', message: String(error) });
      },
    );
  };

  const server: HttpServer | HttpsServer = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, respond) : createHttpServer(respond);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  hostHeader = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  origin = `${secure ? 'https' : 'http'}://${hostHeader}`;
  csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${secure ? 'wss' : 'ws'}://${hostHeader}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const consoleUrl = (): string => `${origin}/#key=${sessions.currentKey}`;

  let gateway: ClacksGateway;
  try {
    gateway = await startGateway({
      upstream: options.upstream,
      ...(options.upstreamTls ? { upstreamTls: options.upstreamTls } : {}),
      server,
      path: WEBSOCKET_PATH,
      allowOrigins: [origin],
      // Browsers always send Origin; a handshake without one (not a browser) is refused here too.
      // The page's password is its session's token: the gateway logs in with the session's credentials.
      authorize: (request) => (fromOwnOrigin(request) ? (page) => sessions.find(page.password)?.credentials ?? false : false),
      logger,
    });
  } catch (error) {
    server.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    origin,
    get url() {
      return consoleUrl();
    },
    close() {
      closing ??= (async () => {
        await gateway.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** Tries the credentials against the server: 'ok', the AuthenticationError, or why it could not be reached. */
async function checkLogin(options: ConsoleOptions, credentials: GatewayCredentials): Promise<'ok' | Error> {
  try {
    const client = await createClient({
      ...options.upstream,
      ...credentials,
      ...(options.upstreamTls ? { tls: options.upstreamTls } : {}),
      name: `clacks console ${VERSION} login check`,
      reconnect: false,
      offlineQueue: false,
      remembrance: false,
      timeouts: { connect: LOGIN_CHECK_MS, tlsHandshake: LOGIN_CHECK_MS, header: LOGIN_CHECK_MS, auth: LOGIN_CHECK_MS },
    });
    client.destroy();
    return 'ok';
  } catch (error) {
    if (error instanceof AuthenticationError) return error;
    return error instanceof ClacksError ? error : new Error(String(error));
  }
}

/** A JSON object body of at most 16 KiB. */
function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the answer can be read.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new Error(`the body is over ${MAX_BODY_BYTES} bytes`));
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the body must be a JSON object');
        resolve(value as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof SyntaxError ? new Error('the body is not JSON') : (error as Error));
      }
    });
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
