/**
 * `clacks serve` as a slave: `--master URL` or `<master>` in the reference's
 * config (both were refused with "not supported yet" before), the TLS
 * options, the interclacks timers in the config and on the command line,
 * --print-config, and the mistakes that exit 1.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Running } from '../cli/cli-process.js';
import { readServerConfig, toServerOptions } from '../../src/server/index.js';
import { removeScratchDirectories, scratchDirectory } from '../helpers/persistence.js';
import { runServe, startServe } from '../helpers/serve-process.js';
import { startTestServer, stopTestServers, waitUntil, type TestServer } from '../helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const running = new Set<Running>();

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  await Promise.all([...running].map((child) => child.exited));
  running.clear();
  await stopTestServers();
  removeScratchDirectories();
});

function serve(args: string[], cwd: string): Running {
  const child = startServe(args, { cwd });
  running.add(child);
  return child;
}

const slaveUp = (master: TestServer) => waitUntil(() => master.server.links().some((link) => link.role === 'slave' && link.state === 'up'), 'the slave to link up');

describe('clacks serve as a slave', () => {
  it('<master><socket> in the reference config: the server starts and links to its master', async () => {
    const master = await startTestServer({ unix: true });
    const directory = scratchDirectory();
    writeFileSync(
      join(directory, 'slave.xml'),
      `<clacks><socket>slave.sock</socket><username>exampleuser</username><password>unsafepassword</password>` +
        `<interclackspingtimeout>30</interclackspingtimeout><interclacksreconnecttimeout>1</interclacksreconnecttimeout>` +
        `<master><socket>${master.socketPath}</socket></master></clacks>`,
    );
    const cli = serve(['--config', 'slave.xml'], directory);
    await cli.waitFor('listening on unix:slave.sock');
    await slaveUp(master);
    await cli.waitFor(/slave of clacks\+unix:\/\/exampleuser:\*\*\*@localhost\S+ \(interclacks; server id [0-9a-f]+\)/);
    await cli.waitFor(/interclacks: synced with the master/, 'stderr');
    expect(cli.stdout + cli.stderr).not.toContain('unsafepassword');
    cli.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('--master clacks://… over TLS with --master-ca, and the link timers from the command line', async () => {
    // Both ends of a link need the same ping timeout: each PINGs every third of its own.
    const master = await startTestServer({ unix: true, tls: true, interclacks: { pingTimeout: 3_000 } });
    const directory = scratchDirectory();
    copyFileSync(join(FIXTURES, 'tls/cert.pem'), join(directory, 'master-ca.pem'));
    const cli = serve(
      ['--socket', 'slave.sock', '--user', 'exampleuser:unsafepassword', '--master', `clacks://127.0.0.1:${master.port}`, '--master-ca', 'master-ca.pem', '--interclacks-ping-timeout', '3'],
      directory,
    );
    await slaveUp(master);
    // PINGs every second keep a 3 s link alive.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(master.server.links()[0]?.state).toBe('up');
    cli.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('without --master-ca a self-signed master is refused with a clear message, and --master-insecure accepts it', async () => {
    const master = await startTestServer({ unix: true, tls: true });
    const directory = scratchDirectory();
    const strict = serve(['--socket', 'a.sock', '--user', 'exampleuser:unsafepassword', '--master', `clacks://127.0.0.1:${master.port}`], directory);
    await strict.waitFor(/cannot reach the master clacks:\/\/exampleuser:\*\*\*@127\.0\.0\.1:\d+ \(attempt 1\): .*certificate.*--master-ca FILE.*--master-insecure/, 'stderr');
    expect(strict.stderr).toMatch(/note: the master's TLS certificate is verified \(the reference never verifies it\)/);
    const lax = serve(['--socket', 'b.sock', '--user', 'exampleuser:unsafepassword', '--master', `clacks://127.0.0.1:${master.port}`, '--master-insecure'], directory);
    await slaveUp(master);
    lax.kill('SIGTERM');
    expect((await lax.exited).code).toBe(0);
  });

  it('--print-config shows the master (URL password redacted) and every link timer', async () => {
    const result = await runServe(['--socket', 's.sock', '--user', 'a:b', '--master', 'clacks://link:s3cret@master.example:49888', '--interclacks-reconnect-jitter', '2', '--print-config']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('s3cret');
    expect(JSON.parse(result.stdout)).toMatchObject({
      interclacks: { master: { url: 'clacks://link:***@master.example:49888' }, pingTimeout: 60, reconnectTimeout: 30, reconnectJitter: 2, stalledWriteTimeout: 120, lockTimeout: 60 },
    });
  });

  it('warns that --master puts a password on the command line, in the URL\'s user part or in its query', async () => {
    const directory = scratchDirectory();
    for (const [index, url] of ['clacks+unix://link:s3cret-u@localhost/nonexistent.sock', 'clacks+unix:///nonexistent.sock?user=link&password=s3cret-q'].entries()) {
      const cli = serve(['--socket', join(directory, `s${index}.sock`), '--user', 'a:b', '--master', url, '--interclacks-reconnect-timeout', '60'], directory);
      await cli.waitFor(/slave of clacks\+unix:/);
      expect(cli.stderr).toContain('warning: --master with a password puts it on the command line');
      expect(cli.stdout + cli.stderr).not.toMatch(/s3cret/);
    }
  });

  it.each([
    ['a --master that is not a clacks URL', ['--master', 'http://x'], /--master takes a clacks:\/\/host:port \(TLS\) or clacks\+unix:\/\/\/path\.sock URL/],
    ['--master-ca without a master', ['--master-ca', 'x.pem'], /--master-ca and --master-insecure need a master/],
    ['a --master-ca file that is missing', ['--master', 'clacks://127.0.0.1:1', '--master-ca', 'missing.pem'], /cannot read the master's CA file missing\.pem: no such file/],
  ])('%s: exit 1 with the message', async (_case, args, message) => {
    const result = await runServe(['--socket', 's.sock', '--user', 'a:b', ...args], { cwd: scratchDirectory() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('<master> without <socket> or <port>: exit 1; the reference example slave configs read into startServer options', async () => {
    const directory = scratchDirectory();
    writeFileSync(join(directory, 'bad.xml'), '<clacks><socket>s.sock</socket><username>a</username><password>b</password><master><ip>127.0.0.1</ip></master></clacks>');
    const result = await runServe(['--config', 'bad.xml'], { cwd: directory });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/<master> has <ip> but no <port>/);
    const noCerts = (path: string): Buffer => Buffer.from(`PEM of ${path}`);
    expect(toServerOptions(readServerConfig(join(FIXTURES, 'config/clacks_slaveserver2.xml')), noCerts)).toMatchObject({ master: { socketPath: 'example.sock' }, interclacks: { pingTimeout: 60_000 } });
    expect(toServerOptions(readServerConfig(join(FIXTURES, 'config/clacks_slaveserver1.xml')), noCerts)).toMatchObject({ master: { host: '127.0.0.1', port: 49888, tls: {} } });
  });
});
