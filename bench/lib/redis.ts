/**
 * The peers section (`--peers`): a redis-server of its own on a Unix socket
 * in a temporary directory, and the raw RESP baseline (the RESP counterpart
 * of raw-client.ts: pre-built commands out, reply lines counted).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { RawClient } from './raw-client.js';

/** The redis-server executable on the PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RedisServer {
  /** The Unix socket path. */
  path: string;
  /** `redis-server --version`'s `v=` part. */
  version: string;
  /** The server's process id (for profiling it from outside). */
  pid: number | undefined;
  close(): Promise<void>;
}

/** Starts redis-server on a Unix socket (no TCP port, no persistence) and waits until it accepts connections. */
export async function startRedis(executable: string): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clacks-bench-redis-'));
  const path = join(dir, 'redis.sock');
  const child: ChildProcess = spawn(
    executable,
    ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const version = await new Promise<string>((resolve) => {
    const probe = spawn(executable, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    probe.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    probe.once('exit', () => resolve(/v=(\S+)/.exec(out)?.[1] ?? 'unknown'));
  });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode}) before it was ready`);
    if (await canConnect(path)) break;
    if (Date.now() - started > 10_000) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not accept connections within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    path,
    version,
    pid: child.pid,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One RESP command as a multi-bulk array, as the Redis clients write it. */
export function respCommand(...args: string[]): string {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return text;
}

/** A raw RESP connection: pre-built commands, reply lines (LF bytes) counted. No login (the peer redis-server has none). */
export async function connectRawResp(path: string): Promise<RawClient> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const connection = net.connect({ path });
    connection.once('connect', () => {
      connection.off('error', reject);
      resolve(connection);
    });
    connection.once('error', reject);
  });
  return RawClient.fromSocket(socket);
}

/** Ends a raw RESP connection. */
export function closeRawResp(client: RawClient): Promise<void> {
  return client.close(respCommand('QUIT'));
}
