/**
 * net-clacks/browser in a real browser: headless Chromium loads a page
 * served by this test, which imports the built bundle (dist/browser.js) and
 * talks through the gateway to the embedded server, as a web page would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type * as BrowserEntry from '../../src/browser.js';
import { perlCodec, startGateway, type ClacksClient, type ClacksGateway } from '../../src/index.js';
import { ensureBuilt } from '../cli/cli-process.js';
import { chromiumPath, launchChromium, servePages, warnSkipped } from '../helpers/browser.js';
import { useTestEnv } from '../helpers/client-env.js';

/** What the test page keeps on `window`. */
interface PageGlobals {
  clacks: typeof BrowserEntry;
  client: ClacksClient;
  events: unknown[];
  statuses: string[];
}

const executable = chromiumPath();
if (!executable) warnSkipped('the browser tests (test/browser/browser.test.ts)');

const PAGE = `<!doctype html><meta charset="utf-8"><title>net-clacks browser test</title>
<script type="module">
  import * as clacks from '/net-clacks/browser.js';
  window.clacks = clacks;
  window.events = [];
  window.statuses = [];
  document.title = 'ready';
</script>`;

describe.skipIf(!executable)('net-clacks/browser in headless Chromium', () => {
  const env = useTestEnv();
  let browser: Browser;
  let page: Page;
  let gateway: ClacksGateway;
  let gatewayPort: number;
  let site: Awaited<ReturnType<typeof servePages>>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    gateway = await startGateway({ upstream: `clacks+unix://${env.socketPath}` });
    gatewayPort = gateway.address?.port as number;
    site = await servePages({ '/': { type: 'text/html', body: PAGE } });
    browser = await launchChromium(executable as string);
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(site.url);
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'ready');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await site?.close();
  });

  const wsUrl = (user = 'exampleuser', password = 'unsafepassword', port = gatewayPort): string =>
    `ws://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/`;

  it('connects through the gateway, stores and retrieves', async () => {
    const result = await page.evaluate(async (url) => {
      const globals = globalThis as unknown as PageGlobals;
      const client = await globals.clacks.createClient(url, { name: 'browser test' });
      globals.client = client;
      client.on('status', (event) => globals.statuses.push(event.type));
      await client.store('browser::greeting', 'hello from the page: ünïcödé €');
      return { value: await client.retrieve('browser::greeting'), missing: await client.retrieve('browser::missing'), server: client.server, state: client.state };
    }, wsUrl());
    expect(result).toEqual({ value: 'hello from the page: ünïcödé €', missing: undefined, server: `ws://127.0.0.1:${gatewayPort}/`, state: 'ready' });
    const node = await env.connect('unix');
    expect(await node.retrieve('browser::greeting')).toBe('hello from the page: ünïcödé €');
  });

  it('subscribes and receives a SET sent by a Node client', async () => {
    await page.evaluate(async () => {
      const globals = globalThis as unknown as PageGlobals;
      const subscription = globals.client.subscribe('browser::signal');
      void (async () => {
        for await (const event of subscription) globals.events.push(event);
      })();
      await subscription.ready;
    });
    const node = await env.connect('unix');
    await node.set('browser::signal', 'from Node');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).events.length > 0, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).events)).toEqual([{ type: 'set', name: 'browser::signal', value: 'from Node' }]);
  });

  it('reads and writes Perl-encoded cache values (YAML included) with the cache API', async () => {
    const node = await env.connect('unix');
    await node.store('browser::from-perl', perlCodec.encode({ user: 'alice', roles: ['admin', 'editor'], visits: 3, note: 'line one\nline two' }));
    await node.flush();
    const read = await page.evaluate(async () => {
      const globals = globalThis as unknown as PageGlobals;
      const cache = globals.clacks.createCache(globals.client);
      await cache.set('browser::from-page', { list: [1, 2], nested: { ok: true } });
      await cache.flush();
      return cache.get('browser::from-perl');
    });
    expect(read).toEqual({ user: 'alice', roles: ['admin', 'editor'], visits: 3, note: 'line one\nline two' });
    const wire = await node.retrieve('browser::from-page');
    expect(wire).toMatch(/^PAGECAMELCLACKSYAMLB64: /);
    expect(perlCodec.decode(wire as string)).toEqual({ list: [1, 2], nested: { ok: true } });
  });

  it('writes a burst of 30 MB in one tick through the gateway (messages of whole lines, within its limit)', async () => {
    const state = await page.evaluate(async () => {
      const globals = globalThis as unknown as PageGlobals;
      const value = 'v'.repeat(100_000);
      const writes: Array<Promise<void>> = [];
      for (let i = 0; i < 300; i++) writes.push(globals.client.store(`browser::burst::${i}`, `${i}:${value}`));
      await Promise.all(writes);
      await globals.client.flush();
      return globals.client.state;
    });
    expect(state).toBe('ready');
    const node = await env.connect('unix');
    expect(await node.retrieve('browser::burst::299')).toBe(`299:${'v'.repeat(100_000)}`);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).statuses)).toEqual([]); // no loss on the way
  });

  it('sees a reconnected event after the gateway is restarted, and goes on working', async () => {
    await gateway.close();
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).statuses.includes('disconnected'), undefined, { timeout: 10_000 });
    gateway = await startGateway({ upstream: `clacks+unix://${env.socketPath}`, port: gatewayPort });
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).statuses.includes('reconnected'), undefined, { timeout: 20_000 });
    const statuses = await page.evaluate(() => (globalThis as unknown as PageGlobals).statuses);
    expect(statuses.slice(0, 2)).toEqual(['disconnected', 'reconnecting']);
    // The subscription survived: a SET after the reconnect arrives too.
    const node = await env.connect('unix');
    await page.evaluate(() => (globalThis as unknown as PageGlobals).client.flush());
    await node.set('browser::signal', 'after the restart');
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).events.some((event) => (event as { value?: string }).value === 'after the restart'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).client.retrieve('browser::greeting'))).toBe('hello from the page: ünïcödé €');
  });

  /** What `createClient(url)` in the page rejects with, as plain data (or undefined when it connects). */
  const refusal = (url: string): Promise<Record<string, unknown> | undefined> =>
    page.evaluate(async (target) => {
      const globals = globalThis as unknown as PageGlobals;
      try {
        (await globals.clacks.createClient(target)).destroy();
        return undefined;
      } catch (caught) {
        const e = caught as InstanceType<typeof globals.clacks.GatewayError>;
        return { name: e.name, code: e.code, message: e.message, closeCode: e.closeCode, permanent: e.permanent, isAuth: e instanceof globals.clacks.AuthenticationError };
      }
    }, url);

  it('is refused with a clear error for a wrong password', async () => {
    expect(await refusal(wsUrl('exampleuser', 'not the password'))).toEqual({
      name: 'AuthenticationError',
      code: 'AUTH_FAILED',
      message: 'authentication failed: the server answered "Login failed!"',
      closeCode: undefined,
      permanent: undefined,
      isAuth: true,
    });
  });

  it('is refused with a clear error for an Origin the gateway does not allow', async () => {
    const strict = await startGateway({ upstream: `clacks+unix://${env.socketPath}`, allowOrigins: ['https://app.example.org'] });
    try {
      const error = await refusal(wsUrl('exampleuser', 'unsafepassword', strict.address?.port));
      expect(error).toMatchObject({ name: 'GatewayError', code: 'CONNECTION_ERROR', closeCode: 4003, permanent: true });
      expect(error?.message).toBe(
        `the gateway at ws://127.0.0.1:${strict.address?.port}/ refused this page's origin: origin ${site.url.replace(/\/$/, '')} is not allowed. Add the origin with --allow-origin`,
      );
    } finally {
      await strict.close();
    }
  });

  it("is refused for good when the gateway's authorize hook refuses (4001): no retry, at the first connect or at a reconnect", async () => {
    let allow = true;
    const hooked = await startGateway({ upstream: `clacks+unix://${env.socketPath}`, authorize: () => allow });
    const port = hooked.address?.port as number;
    let again: ClacksGateway | undefined;
    try {
      // A connected page, then a gateway on the same port that refuses it: the reconnect ends the client.
      await page.evaluate(async (url) => {
        const globals = globalThis as unknown as PageGlobals & { hooked: ClacksClient; hookedStatuses: string[] };
        globals.hookedStatuses = [];
        globals.hooked = await globals.clacks.createClient(url);
        globals.hooked.on('status', (event) => globals.hookedStatuses.push(event.type === 'closed' ? `closed: ${event.reason?.message}` : event.type));
      }, wsUrl('exampleuser', 'unsafepassword', port));
      await hooked.close();
      allow = false;
      again = await startGateway({ upstream: `clacks+unix://${env.socketPath}`, port, authorize: () => allow });
      await page.waitForFunction(() => (globalThis as unknown as { hookedStatuses: string[] }).hookedStatuses.some((s) => s.startsWith('closed')), undefined, { timeout: 20_000 });
      const statuses = await page.evaluate(() => (globalThis as unknown as { hookedStatuses: string[] }).hookedStatuses);
      expect(statuses.at(-1)).toBe(`closed: the gateway at ws://127.0.0.1:${port}/ refused this connection: this connection is not authorized`);
      const refusedAtReconnect = again.stats().refused;
      expect(refusedAtReconnect).toBe(1); // one refused attempt, then no more

      // A first connect that is given 60 s to find its server does not spend them retrying a
      // refusal (the bound is half of that: 1 s of margin under 10 s was thin for a loaded machine).
      const started = Date.now();
      const error = await page.evaluate(async (url) => {
        const globals = globalThis as unknown as PageGlobals;
        try {
          (await globals.clacks.createClient(url, { waitForServer: 60_000 })).destroy();
          return undefined;
        } catch (caught) {
          const e = caught as InstanceType<typeof globals.clacks.GatewayError>;
          return { name: e.name, code: e.code, message: e.message, closeCode: e.closeCode, permanent: e.permanent };
        }
      }, wsUrl('exampleuser', 'unsafepassword', port));
      expect(error).toEqual({
        name: 'GatewayError',
        code: 'CONNECTION_ERROR',
        message: `the gateway at ws://127.0.0.1:${port}/ refused this connection: this connection is not authorized`,
        closeCode: 4001,
        permanent: true,
      });
      expect(again.stats().refused).toBe(refusedAtReconnect + 1);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await again?.close();
      await hooked.close();
    }
  });

  it('refuses a Unix or TLS target before connecting: a page needs a gateway', async () => {
    const message = await page.evaluate(async () => {
      const globals = globalThis as unknown as PageGlobals;
      return globals.clacks.createClient('clacks://user:pw@localhost:49888').then(
        () => 'connected?',
        (error: Error) => `${error.name}: ${error.message}`,
      );
    });
    expect(message).toBe('ValidationError: invalid url: a web page connects through a gateway: use a ws:// or wss:// URL (see `clacks gateway`)');
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
