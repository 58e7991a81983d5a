/**
 * The server under test: the embedded server started in this process (the
 * default, simplest) or in a child process (`--server-process`: the server
 * gets its own event loop and core, and this process's memory figures are
 * the clients' alone). Either way it listens on a Unix socket and on TLS at
 * 127.0.0.1 with the committed test certificate.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sdk } from './sdk.js';

export const BENCH_USER = { username: 'bench', password: 'bench-password' };

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/tls/', import.meta.url));
export const TLS_CA = readFileSync(join(FIXTURES, 'cert.pem'));
const TLS_KEY = readFileSync(join(FIXTURES, 'key.pem'));

/** What a benchmark needs to reach a running server. */
export interface BenchServer {
  /** `in-process`, `child-process`, or `external` (`--url`). */
  readonly mode: string;
  /** The account the benchmark clients log in with. */
  readonly user: { username: string; password: string };
  readonly unix: { path: string } | undefined;
  readonly tls: { host: string; port: number; ca: Buffer | undefined } | undefined;
  /** A server in its own process: starts its CPU profile; the function returned stops it and writes `file`. */
  profile?: (() => Promise<(file: string) => Promise<void>>) | undefined;
  close(): Promise<void>;
}

/** Options the child process receives as JSON in argv[2]. */
export interface ServerSpec {
  socketPath: string;
  /** A slave's master (interclacks), as a `clacks+unix://` URL. */
  master?: string;
  /** Where the SDK was loaded from, and how (see sdk.ts). */
  sdkLocation: string;
  sdkSource: string;
}

/** Starts the embedded server with the benchmark's user and both listeners. */
export async function startEmbedded(spec: ServerSpec) {
  return sdk().server.startServer({
    users: [BENCH_USER],
    listeners: [{ socketPath: spec.socketPath }, { host: '127.0.0.1', port: 0, tls: { cert: TLS_CA, key: TLS_KEY } }],
    // Benchmarks outlast no timer, but a quiet consumer must never be pinged out mid-run.
    pingTimeout: 0,
    nopInterval: 0,
    ...(spec.master !== undefined ? { master: spec.master, interclacks: { pingTimeout: 0, reconnectTimeout: 100, reconnectJitter: 0 } } : {}),
  });
}

/** Starts the server in this process, or in a child process; `master` makes it a slave of that master. */
export async function startBenchServer(inChild: boolean, options: { master?: string } = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clacks-bench-'));
  const spec: ServerSpec = { socketPath: join(dir, 'clacks.sock'), sdkLocation: sdk().location, sdkSource: sdk().source, ...options };
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  if (!inChild) {
    const server = await startEmbedded(spec);
    return describe('in-process', server.addresses, undefined, async () => {
      await server.close();
      cleanup();
    });
  }
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('../server-child.ts', import.meta.url)), JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the server process exited (code ${code})`));
      child.once('exit', onExit);
      lines.once('line', (line) => {
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const addresses = await next();
  const profile = async (): Promise<(file: string) => Promise<void>> => {
    child.stdin?.write('profile-start\n');
    await next();
    return async (file: string) => {
      child.stdin?.write(`profile-stop ${file}\n`);
      await next();
    };
  };
  return describe('child-process', JSON.parse(addresses) as Address[], profile, async () => {
    child.stdin?.end();
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
    cleanup();
  });
}

type Address = { kind: 'unix'; path: string } | { kind: 'tls'; host: string; port: number };

function describe(mode: string, addresses: readonly Address[], profile: BenchServer['profile'], close: () => Promise<void>): BenchServer {
  let unix: BenchServer['unix'];
  let tlsAddress: BenchServer['tls'];
  for (const address of addresses) {
    if (address.kind === 'unix') unix = { path: address.path };
    else tlsAddress = { host: address.host, port: address.port, ca: TLS_CA };
  }
  return { mode, user: BENCH_USER, unix, tls: tlsAddress, profile, close };
}
