/**
 * `clacks console` in a real browser: the built command runs as a child
 * process against the embedded server, prints its URL, and headless
 * Chromium opens it, as an operator would. Node clients make the traffic
 * the page must show. A screenshot of the page with data is written to
 * test/artifacts/console.png (UPDATE_SCREENSHOT=1 also copies it to
 * docs/console.png, the README's).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { perlCodec, type ClacksClient } from '../../src/index.js';
import { ROOT, startCli, type Running } from '../cli/cli-process.js';
import { chromiumPath, launchChromium, warnSkipped } from '../helpers/browser.js';
import { useTestEnv } from '../helpers/client-env.js';

const executable = chromiumPath();
if (!executable) warnSkipped('the console tests (test/browser/console.test.ts)');

const WAIT = 15_000;
/** How long a console started by this file may run: the whole describe, on a slow machine. */
const FILE_LIFETIME = 15 * 60_000;
const XSS_VALUE = '<script>globalThis.__pwned = 1</script><img src=x onerror="globalThis.__pwned = 2"> & &amp; "quoted"';
const XSS_NAME = '<img src=x onerror="globalThis.__pwned = 3">';

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A page of a console, and what it did. */
interface OpenedPage {
  page: Page;
  context: BrowserContext;
  errors: string[];
  /** Every WebSocket frame the page sent. */
  framesSent: string[];
  /** The bodies of the console's API responses. */
  apiBodies: string[];
  /** Every URL the page requested. */
  requests: string[];
}

describe.skipIf(!executable)('clacks console in headless Chromium', () => {
  const env = useTestEnv({}, { build: true });
  let browser: Browser;
  const consoles: Running[] = [];
  const contexts: BrowserContext[] = [];
  let admin: OpenedPage;
  let adminConsole: Running;

  /** Starts `clacks console` for `url`; resolves with the child and the URL it printed. */
  async function startConsole(url: string, ...args: string[]): Promise<{ running: Running; url: string }> {
    // These consoles live through the whole file (the admin one is started in beforeAll), not one test.
    const running = startCli(['console', '--url', url, ...args], {}, { lifetime: FILE_LIFETIME });
    consoles.push(running);
    await running.waitFor(/#key=[\w-]+\n/);
    return { running, url: running.stdout.trim().split('\n')[0] as string };
  }

  async function openPage(url: string): Promise<OpenedPage> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    const opened: OpenedPage = { page, context, errors: [], framesSent: [], apiBodies: [], requests: [] };
    page.on('request', (request) => opened.requests.push(request.url()));
    page.on('pageerror', (error) => opened.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 403/.test(message.text())) opened.errors.push(`console: ${message.text()}`);
    });
    page.on('websocket', (ws) => ws.on('framesent', (frame) => opened.framesSent.push(String(frame.payload))));
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/')) void response.text().then((body) => opened.apiBodies.push(body), () => {});
    });
    await page.goto(url);
    return opened;
  }

  async function connected(page: Page): Promise<void> {
    await page.locator('#link-state.pill-connected').waitFor({ timeout: WAIT });
  }

  /** Waits for an element matching `selector` whose text holds `text`. */
  async function seen(page: Page, selector: string, text: string): Promise<void> {
    try {
      await page.locator(selector, { hasText: text }).first().waitFor({ timeout: WAIT });
    } catch (error) {
      // Say what was there instead: a timeout alone does not tell a slow page from a wrong one.
      const shown = await page.locator(selector).allTextContents().catch(() => ['(page gone)']);
      const links = await page.locator('#stream .entry[data-kind="link"]').allTextContents().catch(() => []);
      throw new Error(`${(error as Error).message}\n${selector} shows: ${JSON.stringify(shown.slice(0, 5))}\nlink entries: ${JSON.stringify(links)}`);
    }
  }

  async function worker(name: string, user = 'exampleuser'): Promise<ClacksClient> {
    return env.connect('unix', { name, user });
  }

  beforeAll(async () => {
    browser = await launchChromium(executable as string);
    const started = await startConsole(`clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`);
    adminConsole = started.running;
    admin = await openPage(started.url);
    await connected(admin.page);
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    for (const running of consoles) running.kill('SIGTERM');
    await Promise.all(consoles.map((running) => running.exited));
  });

  it('takes the key out of the address bar and never gives the page the password', async () => {
    expect(admin.page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // No cookie (the browser would send it to every port of 127.0.0.1): a session token in this tab's sessionStorage.
    expect(await admin.context.cookies()).toEqual([]);
    const [cookie, local, token] = await admin.page.evaluate(() => {
      const g = globalThis as unknown as { document: { cookie: string }; localStorage: { length: number }; sessionStorage: { length: number; getItem(name: string): string | null } };
      return [g.document.cookie, g.localStorage.length, g.sessionStorage.length === 1 ? g.sessionStorage.getItem('clacks-console-session') : 'more'];
    });
    expect([cookie, local]).toEqual(['', 0]);
    expect(token).toMatch(/^[\w-]{43}$/);
    const login = admin.framesSent.find((frame) => frame.includes('OVERHEAD A'));
    // Its password is the session's token, not the Clacks password: the gateway logs in.
    expect(login).toContain(`OVERHEAD A ${Buffer.from('exampleuser').toString('base64')}:${Buffer.from(token as string).toString('base64')}\r\n`);
    for (const text of [...admin.framesSent, ...admin.apiBodies, await admin.page.content()]) {
      expect(text).not.toContain('unsafepassword');
      expect(text).not.toContain(Buffer.from('unsafepassword').toString('base64'));
    }
  });

  it("gives a server on another loopback port nothing that opens the console (cookies do not keep ports apart)", async () => {
    // Any local user may run a web server on 127.0.0.1; the operator's browser sends it the
    // cookies of 127.0.0.1, the console's included, when it visits.
    let received = '';
    const neighbour = createHttpServer((request, response) => {
      received = request.headers.cookie ?? '';
      response.end('a neighbour');
    });
    await new Promise<void>((resolve) => neighbour.listen(0, '127.0.0.1', resolve));
    try {
      const visit = await admin.context.newPage();
      await visit.goto(`http://127.0.0.1:${(neighbour.address() as { port: number }).port}/`);
      await visit.close();
    } finally {
      neighbour.close();
    }
    // The neighbour tries what it got, with the console's own Origin (a non-browser sends any).
    const origin = new URL(admin.page.url()).origin;
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/clacks`, { headers: { origin, ...(received ? { cookie: received } : {}) } });
    let text = '';
    ws.on('message', (data: Buffer) => (text += data.toString('utf8')));
    ws.on('error', () => {});
    ws.on('open', () => ws.send(`CLACKS neighbour\r\nOVERHEAD A ${Buffer.from('exampleuser').toString('base64')}:\r\nFLUSH in\r\n`));
    await new Promise<void>((resolve) => {
      ws.on('close', () => resolve());
      setTimeout(resolve, 3000);
    });
    ws.terminate();
    expect(text).not.toContain('Welcome!');
    expect(text).not.toContain('FLUSHED in');
  });

  it('shows the server, the user and the link state', async () => {
    const { page } = admin;
    await seen(page, '#server-info', 'net-clacks');
    expect(await page.locator('#server-user').textContent()).toBe('exampleuser');
    expect(await page.locator('#server-target').textContent()).toBe(`clacks+unix://exampleuser@localhost${env.socketPath}`);
    expect(await page.locator('#link-state').textContent()).toBe('connected');
  });

  it('shows two other clients in the clients table (one connected before the page, one after: it refreshes)', async () => {
    await worker('console test worker A');
    const { page } = admin;
    await seen(page, '#clients-table td', 'console test worker A');
    await worker('console test worker B');
    await seen(page, '#clients-table td', 'console test worker B');
    const rows = await page.locator('#clients-table tbody tr').allTextContents();
    expect(rows.some((row) => row.includes('console test worker A'))).toBe(true);
    expect(rows.some((row) => row.includes('this console') && row.includes('monitor'))).toBe(true);
  });

  it('shows a key stored by a Node client, decoded, with the raw text one click away', async () => {
    const node = await worker('console test writer');
    const wire = perlCodec.encode({ name: 'Alice', roles: ['admin', 'editor'], visits: 42 });
    await node.store('console::user', wire);
    await node.store('console::motd', perlCodec.encode('first line\nsecond line'));
    await node.flush();
    const { page } = admin;
    await page.fill('#cache-prefix', 'console::');
    const row = page.locator('#cache-table tr[data-key="console::user"]');
    await row.locator('td', { hasText: 'YAML structure' }).waitFor({ timeout: WAIT });
    expect(await row.locator('td.value').textContent()).toBe('{"name":"Alice","roles":["admin","editor"],"visits":42}');
    await seen(page, '#cache-table tr[data-key="console::motd"] td', 'B64 text');
    expect(await page.locator('#cache-table tr[data-key="console::motd"] td.value').textContent()).toBe('first line ⏎ second line');

    await row.click();
    const value = page.locator('#inspector-value');
    await value.waitFor({ timeout: WAIT });
    expect(await value.textContent()).toBe(JSON.stringify({ name: 'Alice', roles: ['admin', 'editor'], visits: 42 }, null, 2));
    await page.click('#inspector [data-view="raw"]');
    expect(await value.textContent()).toBe(wire);
    expect(wire).toMatch(/^PAGECAMELCLACKSYAMLB64: /);
    await page.click('#inspector [data-view="decoded"]');
  });

  it('stores, increments and removes from the page', async () => {
    const { page } = admin;
    const node = await worker('console test checker');
    await page.fill('#write-key', 'console::from-page');
    await page.fill('#write-value', 'line one\nline two');
    await page.click('#write-store');
    await seen(page, '#cache-write .notice-ok', 'Stored console::from-page.');
    expect(await node.retrieve('console::from-page')).toBe(perlCodec.encode('line one\nline two'));

    await page.fill('#write-key', 'console::count');
    await page.fill('#write-step', '5');
    await page.click('#write-increment');
    await seen(page, '#cache-write .notice-ok', 'console::count is now 5.');

    await page.fill('#write-key', 'console::from-page');
    await page.click('#write-remove');
    await page.click('dialog.confirm [data-confirm]');
    await seen(page, '#cache-write .notice-ok', 'Removed console::from-page.');
    expect(await node.retrieve('console::from-page')).toBeUndefined();
  });

  it('shows a SET from a Node client in the event stream (monitor and listened names) within a second', async () => {
    const { page } = admin;
    await page.fill('#listen-name', 'console::door');
    await page.click('#listen-add');
    await page.locator('.chip.ready[data-name="console::door"]').waitFor({ timeout: WAIT });
    const node = await worker('console test door');
    await node.set('console::door', 'open');
    // Presence, with a generous wait for a loaded machine (it is there within a second on an idle one).
    await page.locator('#stream .entry[data-kind="set"]', { hasText: 'console::door' }).first().waitFor({ timeout: WAIT });
    await page.locator('#stream .entry[data-kind="signal"]', { hasText: 'console::door' }).first().waitFor({ timeout: WAIT });
    const entry = page.locator('#stream .entry[data-kind="set"]', { hasText: 'console::door' }).first();
    expect(await entry.locator('.detail').textContent()).toBe('open');
    expect(await entry.locator('.source').textContent()).toBe('listen');
    const monitored = page.locator('#stream .entry[data-kind="signal"]', { hasText: 'console::door' }).first();
    expect(await monitored.locator('.tag').textContent()).toBe('SET');
    // The sender, named as it named itself (once CLIENTLIST or its CLACKS line told the page).
    await monitored.locator('.source', { hasText: 'console test door' }).waitFor({ timeout: WAIT });
  });

  it('keeps the stream bounded in bytes, not only in lines: 24 SETs of 4 MiB cost the page a few MB', async () => {
    const { page } = admin;
    const cdp = await admin.context.newCDPSession(page);
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    };
    const before = await heap();
    const node = await worker('console test big values');
    const big = 'b'.repeat(4 * 1024 * 1024);
    // Each SET waits until the page has shown the one before: 96 MiB sent at once would outrun a
    // page on a loaded machine, and the server would rightly drop the console at maxOutputBuffer.
    for (let i = 0; i < 24; i++) {
      await node.set('console::big', `${i}:${big}`);
      await page.locator('#stream .entry[data-kind="signal"] .detail', { hasText: new RegExp(`^${i}:bbb`) }).first().waitFor({ timeout: WAIT * 2 });
    }
    await node.set('console::big', 'the last one');
    await node.flush();
    await page.locator('#stream .entry[data-kind="signal"]', { hasText: 'the last one' }).first().waitFor({ timeout: WAIT * 2 });
    // The console kept up, so it was never dropped.
    expect(await page.locator('#link-reason').textContent()).toBe('');
    const grown = (await heap()) - before;
    await cdp.detach();
    // The monitor's DEBUG lines held 96 MiB of text; shown, each is cut to a preview.
    expect(grown).toBeLessThan(16 * 1024 * 1024);
    const detail = await page.locator('#stream .entry[data-kind="signal"]', { hasText: '23:bbb' }).first().locator('.detail').textContent();
    expect(detail).toBe(`23:${'b'.repeat(997)}… (4,194,307 characters)`);
  }, 120_000);

  it('filters the stream by name and pauses it', async () => {
    const { page } = admin;
    const node = await worker('console test filter');
    await node.set('console::other', 'x');
    await seen(page, '#stream .entry .name', 'console::other');
    await page.fill('#stream-filter', 'door');
    expect(await page.locator('#stream .entry', { hasText: 'console::other' }).count()).toBe(0);
    expect(await page.locator('#stream .entry', { hasText: 'console::door' }).count()).toBeGreaterThan(0);
    await page.fill('#stream-filter', '');
    await page.click('#stream-pause');
    await node.set('console::paused', 'while paused');
    await seen(page, '#stream-status', 'paused — 1 new');
    expect(await page.locator('#stream .entry', { hasText: 'console::paused' }).count()).toBe(0);
    await page.click('#stream-pause');
    await seen(page, '#stream .entry .name', 'console::paused');
  });

  it('pages a large cache: 25 keys a page, filtered by prefix', async () => {
    const node = await worker('console test pager');
    for (let i = 0; i < 60; i++) await node.store(`console::page::${String(i).padStart(2, '0')}`, String(i));
    await node.flush();
    const { page } = admin;
    await page.fill('#cache-prefix', 'console::page::');
    await seen(page, '#cache .page-label', '1–25 of 60');
    expect(await page.locator('#cache-table tbody tr').count()).toBe(25);
    await page.click('#cache .pager button:has-text("Next")');
    await seen(page, '#cache .page-label', '26–50 of 60');
    await seen(page, '#cache-table tr[data-key="console::page::25"] td.value', '25');
    expect(await page.locator('#cache-summary').textContent()).toMatch(/^60 of \d+ keys$/);
    await page.fill('#cache-prefix', 'console::');
  });

  it('disconnects a client after a confirmation (CLIENTDISCONNECT), and not without one', async () => {
    const victim = await worker('console test victim');
    const status = victim.status();
    const { page } = admin;
    const row = page.locator('#clients-table tbody tr', { hasText: 'console test victim' });
    await row.waitFor({ timeout: WAIT });
    await row.locator('button', { hasText: 'Disconnect' }).click();
    await page.locator('dialog.confirm', { hasText: 'Disconnect this client?' }).waitFor({ timeout: WAIT });
    await page.click('dialog.confirm button:has-text("Cancel")');
    expect(await page.locator('dialog.confirm').count()).toBe(0);
    await row.locator('button', { hasText: 'Disconnect' }).click();
    await page.click('dialog.confirm [data-confirm]');
    await seen(page, '#clients .notice-ok', 'Disconnected');
    for (;;) {
      const next = await status.next();
      if (next.done) throw new Error('no disconnect');
      if (next.value.type === 'disconnected') {
        expect(next.value.reason.message).toContain('QUIT');
        break;
      }
    }
  });

  it('shows remote data as text, never as HTML: <script> and <img onerror> in values, names and client identifications', async () => {
    const node = await worker(XSS_NAME);
    await node.store('console::xss', XSS_VALUE);
    await node.set('console::door', XSS_VALUE);
    await node.flush();
    const { page } = admin;
    await page.fill('#cache-prefix', 'console::xss');
    const cell = page.locator('#cache-table tr[data-key="console::xss"] td.value');
    await cell.locator('text=<script>').waitFor({ timeout: WAIT });
    expect(await cell.textContent()).toBe(XSS_VALUE);
    await page.locator('#cache-table tr[data-key="console::xss"]').click();
    expect(await page.locator('#inspector-value').textContent()).toBe(XSS_VALUE);
    await seen(page, '#clients-table td', XSS_NAME);
    await seen(page, '#stream .entry .detail', '<script>');
    // Nothing of it became an element, and nothing ran.
    expect(await page.locator('#app img, #app script, #app [onerror]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();
    await page.fill('#cache-prefix', 'console::');
  });

  it('refuses a STORE for a read-only user with the server error, and says what the user may not see', async () => {
    const { url } = await startConsole(`clacks+unix://rouser:bar@localhost${env.socketPath}`);
    const { page } = await openPage(url);
    await connected(page);
    await seen(page, '#monitor-note', 'MONITOR was refused (permission_denied)');
    await seen(page, '#clients-table td', 'CLIENTLIST: refused by the server: permission_denied');
    const node = await worker('console test ro checker');
    await node.store('console::ro-visible', 'readable');
    await node.flush();
    await page.fill('#cache-prefix', 'console::ro-visible');
    await seen(page, '#cache-table tr[data-key="console::ro-visible"] td.value', 'readable'); // KEYLIST and RETRIEVE need read only
    await page.fill('#write-key', 'console::ro');
    await page.fill('#write-value', 'not allowed');
    await page.click('#write-store');
    await seen(page, '#cache-write .notice-error', 'STORE console::ro: refused by the server: permission_denied');
    await page.click('#write-increment');
    await seen(page, '#cache-write .notice-error', 'INCREMENT console::ro: refused by the server: permission_denied');
    expect(await node.retrieve('console::ro')).toBeUndefined();
  });

  it('says in the cache table why a user without read sees no keys, instead of Loading… forever', async () => {
    const { url } = await startConsole(`clacks+unix://wouser:baz@localhost${env.socketPath}`);
    const { page } = await openPage(url);
    await connected(page);
    await seen(page, '#cache-table td.empty', 'KEYLIST: refused by the server: permission_denied (needs the read permission)');
    expect(await page.locator('#cache-table td.empty', { hasText: 'Loading' }).count()).toBe(0);
  });

  it('asks for credentials when the URL carries none; a used key opens nothing', async () => {
    const { running, url } = await startConsole(`clacks+unix://localhost${env.socketPath}`);
    const opened = await openPage(url);
    const { page } = opened;
    await page.locator('#login').waitFor({ timeout: WAIT });
    await page.fill('#login-user', 'rouser');
    await page.fill('#login-password', 'wrong');
    await page.click('#login-submit');
    await seen(page, '#login-error', 'authentication failed');
    expect(await page.locator('#login-password').inputValue()).toBe('');
    await page.fill('#login-password', 'bar');
    await page.click('#login-submit');
    await connected(page);
    expect(await page.locator('#server-user').textContent()).toBe('rouser');
    for (const text of [...opened.framesSent, ...opened.apiBodies.filter((body) => !body.includes('"error"')), await page.content()]) {
      expect(text).not.toContain(Buffer.from('bar').toString('base64'));
    }
    expect(opened.apiBodies.join('\n')).not.toMatch(/"password"/);
    // A reload keeps the session (its token is in this tab's sessionStorage): no key, no login form.
    await page.reload();
    await connected(page);
    expect(await page.locator('#server-user').textContent()).toBe('rouser');

    // The same URL in another browser: the key is used up.
    const second = await openPage(url);
    await seen(second.page, '#locked-reason', 'this key has been used already');
    // The console printed a fresh URL for the next browser; it works.
    await running.waitFor(/another browser: \S+#key=[\w-]+/, 'stderr');
    const next = /another browser: (\S+#key=[\w-]+)/.exec(running.stderr)?.[1] as string;
    const third = await openPage(next);
    await third.page.locator('#login').waitFor({ timeout: WAIT });
  });

  it('ends a page whose console was restarted: the new console refuses its old session (4001), and the page stops retrying', async () => {
    const port = await freePort();
    const target = `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;
    const first = await startConsole(target, '--listen', `127.0.0.1:${port}`);
    const { page } = await openPage(first.url);
    await connected(page);
    first.running.kill('SIGTERM');
    expect((await first.running.exited).code).toBe(0);
    await startConsole(target, '--listen', `127.0.0.1:${port}`);
    await seen(page, '#stream .entry[data-kind="link"]', 'ENDED');
    await page.locator('#link-state.pill-closed').waitFor({ timeout: WAIT });
    expect(await page.locator('#link-reason').textContent()).toBe('This console session has ended (was the console restarted?): open the URL it printed.');
  });

  it('raised no error in the pages (no CSP violation, no uncaught exception), and fetched nothing from elsewhere', () => {
    expect(admin.errors).toEqual([]);
    const origin = new URL(admin.page.url()).origin;
    expect(admin.requests.length).toBeGreaterThan(3);
    for (const url of admin.requests) expect(url.startsWith(`${origin}/`) || url.startsWith('data:'), url).toBe(true);
    expect(admin.requests.map((url) => new URL(url).pathname)).toEqual(expect.arrayContaining(['/', '/console.js', '/console.css', '/api/session']));
  });

  it('shows the link state through a server restart: reconnecting with the reason, then connected again', async () => {
    const { page } = admin;
    // Counted from here: this test does not depend on what the earlier ones did to the link.
    const earlier = Number(/^(\d+) reconnects? since/.exec((await page.locator('#link-reason').textContent()) ?? '')?.[1] ?? 0);
    await env.restart();
    await page.locator('#stream .entry[data-kind="link"]', { hasText: 'RECONNECTED' }).first().waitFor({ timeout: 30_000 });
    await page.locator('#stream .entry[data-kind="link"]', { hasText: 'LOST' }).first().waitFor({ timeout: WAIT });
    await connected(page);
    await seen(page, '#link-reason', earlier === 0 ? '1 reconnect since the console connected' : `${earlier + 1} reconnects since the console connected`);
  });

  it('exits 0 on SIGTERM, and the page sees the console go', async () => {
    adminConsole.kill('SIGTERM');
    const result = await adminConsole.exited;
    expect(result.code, result.stderr).toBe(0);
    await admin.page.locator('#link-state.pill-reconnecting, #link-state.pill-closed').waitFor({ timeout: WAIT });
  });
});

/**
 * The README's picture: a console on a fresh server with the traffic of a
 * small deployment (sensors, a door, workers, a web front end), written to
 * test/artifacts/console.png.
 */
describe.skipIf(!executable)('clacks console: a screenshot of the page with data', () => {
  const env = useTestEnv({}, { build: true });
  let browser: Browser | undefined;
  let running: Running | undefined;

  afterAll(async () => {
    await browser?.close();
    running?.kill('SIGTERM');
    await running?.exited;
  });

  it('renders clients, cache and traffic (test/artifacts/console.png)', async () => {
    const connect = (name: string, user = 'exampleuser'): Promise<ClacksClient> => env.connect('unix', { name, user });
    const sensors = await connect('PageCamel sensorbox kitchen');
    const door = await connect('home-automation bridge', 'rwuser');
    const worker = await connect('PageCamel worker 3');
    const web = await connect('PageCamel web frontend', 'rouser');
    const jobs = worker.subscribe('Jobs::New');
    await jobs.ready;
    await sensors.store('Kitchen::Temperature', '21.5');
    await sensors.store('Kitchen::Humidity', '48%');
    await door.store('Door::Front', 'closed');
    await worker.store('Users::alice', perlCodec.encode({ name: 'Alice', roles: ['admin', 'editor'], visits: 42 }));
    await worker.store('Users::bob', perlCodec.encode({ name: 'Bob', roles: ['viewer'], visits: 7 }));
    await worker.store('Motd', perlCodec.encode('Welcome to the Clacks console\nMaintenance on Sunday, 02:00'));
    await worker.store('Jobs::Processed', '1287');
    for (const room of ['Hall', 'Office', 'Bedroom', 'Garage']) await sensors.store(`Sensors::${room}::Temperature`, (19 + room.length / 3).toFixed(1));
    await worker.flush();

    running = startCli(['console', '--url', `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`]);
    await running.waitFor(/#key=[\w-]+\n/);
    browser = await launchChromium(executable as string);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(running.stdout.trim().split('\n')[0] as string);
    await page.locator('#link-state.pill-connected').waitFor({ timeout: WAIT });
    await page.fill('#listen-name', 'Door::Front');
    await page.click('#listen-add');
    await page.locator('.chip.ready[data-name="Door::Front"]').waitFor({ timeout: WAIT });

    let tick = 0;
    const traffic = setInterval(() => {
      tick++;
      const quietly = (sent: Promise<unknown>): void => void sent.catch(() => {});
      quietly(sensors.set('Kitchen::Temperature', (21 + Math.sin(tick / 6)).toFixed(1)));
      if (tick % 3 === 0) quietly(door.setAndStore('Door::Front', tick % 6 === 0 ? 'closed' : 'open'));
      if (tick % 4 === 0) quietly(web.retrieve(`Users::${tick % 8 === 0 ? 'alice' : 'bob'}`));
      if (tick % 5 === 0) {
        quietly(door.notify('Jobs::New'));
        quietly(worker.increment('Jobs::Processed'));
      }
    }, 100);
    try {
      // Longer for the README's picture (a fuller plot), short in the test suite.
      await new Promise((resolve) => setTimeout(resolve, process.env.UPDATE_SCREENSHOT === '1' ? 45_000 : 8000));
    } finally {
      clearInterval(traffic);
    }
    await page.locator('#cache-table tr[data-key="Users::alice"]').click();
    await page.locator('#inspector-value').waitFor({ timeout: WAIT });
    expect(Number(await page.locator('#stat-events').textContent())).toBeGreaterThan(0);
    expect(Number(await page.locator('#stat-commands').textContent())).toBeGreaterThan(0);
    await page.mouse.move(0, 0);
    const artifacts = path.join(ROOT, 'test/artifacts');
    mkdirSync(artifacts, { recursive: true });
    const file = path.join(artifacts, 'console.png');
    const png = await page.screenshot({ path: file, fullPage: true });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(file, path.join(ROOT, 'docs/console.png'));
    jobs.unsubscribe();
  }, 120_000);
});
