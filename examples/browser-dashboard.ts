/**
 * A live dashboard in a web page: a Node producer SETs a few values twice a
 * second, and the page (examples/browser-dashboard/index.html, using
 * net-clacks/browser) shows them as they change. Everything in one command:
 * the Clacks server (embedded, unless CLACKS_URL is set), the gateway, a
 * static server for the page, and the producer.
 *
 *   npm run example:browser              # prints the URL to open; Ctrl-C stops
 *   npm run example:browser -- --port 8080
 *
 * The page gets its credentials from /session, standing in for the web
 * application's own login; in production use a read-only Clacks user there.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { createClient, parseClacksUrl, startGateway } from '../src/index.js';
import { exampleServer } from './support/example-server.js';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const here = path.join(import.meta.dirname, 'browser-dashboard');

// The browser build, straight from the sources (an application imports 'net-clacks/browser' and lets its bundler do this).
const bundle = await build({
  entryPoints: [path.join(import.meta.dirname, '../src/browser.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const browserJs = bundle.outputFiles[0]?.contents ?? new Uint8Array();

const target = await exampleServer();
const upstream = parseClacksUrl(target.url);
const gateway = await startGateway({
  // The gateway needs no credentials: the page logs in itself.
  upstream: upstream.kind === 'unix' ? { path: upstream.path } : upstream.kind === 'tls' ? { host: upstream.host, port: upstream.port } : target.url,
  upstreamTls: { rejectUnauthorized: false },
});

const files: Record<string, { type: string; body: string | Uint8Array }> = {
  '/': { type: 'text/html; charset=utf-8', body: readFileSync(path.join(here, 'index.html')) },
  '/net-clacks/browser.js': { type: 'text/javascript', body: browserJs },
};
const site = createServer((request, response) => {
  const route = new URL(request.url ?? '/', 'http://page').pathname;
  if (route === '/session') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ gateway: gateway.address?.url, username: upstream.username, password: upstream.password }));
    return;
  }
  const file = files[route];
  if (!file) return void response.writeHead(404).end('not found');
  response.writeHead(200, { 'content-type': file.type }).end(file.body);
});
await new Promise<void>((resolve) => site.listen(Number(args.port), '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;

// The producer: a Node worker publishing readings (SETANDSTORE: the page also reads the latest on load).
const producer = await createClient(target.url, { name: 'dashboard producer' });
let tick = 0;
const publish = async (): Promise<void> => {
  tick++;
  await producer.setAndStore('Dashboard::Temperature', (20 + 3 * Math.sin(tick / 5)).toFixed(1));
  await producer.setAndStore('Dashboard::Humidity', `${Math.round(45 + 10 * Math.cos(tick / 7))}%`);
  await producer.setAndStore('Dashboard::Visitors', String(100 + tick * 3));
  await producer.setAndStore('Dashboard::Status', tick % 10 < 8 ? 'all systems nominal' : 'maintenance window');
};
await publish();
const timer = setInterval(() => void publish().catch((error: unknown) => console.error(`producer: ${String(error)}`)), 500);

console.log(`gateway: ${gateway.address?.url} (bridging to the Clacks server)`);
console.log(`dashboard: open ${pageUrl} in a browser; Ctrl-C stops`);

const stop = async (): Promise<void> => {
  clearInterval(timer);
  await producer.close();
  await gateway.close();
  site.closeAllConnections();
  await new Promise<void>((resolve) => site.close(() => resolve()));
  await target.close();
  console.log('dashboard: stopped');
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
