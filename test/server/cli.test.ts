/** `clacks serve` as a child process (through tsx, so no build is needed). */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as connectNet } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH, DEADLINE_MS, TLS_CERT, waitUntil } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'src/cli/main.ts');
const CERT = join(ROOT, 'test/fixtures/tls/cert.pem');
const KEY = join(ROOT, 'test/fixtures/tls/key.pem');

interface Cli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
const directories: string[] = [];

function clacks(...args: string[]): Cli {
  const child = spawn(TSX, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Sends `input` and collects what comes back until the server closes the connection. */
function session(socket: ReturnType<typeof connectNet>, input: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(until)} in ${JSON.stringify(received)}`)), DEADLINE_MS);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes(until)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.write(input);
  });
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'clacks-cli-'));
  directories.push(directory);
  return directory;
}

describe('clacks serve', () => {
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('serves a Unix socket and a TLS port, with users and permissions, and shuts down cleanly on SIGTERM', async () => {
    const socketPath = join(temporaryDirectory(), 'clacks.sock');
    const cli = clacks(
      'serve', '--socket', socketPath, '--port', '0', '--cert', CERT, '--key', KEY,
      '--user', 'exampleuser:unsafepassword', '--user', 'rouser:bar:r', '--ping-timeout', '60',
    );
    await waitUntil(() => /listening on tls:\/\/127\.0\.0\.1:\d+/.test(cli.output()), 'the CLI to listen', 30_000);
    expect(cli.output()).toContain(`listening on unix:${socketPath}`);
    const port = Number(/tls:\/\/127\.0\.0\.1:(\d+)/.exec(cli.output())?.[1]);

    const main = await session(
      connectNet(socketPath),
      `CLACKS cli-test\r\n${AUTH.main}STORE greeting=hello world\r\nRETRIEVE greeting\r\nINCREMENT n=0.1\r\nINCREMENT n=0.2\r\nRETRIEVE n\r\nFLUSH done\r\n`,
      'Welcome!\r\n',
    );
    expect(main).toMatch(/^CLACKS net-clacks \S+\r\nOVERHEAD M Authentication required\r\n/);
    expect(main).toContain('RETRIEVED greeting=hello world\r\nRETRIEVED n=0.3\r\nFLUSHED done\r\nOVERHEAD O Welcome!\r\n');

    const readOnly = await session(
      connectTls({ host: '127.0.0.1', port, ca: TLS_CERT }),
      `${AUTH.readOnly}RETRIEVE greeting\r\nSTORE x=1\r\n`,
      'permission_denied\r\n',
    );
    expect(readOnly).toContain('RETRIEVED greeting=hello world\r\nOVERHEAD O Welcome!\r\nOVERHEAD E permission_denied\r\n');

    // A client still connected at shutdown gets QUIT.
    const victim = connectNet(socketPath);
    const quit = session(victim, `${AUTH.main}`, '\r\nQUIT\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    cli.child.kill('SIGTERM');
    expect(await quit).toContain('\r\nQUIT\r\n');
    expect(await cli.exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('keeps the cache across restarts with --persist', async () => {
    const directory = temporaryDirectory();
    const socketPath = join(directory, 'clacks.sock');
    const args = ['serve', '--socket', socketPath, '--user', 'admin:secret', '--persist', join(directory, 'cache.json')];
    const token = `OVERHEAD A ${Buffer.from('admin').toString('base64')}:${Buffer.from('secret').toString('base64')}\r\n`;

    const first = clacks(...args);
    await waitUntil(() => first.output().includes('listening on unix:'), 'the CLI to listen', 30_000);
    await session(connectNet(socketPath), `${token}STORE kept=yes\r\nFLUSH f\r\n`, 'FLUSHED f\r\n');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = clacks(...args);
    await waitUntil(() => second.output().includes('listening on unix:'), 'the CLI to listen again', 30_000);
    const reply = await session(connectNet(socketPath), `${token}RETRIEVE kept\r\n`, 'RETRIEVED kept=yes\r\n');
    expect(reply).toContain('RETRIEVED kept=yes\r\n');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses to start without a user or a listener', async () => {
    const noUser = clacks('serve', '--socket', join(temporaryDirectory(), 'x.sock'));
    expect(await noUser.exited).toBe(1);
    expect(noUser.output()).toMatch(/--user/);
    const noListener = clacks('serve', '--user', 'a:b');
    expect(await noListener.exited).toBe(1);
    expect(noListener.output()).toMatch(/--socket/);
  });

  it('says which certificate file it cannot read, and exits 1', async () => {
    const missing = join(temporaryDirectory(), 'missing.pem');
    const serve = clacks('serve', '--port', '0', '--cert', missing, '--key', missing, '--user', 'a:b');
    expect(await serve.exited).toBe(1);
    expect(serve.output()).toContain(`cannot read --cert ${missing}`);
  });
});
