/**
 * A page in headless Chromium connected through the gateway, for the
 * browser scenario: the browser build bundled from src/ (as `tsup` ships
 * it, not minified), a static page server, and the gateway in front of the
 * benchmark's server.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { ClacksGateway } from '../../src/index.js';
import { chromiumPath, launchChromium } from '../../test/helpers/browser.js';
import { REPO_ROOT, sdk } from './sdk.js';
import type { BenchServer } from './server.js';

export { chromiumPath };

export interface BrowserPage {
  page: Page;
  /** The gateway's `ws://` URL with the benchmark user's credentials. */
  url: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench</title>
<script type="module">import * as clacks from '/browser.js'; window.clacks = clacks; document.title = 'ready';</script>`;

export async function openBrowserPage(server: BenchServer, executable: string): Promise<BrowserPage> {
  if (!server.unix) throw new Error('the browser scenario needs the server Unix socket');
  const bundle = await build({
    entryPoints: [join(REPO_ROOT, 'src/browser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array();
  const site: Server = createServer((request, response) => {
    if (request.url === '/browser.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const gateway: ClacksGateway = await sdk().client.startGateway({ upstream: { path: server.unix.path } });
  const browser: Browser = await launchChromium(executable);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(site.address() as { port: number }).port}/`);
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'ready');
  const url = new URL(gateway.address?.url ?? '');
  url.username = encodeURIComponent(server.user.username);
  url.password = encodeURIComponent(server.user.password);
  return {
    page,
    url: url.toString(),
    async close() {
      await browser.close();
      await gateway.close();
      site.closeAllConnections();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    },
  };
}
