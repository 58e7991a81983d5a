/**
 * The gateway from Node: a real embedded server, a real gateway, real
 * WebSockets. The client with a ws:// URL, and raw WebSockets (the `ws`
 * package) where a test needs to be a badly behaved page: a foreign Origin,
 * long lines, too many connections, a page that stops reading.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { createConnection, createServer as createNetServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  AuthenticationError,
  createClient,
  encodeAuthToken,
  GatewayCloseCode,
  startGateway,
  type ClacksClient,
  type ClacksGateway,
  type GatewayOptions,
  type StatusEvent,
} from '../../src/index.js';
import { runNode } from '../cli/cli-process.js';
import { TLS_CERT, TLS_KEY, useTestEnv } from '../helpers/client-env.js';
import { nextMatching, waitFor } from '../helpers/wait.js';

const env = useTestEnv();
const gateways: ClacksGateway[] = [];
const clients: ClacksClient[] = [];
const pages: WebSocket[] = [];
const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const page of pages.splice(0)) page.terminate();
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function gateway(options: Partial<GatewayOptions> = {}): Promise<ClacksGateway> {
  const started = await startGateway({ upstream: `clacks+unix://${env.socketPath}`, ...options });
  gateways.push(started);
  return started;
}

/** The gateway's URL with credentials, as a page would be given it. */
function urlOf(gw: ClacksGateway, user = 'exampleuser', password = 'unsafepassword'): string {
  const url = new URL(gw.address?.url ?? '');
  url.username = user;
  url.password = password;
  return url.toString();
}

async function connect(url: string, options: Parameters<typeof createClient>[1] = {}): Promise<ClacksClient> {
  const client = await createClient(url, options);
  clients.push(client);
  return client;
}

/** A raw WebSocket page: what arrives, as text, and how it closed. */
interface RawPage {
  ws: WebSocket;
  text(): string;
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
  login(user?: string, password?: string): void;
}

function rawPage(gw: ClacksGateway, headers: Record<string, string> = {}, url = gw.address?.url ?? ''): RawPage {
  const ws = new WebSocket(url, { headers });
  pages.push(ws);
  let received = '';
  ws.on('message', (data: Buffer) => (received += data.toString('utf8')));
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  return {
    ws,
    text: () => received,
    closed: new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    opened,
    login: (user = 'exampleuser', password = 'unsafepassword') =>
      void opened.then(() => ws.send(`CLACKS raw page\r\nOVERHEAD A ${encodeAuthToken(user, password)}\r\n`)),
  };
}

describe('the client through the gateway', () => {
  it('stores, retrieves and receives another client SET over ws://', async () => {
    const gw = await gateway();
    const client = await connect(urlOf(gw));
    expect(client.server).toBe(gw.address?.url);
    expect(client.server).not.toContain('unsafepassword');
    expect(client.serverInfo).toMatch(/^net-clacks/);
    await client.store('gateway::greeting', 'hello through the gateway');
    expect(await client.retrieve('gateway::greeting')).toBe('hello through the gateway');

    const subscription = client.subscribe('gateway::signal');
    await subscription.ready;
    const other = await env.connect('unix');
    await other.set('gateway::signal', 'from a socket client: ünïcödé €');
    const event = await nextMatching(subscription, (e) => e.type === 'set');
    expect(event).toEqual({ type: 'set', name: 'gateway::signal', value: 'from a socket client: ünïcödé €' });
    subscription.unsubscribe();
    await client.close();
    expect(client.state).toBe('closed');
  });

  it('speaks wss:// with a certificate, to a TLS upstream as well', async () => {
    const gw = await gateway({ tls: { cert: TLS_CERT, key: TLS_KEY }, upstream: `clacks://127.0.0.1:${env.port}`, upstreamTls: { ca: TLS_CERT } });
    expect(gw.address?.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const client = await connect(urlOf(gw), { tls: { ca: TLS_CERT } });
    await client.store('gateway::tls', 'secure');
    expect(await client.retrieve('gateway::tls')).toBe('secure');
  });

  it("an upstream certificate it cannot verify: the page gets 1014, the log names the gateway's own options to fix it", async () => {
    const logs: string[] = [];
    const gw = await gateway({ upstream: `clacks://127.0.0.1:${env.port}`, logger: (_level, message) => logs.push(message) });
    const error = await createClient(urlOf(gw), { reconnect: false }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'GatewayError', closeCode: GatewayCloseCode.badGateway });
    await waitFor(() => logs.some((line) => line.includes('cannot reach the Clacks server')));
    const line = logs.find((entry) => entry.includes('cannot reach the Clacks server')) as string;
    expect(line).toContain('TLS certificate of clacks://127.0.0.1:');
    expect(line).toContain('--upstream-ca FILE (upstreamTls.ca)');
    expect(line).toContain('--upstream-insecure (upstreamTls.rejectUnauthorized: false)');
    // Not the client's own options, which a gateway does not have.
    expect(line).not.toContain('pass tls:');
  });

  it("uses Node's global WebSocket where there is one (node --experimental-websocket)", async () => {
    const gw = await gateway();
    const script = path.join(import.meta.dirname, 'fixtures/global-websocket-client.ts');
    const result = await runNode(['--experimental-websocket', '--no-warnings', '--import', 'tsx', script, urlOf(gw)]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ made: 1, value: 'stored through the global WebSocket: €' });
  });

  it('a wrong password is an AuthenticationError, as over a socket', async () => {
    const gw = await gateway();
    await expect(createClient(urlOf(gw, 'exampleuser', 'wrong'))).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('sees the server restarting as a connection loss and reconnects', async () => {
    const gw = await gateway();
    const client = await connect(urlOf(gw));
    const status = client.status();
    await env.restart();
    const back = (await nextMatching(status, (e: StatusEvent) => e.type === 'reconnected', 15_000)) as Extract<StatusEvent, { type: 'reconnected' }>;
    expect(back.server).toBe(gw.address?.url);
    await client.store('gateway::after-restart', 'yes');
    expect(await client.retrieve('gateway::after-restart')).toBe('yes');
  });

  it('sees the gateway restarting as a connection loss and reconnects', async () => {
    const first = await startGateway({ upstream: `clacks+unix://${env.socketPath}` });
    const port = first.address?.port as number;
    const client = await connect(urlOf(first));
    const status = client.status();
    await first.close();
    const lost = await nextMatching(status, (e: StatusEvent) => e.type === 'disconnected');
    expect(lost.type === 'disconnected' && lost.reason.message).toMatch(/shutting down/);
    await gateway({ port });
    await nextMatching(status, (e: StatusEvent) => e.type === 'reconnected', 15_000);
    expect(await client.retrieve('gateway::missing')).toBeUndefined();
  });

  it('serves the WebSockets of an HTTP server of yours, on its path only', async () => {
    const server: Server = createHttpServer((_request, response) => response.end('a page'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const gw = await gateway({ server, path: '/clacks' });
    expect(gw.address).toBeUndefined();
    const client = await connect(`ws://exampleuser:unsafepassword@127.0.0.1:${port}/clacks`);
    expect(await client.retrieve('gateway::none')).toBeUndefined();
    const elsewhere = rawPage(gw, {}, `ws://127.0.0.1:${port}/other`);
    const failed = await new Promise<boolean>((resolve) => {
      elsewhere.ws.on('open', () => resolve(false));
      elsewhere.ws.on('error', () => resolve(true));
    });
    expect(failed).toBe(true);
  });
});

describe('what the gateway lets through', () => {
  it('passes lines through, several per message; a message end ends its last line', async () => {
    const gw = await gateway();
    const writer = await env.connect('unix');
    await writer.store('gateway::one', '1');
    await writer.store('gateway::two', '2');
    await writer.flush();
    const page = rawPage(gw);
    await page.opened;
    // No line end after OVERHEAD A, and two RETRIEVEs in one message, LF only.
    page.ws.send(`CLACKS raw\r\nOVERHEAD A ${encodeAuthToken('exampleuser', 'unsafepassword')}`);
    page.ws.send('RETRIEVE gateway::one\nRETRIEVE gateway::two');
    await waitFor(() => page.text().includes('RETRIEVED gateway::two=2'));
    expect(page.text()).toMatch(/^CLACKS /);
    expect(page.text()).toContain('OVERHEAD O Welcome!\r\n');
    expect(page.text()).toContain('RETRIEVED gateway::one=1\r\nRETRIEVED gateway::two=2\r\n');
  });

  it('refuses a page Origin that is not allowed (4003 and a reason); lets loopback pages and non-browsers in', async () => {
    const gw = await gateway();
    const foreign = rawPage(gw, { origin: 'https://evil.example' });
    expect(await foreign.closed).toEqual({ code: GatewayCloseCode.originRefused, reason: 'origin https://evil.example is not allowed' });
    for (const headers of [{ origin: 'http://localhost:5173' }, { origin: 'http://127.0.0.1:8080' }, {}] as Array<Record<string, string>>) {
      const page = rawPage(gw, headers);
      await waitFor(() => page.text().startsWith('CLACKS '), 15_000, `greeting with ${JSON.stringify(headers)}`);
    }
    expect(gw.stats().refused).toBe(1);
  });

  it('survives an Origin of non-ASCII bytes and control characters: refused with a reason of at most 123 bytes, logged escaped', async () => {
    // A close reason over 123 bytes throws in `ws`: 100 chars of latin1 are 200 bytes of UTF-8.
    const logged: string[] = [];
    const gw = await gateway({ logger: (level, message) => logged.push(`${level}: ${message}`) });
    const origin = Buffer.concat([Buffer.from('http://'), Buffer.alloc(100, 0xe9), Buffer.from([0x9b, 0x32, 0x4a])]); // é×100, then CSI 2J (C1: clear the screen)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = createConnection(gw.address?.port as number, '127.0.0.1', () => {
        socket.write(
          Buffer.concat([
            Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: '),
            origin,
            Buffer.from('\r\n\r\n'),
          ]),
        );
      });
      let received = Buffer.alloc(0);
      // Done once the close frame is in (0x88 after the headers, with its whole payload); the
      // gateway waits for our answer to it, which never comes. Not a fixed 3 s: a loaded
      // machine may take longer to answer at all.
      const closeFrameIn = () => {
        const body = received.indexOf('\r\n\r\n');
        return body >= 0 && received[body + 4] === 0x88 && received.length >= body + 6 + ((received[body + 5] ?? 0) & 0x7f);
      };
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (closeFrameIn()) socket.destroy();
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received.toString('latin1')));
      setTimeout(() => socket.destroy(), 15_000);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 101 /);
    // The close frame: 0x88, its length, the code 4003, the reason.
    const frame = Buffer.from(raw.slice(raw.indexOf('\r\n\r\n') + 4), 'latin1');
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(GatewayCloseCode.originRefused);
    expect(frame[1]).toBeLessThanOrEqual(125);
    const warning = logged.find((line) => line.includes('origin')) ?? '';
    expect(warning).toContain('\\u009b2J');
    expect(warning).not.toMatch(/[\x7f-\x9f]/);
    // And the gateway still works.
    const page = rawPage(gw);
    await waitFor(() => page.text().startsWith('CLACKS '));
  });

  it('answers a request target that is no URL with 404 (on a path of its own), and goes on', async () => {
    const gw = await gateway({ path: '/clacks' });
    for (const target of ['http://[', '//[::1']) {
      const answer = await new Promise<string>((resolve) => {
        const socket = createConnection(gw.address?.port as number, '127.0.0.1', () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
        );
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('error', () => {});
        socket.on('close', () => resolve(received));
      });
      expect(answer, target).toMatch(/^HTTP\/1\.1 404 /);
    }
    const page = rawPage(gw); // its URL ends in /clacks
    await waitFor(() => page.text().startsWith('CLACKS '));
  });

  it('with an allowlist, exactly its origins (and its wildcard subdomains)', async () => {
    const gw = await gateway({ allowOrigins: ['https://app.example.org', 'https://*.example.com'] });
    for (const origin of ['https://app.example.org', 'https://a.b.example.com']) {
      const page = rawPage(gw, { origin });
      await waitFor(() => page.text().startsWith('CLACKS '), 15_000, origin);
    }
    for (const origin of ['http://app.example.org', 'https://example.com', 'http://localhost:3000', 'https://app.example.org.evil.net']) {
      expect((await rawPage(gw, { origin }).closed).code, origin).toBe(GatewayCloseCode.originRefused);
    }
  });

  it('refuses unsafe setups at start: no allowlist or plain ws:// off loopback, credentials in the upstream', async () => {
    await expect(startGateway({ upstream: `clacks+unix://${env.socketPath}`, host: '0.0.0.0', tls: { cert: TLS_CERT, key: TLS_KEY } })).rejects.toThrow(/allowOrigins/);
    await expect(startGateway({ upstream: `clacks+unix://${env.socketPath}`, host: '0.0.0.0', allowOrigins: ['https://a.example'] })).rejects.toThrow(/not loopback/);
    await expect(startGateway({ upstream: `clacks+unix://admin:pw@localhost${env.socketPath}` })).rejects.toThrow(/credentials/);
    await expect(startGateway({ upstream: 'ws://127.0.0.1:1/' })).rejects.toThrow(/not another gateway/);
  });

  it('holds line limits from the page: before login (1008) and after (1009); past the pre-login budget, reads on only after login', async () => {
    const gw = await gateway({ maxLineLength: 4096, maxPreAuthLineLength: 256, maxPreAuthBytes: 2048, authTimeout: 2000 });
    const early = rawPage(gw);
    await early.opened;
    early.ws.send(`CLACKS ${'x'.repeat(300)}\r\n`);
    expect(await early.closed).toEqual({ code: 1008, reason: 'a line over 256 bytes before login' });

    // No login, then more than the budget: the gateway stops reading, and the login deadline ends it.
    const chatty = rawPage(gw);
    await chatty.opened;
    for (let i = 0; i < 20; i++) chatty.ws.send(`NOTIFY ${'n'.repeat(150)}\r\n`);
    expect(await chatty.closed).toEqual({ code: 1008, reason: 'not logged in within 2000 ms' });

    // A login with more than the budget behind it: held until the server welcomes it, then read on.
    const pipelined = rawPage(gw);
    await pipelined.opened;
    pipelined.ws.send(`CLACKS pipelined\r\nOVERHEAD A ${encodeAuthToken('exampleuser', 'unsafepassword')}\r\n`);
    for (let i = 0; i < 20; i++) pipelined.ws.send(`NOTIFY ${'n'.repeat(150)}\r\n`);
    pipelined.ws.send('FLUSH after-the-budget\r\n');
    await waitFor(() => pipelined.text().includes('FLUSHED after-the-budget'));

    const page = rawPage(gw);
    page.login();
    await waitFor(() => page.text().includes('Welcome!'));
    page.ws.send(`NOTIFY ${'y'.repeat(3000)}\r\n`); // within the limit once logged in
    page.ws.send(`SET gateway::long=${'z'.repeat(5000)}\r\n`);
    expect(await page.closed).toEqual({ code: 1009, reason: 'a line over 4096 bytes' });
  });

  it('never buffers a big message from a page that has not logged in; takes one once it has', async () => {
    const gw = await gateway({ maxPreAuthBytes: 64 * 1024 });
    const early = rawPage(gw);
    await early.opened;
    early.ws.send(`NOTIFY ${'x'.repeat(100_000)}`); // refused from the frame header by the WebSocket layer
    expect((await early.closed).code).toBe(1009); // not 1008 from the pre-login budget: the message was never read

    const page = rawPage(gw);
    page.login();
    await waitFor(() => page.text().includes('Welcome!'));
    const listener = await env.connect('unix');
    const big = listener.subscribe('gateway::big');
    await big.ready;
    page.ws.send(`SET gateway::big=${'b'.repeat(2 * 1024 * 1024)}`);
    const event = await nextMatching(big, (e) => e.type === 'set');
    expect(event.type === 'set' && event.value.length).toBe(2 * 1024 * 1024);
    big.unsubscribe();
  });

  it('a reconnect that pipelines more than the pre-login budget behind its login (a LISTEN per name) gets in', async () => {
    // The client sends CLACKS, OVERHEAD A and a LISTEN for every name at once, before the server answers.
    const gw = await gateway();
    const client = await connect(urlOf(gw));
    const names = Array.from({ length: 12_000 }, (_, i) => `gateway::many::${String(i).padStart(5, '0')}::${'n'.repeat(80)}`);
    const subscription = client.subscribe(names);
    await subscription.ready; // 1.3 MB of LISTEN lines (the budget is 1 MiB), sent after login
    const status = client.status();
    await env.restart();
    await nextMatching(status, (e: StatusEvent) => e.type === 'reconnected', 20_000);
    await client.flush();
    const other = await env.connect('unix');
    await other.set(names[11_999] as string, 'still listened to');
    const event = await nextMatching(subscription, (e) => e.type === 'set');
    expect(event).toEqual({ type: 'set', name: names[11_999], value: 'still listened to' });
    subscription.unsubscribe();
  });

  it('holds the line limit from the server (1009); the client takes it as a loss', async () => {
    const gw = await gateway({ maxLineLength: 4096 });
    const writer = await env.connect('unix');
    await writer.store('gateway::huge', 'h'.repeat(10_000));
    await writer.flush();
    const page = rawPage(gw);
    page.login();
    await waitFor(() => page.text().includes('Welcome!'));
    page.ws.send('RETRIEVE gateway::huge\r\n');
    expect(await page.closed).toEqual({ code: 1009, reason: 'the server sent a line over 4096 bytes' });

    const client = await connect(urlOf(gw), { reconnect: false });
    await expect(client.retrieve('gateway::huge')).rejects.toThrow(/line over 4096 bytes/);
  });

  it('closes a page that does not log in in time', async () => {
    const gw = await gateway({ authTimeout: 300 });
    const page = rawPage(gw);
    expect(await page.closed).toEqual({ code: 1008, reason: 'not logged in within 300 ms' });
  });

  it('caps connections: in all, per address, and not logged in per address (1013)', async () => {
    const capped = await gateway({ maxConnections: 2 });
    const [a, b] = [rawPage(capped), rawPage(capped)];
    await Promise.all([a.opened, b.opened]);
    expect(await rawPage(capped).closed).toEqual({ code: 1013, reason: 'the gateway is at its connection limit' });
    a.ws.close();
    await a.closed;
    await waitFor(() => capped.stats().connections === 1);
    const c = rawPage(capped);
    await waitFor(() => c.text().startsWith('CLACKS '));

    const perAddress = await gateway({ maxConnectionsPerAddress: 1 });
    await rawPage(perAddress).opened;
    expect(await rawPage(perAddress).closed).toEqual({ code: 1013, reason: 'too many connections from your address' });

    const unauthenticated = await gateway({ maxUnauthenticatedPerAddress: 1 });
    const first = rawPage(unauthenticated);
    first.login();
    await waitFor(() => first.text().includes('Welcome!'));
    const second = rawPage(unauthenticated);
    await second.opened;
    expect(await rawPage(unauthenticated).closed).toEqual({ code: 1013, reason: 'too many connections from your address are not logged in' });
    expect(unauthenticated.stats()).toMatchObject({ connections: 2, authenticated: 1, refused: 1 });
  });

  it('caps sockets too, not only WebSockets: idle TCP connections past the cap are closed at once', async () => {
    // Sockets that never finish their HTTP request are no WebSocket yet; uncapped, they could take
    // every file descriptor of the process (with serve --ws, the server's own listeners too).
    const gw = await gateway({ maxConnections: 2 });
    const sockets: Socket[] = [];
    let closed = 0;
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let i = 0; i < 200; i++) {
      const socket = createConnection(gw.address?.port as number, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => closed++);
      sockets.push(socket);
    }
    await waitFor(() => closed >= 200 - 2 - 64, 10_000, 'sockets past the cap to be closed');
    for (const socket of sockets) socket.destroy();
    // The gateway sees them go a moment later: a page retries, as a client does after a reset.
    let page = rawPage(gw);
    await waitFor(
      () => {
        if (page.ws.readyState === WebSocket.CLOSED) page = rawPage(gw);
        return page.text().startsWith('CLACKS ');
      },
      10_000,
      'a page after the flood',
    );
  });

  it('holds back new connections from an address after repeated login failures', async () => {
    const gw = await gateway();
    for (let i = 0; i < 3; i++) await expect(createClient(urlOf(gw, 'exampleuser', `guess-${i}`))).rejects.toBeInstanceOf(AuthenticationError);
    expect(gw.stats().throttled).toBe(0);
    await expect(createClient(urlOf(gw, 'exampleuser', 'guess-3'))).rejects.toBeInstanceOf(AuthenticationError);
    expect(gw.stats().throttled).toBe(1);
    // The right password still gets in (after the delay), and clears the record.
    const client = await connect(urlOf(gw));
    expect(gw.stats().throttled).toBe(2);
    await client.close();
    await connect(urlOf(gw));
    expect(gw.stats().throttled).toBe(2);
  });
});

describe('the authorize hook', () => {
  it('refuses what it refuses (4001, before anything reaches the server) and lets the rest log in themselves', async () => {
    const seen: Array<string | undefined> = [];
    const gw = await gateway({
      authorize: (request) => {
        seen.push(request.headers['x-session'] as string | undefined);
        return request.headers['x-session'] === 'good';
      },
    });
    const refused = rawPage(gw, { 'x-session': 'bad' });
    expect(await refused.closed).toEqual({ code: GatewayCloseCode.unauthorized, reason: 'this connection is not authorized' });
    expect(refused.text()).toBe('');
    const page = rawPage(gw, { 'x-session': 'good' });
    page.login('exampleuser', 'wrong');
    await waitFor(() => page.text().includes('OVERHEAD F'));
    expect(seen).toEqual(['bad', 'good']);
    expect(gw.stats().refused).toBe(1);
  });

  it('with credentials, logs in for the page: the page needs no password, and gets that user', async () => {
    const gw = await gateway({ authorize: () => ({ username: 'rouser', password: 'bar' }) });
    // A page with no password at all, and one with a wrong one: both end up logged in as rouser.
    const page = rawPage(gw);
    await page.opened;
    page.ws.send('CLACKS page without a password\r\nOVERHEAD A :\r\nRETRIEVE gateway::authorized\r\nSTORE gateway::authorized=no\r\nFLUSH 1\r\n');
    await waitFor(() => page.text().includes('FLUSHED 1'));
    expect(page.text()).toContain('OVERHEAD O Welcome!');
    expect(page.text()).toContain('OVERHEAD E permission_denied'); // read-only: the STORE was refused
    const client = await connect(urlOf(gw, 'exampleuser', 'not the password'));
    await expect(client.retrieve('gateway::authorized')).resolves.toBeUndefined();
    const denied = new Promise((resolve) => client.once('error', resolve));
    await client.store('gateway::authorized', 'no');
    await client.flush();
    expect(await denied).toMatchObject({ code: 'PERMISSION_DENIED' });
    // After login, lines pass through untouched.
    const admin = await env.connect('unix');
    await admin.store('gateway::authorized', 'OVERHEAD A stays a value');
    await admin.flush();
    expect(await client.retrieve('gateway::authorized')).toBe('OVERHEAD A stays a value');
  });

  it('with a decision at login: the page\'s password goes to the hook, which names the user to log in as; refused logins get 4001', async () => {
    const logged: string[] = [];
    const seen: string[] = [];
    const gw = await gateway({
      authorize: () => (page) => {
        seen.push(`${page.username}:${page.password}`);
        if (page.password === 'explode') throw new Error('session store down');
        return page.password === 'session-token' ? { username: 'rouser', password: 'bar' } : false;
      },
      logger: (level, message) => logged.push(`${level}: ${message}`),
    });
    const page = rawPage(gw);
    page.login('anyone', 'session-token');
    page.opened.then(() => page.ws.send('STORE gateway::decided=no\r\nFLUSH 1\r\n'), () => {});
    await waitFor(() => page.text().includes('FLUSHED 1'));
    expect(page.text()).toContain('OVERHEAD O Welcome!');
    expect(page.text()).toContain('OVERHEAD E permission_denied'); // logged in as rouser, with rouser's password instead of the page's
    for (const password of ['wrong', 'explode']) {
      const refused = rawPage(gw);
      refused.login('anyone', password);
      expect(await refused.closed).toEqual({ code: GatewayCloseCode.unauthorized, reason: 'this connection is not authorized' });
      expect(refused.text()).not.toContain('Welcome!');
    }
    expect(seen).toEqual(['anyone:session-token', 'anyone:wrong', 'anyone:explode']);
    // Refused by the hook counts as a failed login: guessing its tokens is throttled as passwords are.
    for (const password of ['guess-1', 'guess-2']) {
      const refused = rawPage(gw);
      refused.login('anyone', password);
      await refused.closed;
    }
    expect(gw.stats().throttled).toBe(1);
    expect(logged.some((line) => line.startsWith('error: the authorize hook failed at the login') && line.includes('session store down'))).toBe(true);
  });

  it('a clientAddress hook that throws counts the page against its socket address, and is logged', async () => {
    const logged: string[] = [];
    const gw = await gateway({
      clientAddress: (request) => (request.headers['x-forwarded-for'] as string).split(',')[0] as string,
      logger: (level, message) => logged.push(`${level}: ${message}`),
    });
    const page = rawPage(gw); // no X-Forwarded-For
    await waitFor(() => page.text().startsWith('CLACKS '));
    expect(logged.some((line) => line.startsWith('error: the clientAddress hook failed'))).toBe(true);
    expect(logged).toContain('debug: connection from 127.0.0.1');
  });

  it('a hook that throws refuses the connection and is logged', async () => {
    const logged: string[] = [];
    const gw = await gateway({
      authorize: () => {
        throw new Error('session store down');
      },
      logger: (level, message) => logged.push(`${level}: ${message}`),
    });
    expect((await rawPage(gw).closed).code).toBe(GatewayCloseCode.unauthorized);
    expect(logged.some((line) => line.startsWith('error: the authorize hook failed') && line.includes('session store down'))).toBe(true);
  });
});

describe('backpressure', () => {
  it('a page that does not read pauses its server connection: the gateway holds a bounded amount, and nothing is lost', async () => {
    const highWaterMark = 64 * 1024;
    const gw = await gateway({ highWaterMark });
    const page = rawPage(gw);
    page.login();
    await page.opened;
    page.ws.send('LISTEN gateway::flood\r\nFLUSH listening\r\n');
    await waitFor(() => page.text().includes('FLUSHED listening'));
    page.ws.pause(); // stops reading its socket: TCP fills, then the gateway's buffer toward it

    const publisher = await env.connect('unix');
    const value = 'v'.repeat(10_000);
    const count = 1500; // 15 MB
    let peak = 0;
    for (let i = 0; i < count; i++) {
      void publisher.set('gateway::flood', `${i}:${value}`);
      if (i % 100 === 99) {
        await publisher.flush();
        peak = Math.max(peak, gw.stats().bufferedBytes);
      }
    }
    await waitFor(() => gw.stats().pausedForPages === 1, 10_000, 'the upstream to be paused');
    for (let i = 0; i < 20; i++) {
      peak = Math.max(peak, gw.stats().bufferedBytes);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The high-water mark, plus one read from the server and a line in the making.
    expect(peak).toBeLessThan(highWaterMark + 512 * 1024);

    page.ws.resume();
    await waitFor(() => page.text().includes(`SET gateway::flood=${count - 1}:`), 20_000, 'every SET to arrive');
    const received = page.text().split('\r\n').filter((line) => line.startsWith('SET gateway::flood='));
    expect(received).toHaveLength(count);
    expect(received.every((line, i) => line === `SET gateway::flood=${i}:${value}`)).toBe(true);
    expect(gw.stats().pausedForPages).toBe(0);
  });

  it('a server that does not read pauses its page: the gateway holds a bounded amount', async () => {
    // A server that logs anyone in, then stops reading.
    const directory = mkdtempSync(path.join(tmpdir(), 'gateway-stall-'));
    const socketPath = path.join(directory, 'stall.sock');
    const sockets = new Set<Socket>();
    const stalled = createNetServer((socket) => {
      sockets.add(socket);
      socket.write('CLACKS stalled\r\nOVERHEAD M Authentication required\r\n');
      socket.once('data', () => {
        socket.write('OVERHEAD O Welcome!\r\n');
        socket.pause();
      });
    });
    await new Promise<void>((resolve) => stalled.listen(socketPath, resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    });

    const highWaterMark = 64 * 1024;
    const gw = await gateway({ upstream: `clacks+unix://${socketPath}`, highWaterMark });
    const page = rawPage(gw);
    page.login();
    await waitFor(() => page.text().includes('Welcome!'));
    const line = `NOTIFY ${'n'.repeat(8000)}\r\n`;
    let peak = 0;
    for (let i = 0; i < 2000; i++) {
      // 16 MB offered, at the pace the page's own buffer allows.
      while (page.ws.bufferedAmount > 4 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
      page.ws.send(line);
      if (i % 50 === 0) {
        peak = Math.max(peak, gw.stats().bufferedBytes);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (gw.stats().pausedForServer === 1 && page.ws.bufferedAmount > 1024 * 1024) break;
    }
    await waitFor(() => gw.stats().pausedForServer === 1, 10_000, 'the page to be paused');
    for (let i = 0; i < 20; i++) {
      peak = Math.max(peak, gw.stats().bufferedBytes);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(peak).toBeLessThan(highWaterMark + 512 * 1024);
  });
});

describe('the WebSocket transport', () => {
  it('sends a burst written behind backpressure as messages the gateway takes: 30 MB of STOREs in one tick arrive', async () => {
    // Everything queued while the transport waits for a drain is written at once; as one
    // message it was over the gateway's message limit (the line limit plus 1 MiB): closed with 1009.
    const gw = await gateway();
    const client = await connect(urlOf(gw), { reconnect: false });
    const value = 'v'.repeat(100_000);
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) writes.push(client.store(`gateway::burst::${i}`, `${i}:${value}`));
    await Promise.all(writes);
    await client.flush();
    const node = await env.connect('unix');
    expect(await node.retrieve('gateway::burst::0')).toBe(`0:${value}`);
    expect(await node.retrieve('gateway::burst::299')).toBe(`299:${value}`);
    expect(client.state).toBe('ready');
  });

  it('reads a greeting that arrives in the same packet as the handshake response', async () => {
    // A scripted gateway: the 101 response and the first frame in one write, so the
    // WebSocket emits `open` and `message` in one tick, before the client's code runs.
    const frame = (text: string): Buffer => Buffer.concat([Buffer.from([0x82, Buffer.byteLength(text)]), Buffer.from(text)]);
    const sockets = new Set<Socket>();
    const fake = createNetServer((socket) => {
      sockets.add(socket);
      let request = '';
      socket.on('data', (chunk: Buffer) => {
        if (request.includes('\r\n\r\n')) {
          socket.write(frame('OVERHEAD O Welcome!\r\n'));
          return;
        }
        request += chunk.toString('latin1');
        const key = /sec-websocket-key: *(\S+)/i.exec(request)?.[1] ?? '';
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
            frame('CLACKS scripted\r\nOVERHEAD M Authentication required\r\n'),
          ]),
        );
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    });
    const port = (fake.address() as { port: number }).port;
    for (let i = 0; i < 5; i++) {
      const client = await createClient(`ws://user:pw@127.0.0.1:${port}/`, { reconnect: false });
      expect(client.serverInfo).toBe('scripted');
      client.destroy();
    }
  });
});
