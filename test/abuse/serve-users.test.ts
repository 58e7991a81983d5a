/**
 * Issue 10, finding 9: `clacks serve` took passwords only on the command
 * line, where every local user can read them. Now: `--users FILE` (refused
 * if group or others may read it) and `CLACKS_USERS`. Issue 16, defect 2:
 * `--user c:d:xyz` was silently taken as password `d:xyz` without
 * permissions; now unknown permission letters are an error naming r, w, m, a
 * user without permissions gets a warning, and the server lists its users
 * and their permissions at start, never a password. Also: the limit flags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection, waitUntil } from '../helpers/server.js';
import { token } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Serve {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
const directories: string[] = [];

function serve(args: string[], env: Record<string, string> = {}): Serve {
  const environment = { ...process.env, ...env };
  if (!('CLACKS_USERS' in env)) delete environment.CLACKS_USERS;
  // Node itself with tsx's loader (not the tsx wrapper), so that killing the child kills the server.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: environment });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function directory(): string {
  const made = mkdtempSync(join(tmpdir(), 'clacks-serve-'));
  directories.push(made);
  return made;
}

async function login(socketPath: string, line: string): Promise<RawConnection> {
  const client = await RawConnection.open(() => connect(socketPath), 'connect');
  client.write(`CLACKS test\r\n${line}FLUSH f\r\n`);
  await client.waitFor((received) => received.includes('FLUSHED f\r\n') || received.includes('Login failed!'));
  return client;
}

const USERS_FILE = `# users of this server
admin:s3cret-main

web:pw-web:rw
# a password with a colon needs its permissions after it
ops:pa:ss:m
idle:pw-idle:
`;

describe('clacks serve: users off the command line, checked permissions (findings 9; issue 16, defect 2)', () => {
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    for (const made of directories.splice(0)) rmSync(made, { recursive: true, force: true });
  });

  it('reads --users FILE, lists users and permissions at start (no passwords), warns about a user without permissions', async () => {
    const dir = directory();
    const file = join(dir, 'users');
    writeFileSync(file, USERS_FILE, { mode: 0o600 });
    const socketPath = join(dir, 'clacks.sock');
    const server = serve(['--socket', socketPath, '--users', file]);
    await waitUntil(() => server.stdout().includes('user idle'), 'the user list', 30_000);
    expect(server.stdout()).toContain('user admin: read, write, manage (the main user)');
    expect(server.stdout()).toContain('user web: read, write');
    expect(server.stdout()).toContain('user ops: manage');
    expect(server.stdout()).toContain('user idle: no permissions');
    expect(server.stderr()).toContain('warning: user idle has no permissions');
    expect(server.stderr()).not.toContain('--user puts passwords');
    for (const secret of ['s3cret', 'pw-web', 'pa:ss', 'pw-idle']) expect(server.stdout() + server.stderr()).not.toContain(secret);

    const ops = await login(socketPath, `${token('ops', 'pa:ss')}CLIENTLIST\r\n`);
    expect(ops.received).toContain('CLIENTLISTEND\r\n');
    const web = await login(socketPath, `${token('web', 'pw-web')}STORE k=v\r\nRETRIEVE k\r\n`);
    expect(web.received).toContain('RETRIEVED k=v\r\n');
  });

  it('refuses a users file that group or others can read', async () => {
    const dir = directory();
    const file = join(dir, 'users');
    writeFileSync(file, USERS_FILE);
    chmodSync(file, 0o644);
    const server = serve(['--socket', join(dir, 'clacks.sock'), '--users', file]);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain(`--users ${file} is readable or writable by group or others (mode 644)`);
    expect(server.stderr()).not.toContain('s3cret');
  });

  it('takes users from CLACKS_USERS when no --user or --users is given', async () => {
    const dir = directory();
    const socketPath = join(dir, 'clacks.sock');
    const server = serve(['--socket', socketPath], { CLACKS_USERS: 'envadmin:env-secret\nreader:env-pw:r\n' });
    await waitUntil(() => server.stdout().includes('user reader: read'), 'the user list', 30_000);
    const admin = await login(socketPath, token('envadmin', 'env-secret'));
    expect(admin.received).toContain('Welcome!');
    expect(server.stdout() + server.stderr()).not.toContain('env-secret');
  });

  it('refuses unknown permission letters, naming r, w and m, without showing the password', async () => {
    const server = serve(['--socket', join(directory(), 'clacks.sock'), '--user', 'a:main-pw', '--user', 'c:dsecret:xyz']);
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/user "c": unknown permission letters "x", "y", "z"; PERMS is any of r \(read\), w \(write\), m \(manage\)/);
    expect(server.stderr()).not.toContain('dsecret');
  });

  it('warns that --user puts passwords on the command line', async () => {
    const socketPath = join(directory(), 'clacks.sock');
    const server = serve(['--socket', socketPath, '--user', 'admin:cmdline-pw']);
    await waitUntil(() => server.stdout().includes('user admin'), 'the user list', 30_000);
    expect(server.stderr()).toContain('warning: --user puts passwords on the command line');
    expect(server.stdout() + server.stderr()).not.toContain('cmdline-pw');
  });

  it('sets limits from flags (sizes with K/M suffixes, durations in seconds)', async () => {
    const socketPath = join(directory(), 'clacks.sock');
    const server = serve(['--socket', socketPath, '--user', 'admin:pw', '--max-pre-auth-line-length', '1K', '--login-failure-delay', '0.5']);
    await waitUntil(() => server.stdout().includes('user admin'), 'the server to start', 30_000);
    const client = await RawConnection.open(() => connect(socketPath), 'connect');
    client.write('x'.repeat(2000));
    await client.waitForClose();
    expect(client.received).toContain('OVERHEAD E line_too_long (limit 1024 bytes)\r\n');
    const bad = serve(['--socket', socketPath, '--user', 'admin:pw', '--max-connections', 'lots']);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('expected a whole number');
  });
});
