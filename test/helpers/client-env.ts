/**
 * Test environment for client tests: an embedded server listening on a temp
 * Unix socket and on 127.0.0.1 (TLS, port 0) with the committed test
 * certificate, and the users of the reference transcripts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ClacksServer, type ServerOptions } from '../../src/server/index.js';
import { afterAll, beforeAll } from 'vitest';
import { createClient, type ClacksClient, type ClientOptions } from '../../src/index.js';
import { ensureBuilt } from '../cli/cli-process.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/tls');
export const TLS_CERT = readFileSync(path.join(fixtures, 'cert.pem'), 'utf8');
export const TLS_KEY = readFileSync(path.join(fixtures, 'key.pem'), 'utf8');

export const USERS = [
  { username: 'exampleuser', password: 'unsafepassword' },
  { username: 'rwuser', password: 'foo', permissions: ['read', 'write'] as const },
  { username: 'rouser', password: 'bar', permissions: ['read'] as const },
  { username: 'wouser', password: 'baz', permissions: ['write'] as const },
];

export type Transport = 'unix' | 'tls';
export const TRANSPORTS: Transport[] = ['unix', 'tls'];

export interface TestEnv {
  server: ClacksServer;
  socketPath: string;
  port: number;
  /** Connects a client over `transport` as `user` (default: the main user). */
  connect(transport: Transport, options?: ClientOptions & { user?: string; pass?: string }): Promise<ClacksClient>;
  /** Target options for `transport`, for tests that call createClient themselves. */
  target(transport: Transport, user?: string, pass?: string): ClientOptions;
  /** Stops the server (and restarts it on the same socket path and port with `restart`). */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Closes every client made by `connect` and the server, and removes the temp dir. */
  dispose(): Promise<void>;
}

export async function startEnv(overrides: Partial<ServerOptions> = {}): Promise<TestEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'net-clacks-test-'));
  const socketPath = path.join(dir, 'clacks.sock');
  const options = (port: number): ServerOptions => ({
    socketPath,
    host: '127.0.0.1',
    port,
    tls: { cert: TLS_CERT, key: TLS_KEY },
    users: USERS,
    ...overrides,
  });
  let server = await startServer(options(0));
  const tlsAddress = server.addresses.find((address) => address.kind === 'tls');
  if (!tlsAddress || tlsAddress.kind !== 'tls') throw new Error('no TLS listener');
  const port = tlsAddress.port;
  const clients: ClacksClient[] = [];
  let running = true;
  const env: TestEnv = {
    get server() {
      return server;
    },
    socketPath,
    port,
    target(transport, user = 'exampleuser', pass) {
      const password = pass ?? USERS.find((entry) => entry.username === user)?.password ?? '';
      return transport === 'unix'
        ? { path: socketPath, username: user, password }
        : { host: '127.0.0.1', port, username: user, password, tls: { ca: TLS_CERT } };
    },
    async connect(transport, connectOptions = {}) {
      const { user, pass, ...rest } = connectOptions;
      const client = await createClient({ ...env.target(transport, user, pass), ...rest });
      clients.push(client);
      return client;
    },
    async stop() {
      if (!running) return;
      running = false;
      await server.close();
    },
    async restart() {
      await env.stop();
      server = await startServer(options(port));
      running = true;
    },
    async dispose() {
      for (const client of clients) client.destroy();
      await env.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/**
 * One server for a whole test file: started before its first test, disposed
 * after its last. The returned object stands for that server (it forwards to
 * it), so tests write `env.connect(...)` as with {@link startEnv}. With
 * `build`, dist/ is built first (for tests that run the CLI or the package).
 */
export function useTestEnv(overrides: Partial<ServerOptions> = {}, options: { build?: boolean } = {}): TestEnv {
  let current: TestEnv | undefined;
  beforeAll(async () => {
    if (options.build) await ensureBuilt();
    current = await startEnv(overrides);
  }, options.build ? 300_000 : undefined);
  afterAll(async () => {
    await current?.dispose();
    current = undefined;
  });
  return new Proxy({} as TestEnv, {
    get(_, key) {
      if (!current) throw new Error('useTestEnv(): the server is only running during the tests of the file');
      const value: unknown = Reflect.get(current, key, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

export { nextMatching, waitFor } from './wait.js';
