/**
 * Test helpers for the embedded server: start one on a temporary Unix socket
 * and/or 127.0.0.1 port 0 (TLS with the committed test certificate), with the
 * transcripts' users, and talk to it through plain node:net / node:tls
 * sockets. Everything started here is stopped by `stopTestServers()`; call
 * it in `afterEach`/`afterAll`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectNet, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as connectTls } from 'node:tls';
import { startServer, type ClacksServer, type ServerOptions, type UserOptions } from '../../src/server/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Self-signed, CN=localhost, SAN localhost and 127.0.0.1. */
export const TLS_CERT = readFileSync(join(FIXTURES, 'tls/cert.pem'));
export const TLS_KEY = readFileSync(join(FIXTURES, 'tls/key.pem'));

/** The users of the server the transcripts were recorded against. */
export const TRANSCRIPT_USERS: readonly UserOptions[] = [
  { username: 'exampleuser', password: 'unsafepassword' },
  { username: 'rwuser', password: 'foo', permissions: ['read', 'write'] },
  { username: 'rouser', password: 'bar', permissions: ['read'] },
];

/** `OVERHEAD A` tokens of those users. */
export const AUTH = {
  main: 'OVERHEAD A ZXhhbXBsZXVzZXI=:dW5zYWZlcGFzc3dvcmQ=\r\n',
  readWrite: 'OVERHEAD A cnd1c2Vy:Zm9v\r\n',
  readOnly: 'OVERHEAD A cm91c2Vy:YmFy\r\n',
} as const;

export const GREETING_TAIL = 'OVERHEAD M Authentication required\r\n';

/** How long a test waits for anything before it fails. Generous: the CI machine is slow and shared. */
export const DEADLINE_MS = 15_000;

export interface TestServer {
  readonly server: ClacksServer;
  /** Set when started with `unix`. */
  readonly socketPath: string | undefined;
  /** Set when started with `tls`. */
  readonly port: number | undefined;
  /** A fresh directory for the test's files; removed by `stopTestServers()`. */
  readonly directory: string;
  connectUnix(): Promise<RawConnection>;
  connectTls(): Promise<RawConnection>;
  /** A plain TCP connection to the TLS port (no handshake). */
  connectPlainTcp(): Promise<RawConnection>;
}

export interface TestServerOptions extends Omit<Partial<ServerOptions>, 'tls'> {
  /** Listen on a temporary Unix socket (default true). */
  unix?: boolean;
  /** Listen on 127.0.0.1:0 with TLS (default false). */
  tls?: boolean;
  /** Reuse this directory (and socket path) instead of a new one, e.g. to restart a server. */
  directory?: string;
}

const servers = new Set<ClacksServer>();
const connections = new Set<RawConnection>();
const directories = new Set<string>();

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { unix = true, tls = false, directory: given, ...serverOptions } = options;
  const directory = given ?? mkdtempSync(join(tmpdir(), 'clacks-test-'));
  directories.add(directory);
  const socketPath = unix ? join(directory, 'clacks.sock') : undefined;
  const server = await startServer({
    users: TRANSCRIPT_USERS,
    ...(socketPath !== undefined ? { socketPath } : {}),
    ...(tls ? { host: '127.0.0.1', port: 0, tls: { cert: TLS_CERT, key: TLS_KEY } } : {}),
    ...serverOptions,
  });
  servers.add(server);
  const tlsAddress = server.addresses.find((address) => address.kind === 'tls');
  const port = tlsAddress?.kind === 'tls' ? tlsAddress.port : undefined;
  const needPort = (): number => {
    if (port === undefined) throw new Error('this test server has no TLS listener');
    return port;
  };
  return {
    server,
    socketPath,
    port,
    directory,
    connectUnix: () => {
      if (socketPath === undefined) throw new Error('this test server has no Unix listener');
      return RawConnection.open(() => connectNet(socketPath), 'connect');
    },
    connectTls: () => RawConnection.open(() => connectTls({ host: '127.0.0.1', port: needPort(), ca: TLS_CERT }), 'secureConnect'),
    connectPlainTcp: () => RawConnection.open(() => connectNet({ host: '127.0.0.1', port: needPort() }), 'connect'),
  };
}

/** Closes every connection and server the helpers opened, and removes their directories. */
export async function stopTestServers(): Promise<void> {
  for (const connection of connections) connection.destroy();
  connections.clear();
  // A test that made the final save fail has seen close() reject already.
  await Promise.all([...servers].map((server) => server.close().catch(() => {})));
  servers.clear();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

/** Resolves after `ms`. Only for letting time pass on purpose (timeouts), never to wait for a reply. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds, or fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A client socket that records every byte it receives (as a latin1 string,
 * one char per byte) and can wait for what it expects.
 */
export class RawConnection {
  /** Everything received so far, one char per byte. */
  received = '';
  closed = false;
  readonly socket: Socket;
  private readonly waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Records a socket that is already connected (one a test server accepted). */
  static wrap(socket: Socket): RawConnection {
    const connection = new RawConnection(socket);
    connections.add(connection);
    return connection;
  }

  static open(create: () => Socket, readyEvent: 'connect' | 'secureConnect'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = create();
      const connection = new RawConnection(socket);
      connections.add(connection);
      socket.once(readyEvent, () => resolve(connection));
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before connecting')));
    });
  }

  /** Writes text as latin1 (one byte per char) or raw bytes. */
  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Waits until `received` satisfies `condition` (or contains the given text). */
  async waitFor(condition: string | ((received: string) => boolean), timeoutMs = DEADLINE_MS): Promise<string> {
    const test = typeof condition === 'string' ? (text: string) => text.includes(condition) : condition;
    const what = () => `data ${typeof condition === 'string' ? JSON.stringify(condition) : '(predicate)'}`;
    await this.until(() => test(this.received), timeoutMs, what, true);
    return this.received;
  }

  /** Waits until the server closed the connection. */
  async waitForClose(timeoutMs = DEADLINE_MS): Promise<void> {
    await this.until(() => this.closed, timeoutMs, () => 'the connection to close');
  }

  /** Logs in as the main user and waits for `Welcome!`. */
  async login(token: string = AUTH.main): Promise<void> {
    this.write(`CLACKS test\r\n${token}`);
    await this.waitFor('OVERHEAD O Welcome!\r\n');
  }

  destroy(): void {
    this.socket.destroy();
    connections.delete(this);
  }

  private until(done: () => boolean, timeoutMs: number, what: () => string, failOnClose = false): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) {
          if (!failOnClose || !this.closed) return;
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`the connection closed while waiting for ${what()}; received: ${JSON.stringify(this.received.slice(-500))}`));
          return;
        }
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}; received so far: ${JSON.stringify(this.received.slice(-500))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
