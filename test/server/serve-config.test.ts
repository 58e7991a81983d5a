/**
 * `clacks serve --config` as a user runs it: the reference's example config
 * starts unchanged, flags override it, --print-config redacts passwords,
 * bad input exits 1 with its message, a listener that cannot bind is an
 * error, a failed final save exits non-zero.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectNet, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Running } from '../cli/cli-process.js';
import { removeScratchDirectories, scratchDirectory } from '../helpers/persistence.js';
import { runServe, startServe } from '../helpers/serve-process.js';
import { AUTH, RawConnection, waitUntil } from '../helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const running = new Set<Running>();
const servers = new Set<Server>();

/** A directory holding the example config and the certificate files it names. */
function exampleDirectory(config: string): string {
  const directory = scratchDirectory();
  copyFileSync(join(FIXTURES, 'config', config), join(directory, config));
  copyFileSync(join(FIXTURES, 'tls/cert.pem'), join(directory, 'exampleserver.crt'));
  copyFileSync(join(FIXTURES, 'tls/key.pem'), join(directory, 'exampleserver.key'));
  return directory;
}

function serve(args: string[], cwd?: string): Running {
  const child = startServe(args, cwd === undefined ? {} : { cwd });
  running.add(child);
  return child;
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      servers.add(server);
      resolve(server);
    });
  });
}

async function portFree(port: number): Promise<boolean> {
  const server = await listenOn(port);
  if (server === undefined) return false;
  await new Promise((resolve) => server.close(resolve));
  servers.delete(server);
  return true;
}

async function unixSession(path: string, input: string, until: string): Promise<string> {
  const connection = await RawConnection.open(() => connectNet(path), 'connect');
  connection.write(input);
  const received = await connection.waitFor(until);
  connection.destroy();
  return received;
}

describe('clacks serve --config', () => {
  afterEach(async () => {
    for (const child of running) child.kill('SIGKILL');
    await Promise.all([...running].map((child) => child.exited));
    running.clear();
    for (const server of servers) server.close();
    servers.clear();
    removeScratchDirectories();
  });

  it("the reference's example config starts unchanged: its socket, its TLS port, its user, its persistence file", async () => {
    const directory = exampleDirectory('clacks_master_unixdomainsocket.xml');
    // The example's fixed port: taken by something else, the test says so rather than failing on the machine's account.
    const args = ['--config', 'clacks_master_unixdomainsocket.xml', ...((await portFree(18888)) ? [] : ['--port', '0'])];
    const cli = serve(args, directory);
    await cli.waitFor(/listening on tls:\/\/127\.0\.0\.1:\d+/);
    expect(cli.stdout).toContain('listening on unix:example.sock');
    expect(cli.stderr).toContain('note: <throttle> has no meaning here');
    const reply = await unixSession(join(directory, 'example.sock'), `${AUTH.main}STORE k=v\r\nRETRIEVE k\r\n`, 'RETRIEVED k=v\r\n');
    expect(reply).toContain('RETRIEVED k=v\r\n');
    cli.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(readFileSync(join(directory, 'clackspersistance.dat'), 'latin1')).toMatch(/^\0CLACKSV3--- \nk: \n {2}accesstime: '\d+\.\d+'\n {2}cachetime: '\d+\.\d+'\n {2}data: v\n {2}deleted: 0\n\0CLACKSV3$/);
  });

  it('flags override the config; --print-config shows the effective settings with every password redacted', async () => {
    const result = await runServe(
      ['--config', join(FIXTURES, 'config/transcripts_server.xml'), '--socket', '/tmp/other.sock', '--ping-timeout', '30', '--user', 'cli:clipassword', '--print-config'],
      { cwd: FIXTURES },
    );
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      listeners: [{ unix: '/tmp/other.sock', mode: '0770' }, { tls: '127.0.0.1:49888', cert: '/srv/clacks/server.crt' }],
      users: [{ username: 'cli', password: '(redacted)', permissions: ['read', 'write', 'manage', 'interclacks'] }],
      persistence: { file: '/srv/clacks/persist/data/p.dat', interval: 1 },
      timeouts: { auth: 5, ping: 30, stalledWrite: 60 },
      cache: { deletedCacheTime: 3600, staleCacheTime: 86400, cacheCleanInterval: 60 },
    });
    const all = await runServe(['--config', join(FIXTURES, 'config/transcripts_server.xml'), '--print-config']);
    for (const password of ['unsafepassword', 'foo', 'bar', 'baz']) expect(all.stdout).not.toContain(`"${password}"`);
    expect(all.stdout).toContain('"username": "wouser"');
  });

  it('--print-config shows every timeout and limit given as a flag as the server will use it', async () => {
    const result = await runServe(
      [
        '--config', join(FIXTURES, 'config/transcripts_server.xml'),
        '--stalled-write-timeout', '5',
        '--tls-handshake-timeout', '3',
        '--max-output-buffer', '1M',
        '--login-failure-delay', '0.5',
        '--max-connections', 'unlimited',
        '--print-config',
      ],
      { cwd: FIXTURES },
    );
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    // The config says <stalledwritetimeout>60</stalledwritetimeout>: the flag wins, in what is printed too.
    expect(printed).toMatchObject({ timeouts: { auth: 5, ping: 5, stalledWrite: 5, tlsHandshake: 3 } });
    expect(printed.limits).toMatchObject({
      maxOutputBuffer: 1024 * 1024,
      loginFailureDelay: 0.5,
      maxConnections: 'unlimited',
      maxPreAuthLineLength: 64 * 1024,
      maxLoginFailureDelay: 1,
    });
  });

  it.each([
    ['malformed XML, with file, line and column', '<clacks>\n  <port>1</prot>\n</clacks>\n', /clacks serve: .*clacks\.xml:2:\d+: malformed XML: Expected closing tag 'port'/],
    ['a missing certificate file, named', '<clacks><ip>127.0.0.1</ip><port>0</port><ssl><cert>missing.crt</cert><key>missing.key</key></ssl><username>a</username><password>b</password></clacks>', /cannot read the certificate missing\.crt \(<ssl><cert> in .*\): no such file/],
    ['a <master> that names neither a socket nor an address', '<clacks><socket>s.sock</socket><username>a</username><password>b</password><master></master></clacks>', /<master> needs <socket>, or <ip> and <port>/],
    ['no main user', '<clacks><socket>s.sock</socket></clacks>', /needs <username> and <password>/],
  ])('%s: exit 1 with the message', async (_case, xml, message) => {
    const directory = scratchDirectory();
    writeFileSync(join(directory, 'clacks.xml'), xml);
    const result = await runServe(['--config', 'clacks.xml'], { cwd: directory });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('a config file that is not found: exit 1, with where it was looked for', async () => {
    const directory = scratchDirectory();
    const result = await runServe(['--config', 'nowhere.xml'], { cwd: directory, env: { PC_CONFIG_PATHS: '/etc/clacks' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('config file nowhere.xml not found (PC_CONFIG_PATHS=/etc/clacks); looked for /etc/clacks/nowhere.xml');
  });

  it('an unknown key is a warning naming it, and the server starts', async () => {
    const directory = scratchDirectory();
    writeFileSync(join(directory, 'clacks.xml'), '<clacks><socket>s.sock</socket><username>a</username><password>b</password><persistencefile>p.dat</persistencefile></clacks>');
    const cli = serve(['--config', 'clacks.xml'], directory);
    await cli.waitFor('listening on unix:s.sock');
    expect(cli.stderr).toMatch(/warning: .*clacks\.xml: unknown key <persistencefile> ignored \(did you mean <persistancefile>\?\)/);
  });

  it('socketchmod is applied to every Unix socket', async () => {
    const directory = scratchDirectory();
    writeFileSync(join(directory, 'clacks.xml'), '<clacks><socket>a.sock</socket><socket>b.sock</socket><socketchmod>0660</socketchmod><username>a</username><password>b</password></clacks>');
    const cli = serve(['--config', 'clacks.xml'], directory);
    await cli.waitFor('listening on unix:b.sock');
    expect(statSync(join(directory, 'a.sock')).mode & 0o777).toBe(0o660);
    expect(statSync(join(directory, 'b.sock')).mode & 0o777).toBe(0o660);
  });

  it('a TCP port in use is an error (exit 1, naming the address), not a silent success as with the reference', async () => {
    const busy = await listenOn(0);
    const port = (busy?.address() as { port: number }).port;
    const result = await runServe(['--port', String(port), '--cert', join(FIXTURES, 'tls/cert.pem'), '--key', join(FIXTURES, 'tls/key.pem'), '--user', 'a:b']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`EADDRINUSE`);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('a Unix socket a live server answers on is an error too (exit 1)', async () => {
    const directory = scratchDirectory();
    const first = serve(['--socket', join(directory, 's.sock'), '--user', 'a:b'], directory);
    await first.waitFor('listening on unix:');
    const second = await runServe(['--socket', join(directory, 's.sock'), '--user', 'a:b']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another server is listening on ${join(directory, 's.sock')}`);
  });

  it('a persistence file in a directory that does not exist is an error at start (exit 1, naming it)', async () => {
    const directory = scratchDirectory();
    const result = await runServe(['--socket', join(directory, 's.sock'), '--user', 'a:b', '--persist', join(directory, 'missing', 'p.dat')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the directory ${join(directory, 'missing')} does not exist`);
  });

  it('a failed final save of the cache exits 1 with the reason', async () => {
    const directory = scratchDirectory();
    mkdirSync(join(directory, 'data'));
    const file = join(directory, 'data', 'p.dat');
    const cli = serve(['--socket', join(directory, 's.sock'), '--user', 'exampleuser:unsafepassword', '--persist', file, '--persist-interval', '0'], directory);
    await cli.waitFor('listening on unix:');
    await waitUntil(() => existsSync(file), 'the first save');
    await unixSession(join(directory, 's.sock'), `${AUTH.main}STORE k=v\r\nFLUSH f\r\n`, 'FLUSHED f\r\n');
    // The data directory is gone and a file has its name: the final save cannot be written.
    renameSync(join(directory, 'data'), join(directory, 'moved'));
    writeFileSync(join(directory, 'data'), 'not a directory');
    cli.kill('SIGTERM');
    const result = await cli.exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot save the cache to .*p\.dat/);
    expect(result.stderr).toMatch(/shutdown failed: the final save of the cache to .*p\.dat failed/);
  });

  it('OVERHEAD S from a manager ends the process (exit 0), after the final save', async () => {
    const directory = scratchDirectory();
    const file = join(directory, 'p.dat');
    const cli = serve(['--socket', join(directory, 's.sock'), '--user', 'exampleuser:unsafepassword', '--persist', file, '--persist-interval', '0'], directory);
    await cli.waitFor('listening on unix:');
    await unixSession(join(directory, 's.sock'), `${AUTH.main}STORE k=before shutdown\r\nOVERHEAD S 0.1\r\n`, '\r\nQUIT\r\n');
    expect((await cli.exited).code).toBe(0);
    expect(readFileSync(file, 'latin1')).toContain('data: before shutdown');
  });
});
