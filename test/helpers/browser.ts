/**
 * Headless Chromium for browser tests (and the browser benchmark): Debian's
 * `chromium` driven by playwright-core; nothing downloads a browser. Where
 * Chromium is missing, the tests report themselves skipped, loudly, with
 * the command that installs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const INSTALL_HINT = 'apt-get install -y chromium';

/** The Chromium binary: $CHROMIUM_PATH, else Debian's. Undefined when there is none. */
export function chromiumPath(): string | undefined {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Says, where everyone sees it, that browser tests are skipped and how to run them. */
export function warnSkipped(what: string): void {
  const line = '!'.repeat(78);
  process.stderr.write(`\n${line}\n!! SKIPPED: ${what}: Chromium is not installed.\n!! Install it with: ${INSTALL_HINT}\n${line}\n\n`);
}

/** Launches headless Chromium with the flags this machine needs (no sandbox as root, no network chatter). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A static HTTP server on 127.0.0.1 for test pages: `routes` maps a path to its body, and serves the browser build. */
export async function servePages(routes: Record<string, { type: string; body: string | Buffer }>): Promise<{ url: string; close(): Promise<void> }> {
  const files: Record<string, { type: string; body: string | Buffer }> = {
    '/net-clacks/browser.js': { type: 'text/javascript', body: readFileSync(path.join(ROOT, 'dist/browser.js')) },
    '/net-clacks/browser.js.map': { type: 'application/json', body: readFileSync(path.join(ROOT, 'dist/browser.js.map')) },
    ...routes,
  };
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://page').pathname];
    if (!file) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
