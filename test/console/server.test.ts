/**
 * The console's web server from Node, as a hostile neighbour would see it:
 * other Host names (DNS rebinding), other origins (another page on
 * loopback), no key, a used key, no session token, a non-browser WebSocket,
 * a cookie (which every other loopback port would get too). And what a page
 * with a session gets: the gateway logs it in, the password never in a
 * response.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createConnection } from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GatewayCloseCode, encodeAuthToken } from '../../src/index.js';
import { startConsole, type ClacksConsole, type ConsoleOptions } from '../../src/console/server.js';
import { ensureBuilt, ROOT } from '../cli/cli-process.js';
import { TLS_CERT, TLS_KEY, useTestEnv } from '../helpers/client-env.js';
import { waitFor } from '../helpers/wait.js';

const env = useTestEnv();
const ASSETS = path.join(ROOT, 'dist/console');
const running: ClacksConsole[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(running.splice(0).map((console) => console.close()));
});

async function start(options: Partial<ConsoleOptions> = {}): Promise<ClacksConsole> {
  const started = await startConsole({
    upstream: { path: env.socketPath },
    serverDescription: `clacks+unix://exampleuser@localhost${env.socketPath}`,
    credentials: { username: 'exampleuser', password: 'unsafepassword' },
    assets: ASSETS,
    ...options,
  });
  running.push(started);
  return started;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (Host included, unless given). */
function send(origin: string, method: string, route: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const url = new URL(route, origin);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, method, path: url.pathname, headers: { host: url.host, ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** POST JSON to the console's API as its own page would (its Origin). */
function api(consoleServer: ClacksConsole, route: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(consoleServer.origin, 'POST', route, { origin: consoleServer.origin, 'content-type': 'application/json', ...headers }, JSON.stringify(body));
}

const keyOf = (consoleServer: ClacksConsole): string => new URL(consoleServer.url).hash.replace(/^#key=/, '');

/** Opens a session with the current key; its token. */
async function session(consoleServer: ClacksConsole): Promise<string> {
  const reply = await api(consoleServer, '/api/session', { key: keyOf(consoleServer) });
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.body) as { token: string }).token;
}

/** The header that carries a session's token to the API. */
const withToken = (token: string): Record<string, string> => ({ 'x-clacks-console-session': token });

/** A page's login line: the session's token is its password. */
const loginLine = (user: string, token: string): string => `OVERHEAD A ${encodeAuthToken(user, token)}\r\n`;

/** A raw WebSocket to the console's gateway: what it received, and how it closed. */
function socket(consoleServer: ClacksConsole, headers: Record<string, string>) {
  const ws = new WebSocket(`${consoleServer.origin.replace(/^http/, 'ws')}/clacks`, { headers });
  sockets.push(ws);
  let received = '';
  ws.on('message', (data: Buffer) => (received += data.toString('utf8')));
  ws.on('error', () => {});
  return {
    ws,
    text: () => received,
    opened: new Promise<void>((resolve) => ws.on('open', () => resolve())),
    closed: new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
  };
}

describe('the console web server', () => {
  it('serves the built page from the package, with a strict Content-Security-Policy; only under its own Host', async () => {
    const consoleServer = await start();
    expect(consoleServer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#key=[\w-]{43}$/);
    const page = await send(consoleServer.origin, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="/console.js"></script>');
    expect(page.headers['content-security-policy']).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${consoleServer.origin.replace('http', 'ws')}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(page.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'cache-control': 'no-store' });
    for (const asset of ['/console.js', '/console.css']) {
      const reply = await send(consoleServer.origin, 'GET', asset);
      expect(reply.status, asset).toBe(200);
      // Nothing from elsewhere: no URL of another host anywhere in what the page loads.
      expect(reply.body, asset).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    }
    expect((await send(consoleServer.origin, 'GET', '/nothing')).status).toBe(404);
    // DNS rebinding: a page of evil.example resolving to 127.0.0.1 names its own host.
    for (const host of ['evil.example', `evil.example:${new URL(consoleServer.origin).port}`, `localhost:${new URL(consoleServer.origin).port}`]) {
      const reply = await send(consoleServer.origin, 'GET', '/', { host });
      expect(reply.status, host).toBe(421);
      expect(reply.body).toContain('open the URL clacks console printed');
    }
  });

  it('opens one session per key, from its own origin only, with a token (no cookie) and no password', async () => {
    const consoleServer = await start();
    const key = keyOf(consoleServer);
    const port = new URL(consoleServer.origin).port;
    // Another page on loopback (another port is another origin), no Origin at all, a form post.
    expect((await api(consoleServer, '/api/session', { key }, { origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect((await send(consoleServer.origin, 'POST', '/api/session', { 'content-type': 'application/json' }, JSON.stringify({ key }))).status).toBe(403);
    expect((await api(consoleServer, '/api/session', { key }, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await send(consoleServer.origin, 'GET', '/api/session')).status).toBe(405);
    expect(await api(consoleServer, '/api/session', {})).toMatchObject({ status: 403, body: expect.stringContaining('needs the key') });
    expect((await api(consoleServer, '/api/session', { key: 'x'.repeat(43) })).status).toBe(403);
    expect((await api(consoleServer, '/api/session', { key: 'x'.repeat(20_000) })).status).toBe(400);
    expect(keyOf(consoleServer)).toBe(key); // wrong keys do not use it up

    const opened = await api(consoleServer, '/api/session', { key });
    expect(opened.status).toBe(200);
    // Browsers send the cookies of 127.0.0.1 to every port of it: no cookie.
    expect(opened.headers['set-cookie']).toBeUndefined();
    const { token } = JSON.parse(opened.body) as { token: string };
    expect(JSON.parse(opened.body)).toEqual({
      token: expect.stringMatching(/^[\w-]{43}$/),
      user: 'exampleuser',
      loggedIn: true,
      suggestedUser: '',
      server: `clacks+unix://exampleuser@localhost${env.socketPath}`,
      websocket: `ws://127.0.0.1:${port}/clacks`,
      version: expect.any(String),
    });
    expect(opened.body).not.toContain('unsafepassword');
    // The key is used up; the session's token is what counts now, and a new key was made.
    expect(await api(consoleServer, '/api/session', { key })).toMatchObject({ status: 403, body: expect.stringContaining('used already') });
    expect((await api(consoleServer, '/api/session', {}, withToken(token))).status).toBe(200);
    expect((await api(consoleServer, '/api/session', {}, withToken('f'.repeat(43)))).status).toBe(403);
    // The token as a cookie (what another loopback port's server would be sent) opens nothing.
    expect((await api(consoleServer, '/api/session', {}, { cookie: `clacks-console-${port}=${token}` })).status).toBe(403);
    expect(keyOf(consoleServer)).not.toBe(key);
  });

  it('answers a request target that is no URL with 400, and goes on', async () => {
    const consoleServer = await start();
    const { host, port } = new URL(consoleServer.origin);
    for (const [target, upgrade] of [['http://[', ''], ['http://[', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n']] as const) {
      const answer = await new Promise<string>((resolve) => {
        const socket = createConnection(Number(port), '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${upgrade}\r\n`));
        let received = '';
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
          if (received.includes('\r\n\r\n')) socket.destroy();
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(received));
      });
      expect(answer, `${target} ${upgrade ? 'upgrade' : ''}`).toMatch(/^HTTP\/1\.1 (400|404) /);
    }
    expect((await send(consoleServer.origin, 'GET', '/')).status).toBe(200);
  });

  it('tells the CLI when a key was used, with the URL for the next browser', async () => {
    const told: string[] = [];
    const consoleServer = await start({ onSession: (next) => told.push(next) });
    await session(consoleServer);
    expect(told).toEqual([consoleServer.url]);
  });

  it("bridges a session's WebSocket, logged in by the gateway: the page sends no password", async () => {
    const consoleServer = await start();
    const token = await session(consoleServer);
    const page = socket(consoleServer, { origin: consoleServer.origin });
    await page.opened;
    page.ws.send(`CLACKS page\r\n${loginLine('exampleuser', token)}CLIENTLIST\r\nFLUSH 1\r\n`);
    await waitFor(() => page.text().includes('FLUSHED 1'), 10_000, 'FLUSHED');
    expect(page.text()).toContain('OVERHEAD O Welcome!');
    expect(page.text()).toContain('CLIENTLISTSTART'); // the main user's manage permission
  });

  it('refuses WebSockets whose login is no session (4001), from another origin (4003), or without an Origin (4001)', async () => {
    const consoleServer = await start();
    const token = await session(consoleServer);
    const loggingIn = (headers: Record<string, string>, line: string) => {
      const page = socket(consoleServer, headers);
      void page.opened.then(() => page.ws.send(`CLACKS page\r\n${line}FLUSH 1\r\n`));
      return page;
    };
    for (const line of [loginLine('exampleuser', ''), loginLine('exampleuser', 'f'.repeat(43)), loginLine('exampleuser', 'unsafepassword'), 'OVERHEAD A not-a-token\r\n']) {
      const page = loggingIn({ origin: consoleServer.origin, cookie: `clacks-console-${new URL(consoleServer.origin).port}=${token}` }, line);
      expect((await page.closed).code, line).toBe(GatewayCloseCode.unauthorized);
      expect(page.text(), line).not.toContain('Welcome!');
    }
    expect((await loggingIn({ origin: 'http://127.0.0.1:1' }, loginLine('exampleuser', token)).closed).code).toBe(GatewayCloseCode.originRefused);
    expect((await loggingIn({}, loginLine('exampleuser', token)).closed).code).toBe(GatewayCloseCode.unauthorized);
  });

  it('without credentials: a session logs in through the login form (checked against the server, failures slowed down)', async () => {
    const consoleServer = await start({ credentials: undefined, suggestedUser: 'rouser' });
    const opened = await api(consoleServer, '/api/session', { key: keyOf(consoleServer) });
    expect(JSON.parse(opened.body)).toMatchObject({ user: null, loggedIn: false, suggestedUser: 'rouser' });
    const { token } = JSON.parse(opened.body) as { token: string };
    const early = socket(consoleServer, { origin: consoleServer.origin });
    void early.opened.then(() => early.ws.send(`CLACKS page\r\n${loginLine('rouser', token)}`));
    expect((await early.closed).code).toBe(GatewayCloseCode.unauthorized); // not logged in yet
    expect((await api(consoleServer, '/api/login', { username: 'rouser', password: 'bar' })).status).toBe(403); // no session
    const wrong = await api(consoleServer, '/api/login', { username: 'rouser', password: 'wrong' }, withToken(token));
    expect(wrong).toMatchObject({ status: 401, body: expect.stringContaining('authentication failed') });
    expect((await api(consoleServer, '/api/login', { username: 'rouser', password: 'wrong again' }, withToken(token))).status).toBe(401);
    expect(await api(consoleServer, '/api/login', { username: 'rouser', password: 'bar' }, withToken(token))).toMatchObject({ status: 429, body: expect.stringContaining('try again in') });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const right = await api(consoleServer, '/api/login', { username: 'rouser', password: 'bar' }, withToken(token));
    expect(right.status).toBe(200);
    expect(JSON.parse(right.body)).toMatchObject({ user: 'rouser', loggedIn: true });
    expect(right.body).not.toContain('"bar"');
    const page = socket(consoleServer, { origin: consoleServer.origin });
    await page.opened;
    page.ws.send(`CLACKS page\r\n${loginLine('rouser', token)}CLIENTLIST\r\nFLUSH 1\r\n`);
    await waitFor(() => page.text().includes('FLUSHED 1'), 10_000, 'FLUSHED');
    expect(page.text()).toContain('OVERHEAD O Welcome!');
    expect(page.text()).toContain('OVERHEAD E permission_denied'); // rouser may not list clients
  });

  it('bridges to a TLS server too, for the login form as well', async () => {
    const consoleServer = await start({ upstream: { host: '127.0.0.1', port: env.port }, upstreamTls: { ca: TLS_CERT }, credentials: undefined });
    const { token } = JSON.parse((await api(consoleServer, '/api/session', { key: keyOf(consoleServer) })).body) as { token: string };
    expect((await api(consoleServer, '/api/login', { username: 'rwuser', password: 'foo' }, withToken(token))).status).toBe(200);
    const page = socket(consoleServer, { origin: consoleServer.origin });
    await page.opened;
    page.ws.send(`CLACKS page\r\n${loginLine('rwuser', token)}STORE console::tls=yes\r\nRETRIEVE console::tls\r\nFLUSH 1\r\n`);
    await waitFor(() => page.text().includes('FLUSHED 1'), 10_000, 'FLUSHED');
    expect(page.text()).toContain('RETRIEVED console::tls=yes');
  });

  it("puts why the login form's check could not reach the server in the embedder's words (explainUnreachable)", async () => {
    const consoleServer = await start({ upstream: { host: '127.0.0.1', port: env.port }, credentials: undefined, explainUnreachable: (error) => `EXPLAINED ${error.constructor.name}` });
    const { token } = JSON.parse((await api(consoleServer, '/api/session', { key: keyOf(consoleServer) })).body) as { token: string };
    const login = await api(consoleServer, '/api/login', { username: 'rwuser', password: 'foo' }, withToken(token));
    expect(login.status).toBe(502);
    expect(JSON.parse(login.body)).toEqual({ error: 'unreachable', message: 'cannot reach the Clacks server: EXPLAINED ConnectionError' });
  });

  it('refuses to listen off loopback without TLS, or on a wildcard address; speaks https with a certificate', async () => {
    await expect(start({ host: '192.0.2.1' })).rejects.toThrow(/not loopback: give a certificate and key/);
    await expect(start({ host: '0.0.0.0', tls: { cert: TLS_CERT, key: TLS_KEY } })).rejects.toThrow(/not 0\.0\.0\.0/);
    const secure = await start({ tls: { cert: TLS_CERT, key: TLS_KEY } });
    expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/#key=/);
  });

  it('says so when the page is not built', async () => {
    await expect(start({ assets: path.join(ROOT, 'src') })).rejects.toThrow(/the console page is not built .*run npm run build/);
  });
});
