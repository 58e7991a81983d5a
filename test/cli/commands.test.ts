/**
 * The one-shot `clacks` subcommands, run as a user would (the built CLI in a
 * child process) against the embedded server: results, --json, connection
 * flags, and the exit codes scripts rely on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, TLS_CERT, type TestEnv } from '../helpers/client-env.js';
import { CHILD_TIMEOUT, ensureBuilt, jsonLines, runCli } from './cli-process.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let env: TestEnv;
let url: string;
let dir: string;
const as = (user: string, password: string) => `clacks+unix://${user}:${password}@localhost${env.socketPath}`;

beforeAll(async () => {
  await ensureBuilt();
  env = await startEnv();
  url = as('exampleuser', 'unsafepassword');
  dir = mkdtempSync(path.join(tmpdir(), 'clacks-cli-test-'));
}, 300_000);

afterAll(async () => {
  await env?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('clacks --help', () => {
  it('lists every subcommand', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['serve', 'monitor', 'listen', 'notify', 'set', 'store', 'get', 'incr', 'decr', 'rm', 'keys', 'clients', 'flush', 'shell']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    expect(result.stdout).toContain('Exit codes');
  });

  it('shows the connection flags of a subcommand', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['get', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--url', '--socket', '--host', '--port', '--user', '--password', '--insecure', '--ca', '--json']) expect(result.stdout).toContain(flag);
  });
});

describe('cache and signal commands', () => {
  it('store, get, incr, decr, keys with a pattern, rm', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const cli = (...args: string[]) => runCli([...args, '--url', url]);
    expect(await cli('store', 'cli::greeting', 'hello world')).toMatchObject({ code: 0, stdout: '' });
    expect(await cli('get', 'cli::greeting')).toMatchObject({ code: 0, stdout: 'hello world\n' });
    expect(await cli('incr', 'cli::visits', '5')).toMatchObject({ code: 0, stdout: '5\n' });
    expect(await cli('incr', 'cli::visits')).toMatchObject({ code: 0, stdout: '6\n' });
    expect(await cli('decr', 'cli::visits', '1.5')).toMatchObject({ code: 0, stdout: '4.5\n' });
    await cli('store', 'cli::other', 'x');

    const keys = await cli('keys', 'cli::v*');
    expect(keys).toMatchObject({ code: 0, stdout: 'cli::visits\n' });
    const all = await cli('keys');
    expect(all.stdout.split('\n')).toEqual(expect.arrayContaining(['cli::greeting', 'cli::other', 'cli::visits']));
    expect((await cli('keys', 'cli::?ther')).stdout).toBe('cli::other\n');

    expect(await cli('rm', 'cli::other')).toMatchObject({ code: 0 });
    const missing = await cli('get', 'cli::other');
    expect(missing).toMatchObject({ code: 0, stdout: '' });
    expect(missing.stderr).toContain('no such key');
    // The CLI's own client saw everything land: another connection reads the same.
    const client = await env.connect('unix');
    expect(await client.retrieve('cli::greeting')).toBe('hello world');
    expect(await client.retrieve('cli::other')).toBeUndefined();
  });

  it('set and notify reach listeners; set --store also stores', { timeout: CHILD_TIMEOUT }, async () => {
    const listener = await env.connect('unix');
    const subscription = listener.subscribe(['cli::door', 'cli::bell']);
    await subscription.ready;
    await listener.flush();
    expect(await runCli(['set', 'cli::door', 'open', '--url', url])).toMatchObject({ code: 0 });
    expect(await runCli(['notify', 'cli::bell', '--url', url])).toMatchObject({ code: 0 });
    expect(await runCli(['set', 'cli::door', 'closed', '--store', '--url', url])).toMatchObject({ code: 0 });
    const seen = [];
    for await (const event of subscription) {
      seen.push(event);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([
      { type: 'set', name: 'cli::door', value: 'open' },
      { type: 'notify', name: 'cli::bell' },
      { type: 'set', name: 'cli::door', value: 'closed' },
    ]);
    expect(await listener.retrieve('cli::door')).toBe('closed');
  });

  it('get --decode reads what Perl ClacksCache stored', { timeout: CHILD_TIMEOUT }, async () => {
    await runCli(['store', 'cli::struct', 'PAGECAMELCLACKSYAMLB64: LS0tIAphOiAxCmxpc3Q6IAogIC0gMQogIC0gMgo=', '--url', url]);
    expect((await runCli(['get', 'cli::struct', '--decode', '--url', url])).stdout).toBe('{"a":1,"list":[1,2]}\n');
    const json = await runCli(['get', 'cli::struct', '--decode', '--json', '--url', url]);
    expect(jsonLines(json.stdout)).toEqual([{ name: 'cli::struct', found: true, value: { a: 1, list: [1, 2] } }]);
  });

  it('flush and clearcache', { timeout: CHILD_TIMEOUT }, async () => {
    const flush = await runCli(['flush', '--url', url]);
    expect(flush.code).toBe(0);
    expect(flush.stdout).toMatch(/^FLUSHED in [\d.]+ ms/);
    const scratch = await startEnv();
    try {
      const scratchUrl = `clacks+unix://exampleuser:unsafepassword@localhost${scratch.socketPath}`;
      await runCli(['store', 'a', '1', '--url', scratchUrl]);
      expect(await runCli(['clearcache', '--url', scratchUrl])).toMatchObject({ code: 0 });
      expect(await runCli(['keys', '--url', scratchUrl])).toMatchObject({ code: 0, stdout: '' });
    } finally {
      await scratch.dispose();
    }
  });
});

describe('--json', () => {
  it('prints one JSON object per line', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const cli = (...args: string[]) => runCli([...args, '--url', url, '--json']);
    expect(jsonLines((await cli('store', 'json::a', 'v')).stdout)).toEqual([{ ok: true, command: 'store', name: 'json::a', value: 'v' }]);
    expect(jsonLines((await cli('get', 'json::a')).stdout)).toEqual([{ name: 'json::a', found: true, value: 'v' }]);
    expect(jsonLines((await cli('get', 'json::missing')).stdout)).toEqual([{ name: 'json::missing', found: false, value: null }]);
    expect(jsonLines((await cli('incr', 'json::n', '2')).stdout)).toEqual([{ name: 'json::n', value: '2' }]);
    expect(jsonLines((await cli('keys', 'json::*')).stdout)).toEqual([{ key: 'json::a' }, { key: 'json::n' }]);
    expect(jsonLines((await cli('set', 'json::s', 'x')).stdout)).toEqual([{ ok: true, command: 'set', name: 'json::s', value: 'x' }]);
    expect(jsonLines((await cli('notify', 'json::s')).stdout)).toEqual([{ ok: true, command: 'notify', name: 'json::s' }]);
    expect(jsonLines((await cli('rm', 'json::a')).stdout)).toEqual([{ ok: true, command: 'rm', name: 'json::a' }]);
    const flush = jsonLines((await cli('flush')).stdout);
    expect(flush).toEqual([{ ok: true, command: 'flush', ms: expect.any(Number) }]);
  });

  it('clients: a table, or one object per client', { timeout: CHILD_TIMEOUT }, async () => {
    const other = await env.connect('unix', { name: 'cli-test-observer' });
    await other.flush();
    const table = await runCli(['clients', '--url', url]);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^CID\s+CLIENT\s+MONITOR/);
    expect(rows.some((row) => row.includes('cli-test-observer'))).toBe(true);
    expect(rows.some((row) => row.includes('clacks-cli/') && row.includes(' clients'))).toBe(true);

    const json = jsonLines((await runCli(['clients', '--url', url, '--json'])).stdout);
    expect(json.find((entry) => entry.clientInfo === 'cli-test-observer')).toMatchObject({ monitor: false, interclacks: false, cid: expect.any(String) });
  });

  it('reports errors on stderr as JSON', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['store', 'k', 'v', '--url', as('rouser', 'bar'), '--json']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(jsonLines(result.stderr)).toEqual([{ error: { code: 'PERMISSION_DENIED', message: expect.stringContaining('permission denied') } }]);
  });
});

describe('connecting', () => {
  it('uses CLACKS_URL, and CLACKS_PASSWORD when the URL has no password', { timeout: CHILD_TIMEOUT }, async () => {
    expect(await runCli(['store', 'env::a', '1'], { env: { CLACKS_URL: url } })).toMatchObject({ code: 0 });
    const passwordless = `clacks+unix://exampleuser@localhost${env.socketPath}`;
    const result = await runCli(['get', 'env::a'], { env: { CLACKS_URL: passwordless, CLACKS_PASSWORD: 'unsafepassword' } });
    expect(result).toMatchObject({ code: 0, stdout: '1\n' });
  });

  it('takes --socket with --user and --password', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['get', 'env::a', '--socket', env.socketPath, '--user', 'rwuser', '--password', 'foo']);
    expect(result).toMatchObject({ code: 0, stdout: '1\n' });
  });

  it('takes --host/--port over TLS with --insecure or --ca', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const tcp = ['--host', '127.0.0.1', '--port', String(env.port), '--user', 'exampleuser', '--password', 'unsafepassword'];
    const refused = await runCli(['get', 'env::a', ...tcp]);
    expect(refused.code).toBe(2); // a self-signed certificate is not trusted by default
    expect(await runCli(['get', 'env::a', ...tcp, '--insecure'])).toMatchObject({ code: 0, stdout: '1\n' });
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, TLS_CERT);
    expect(await runCli(['get', 'env::a', ...tcp, '--ca', ca])).toMatchObject({ code: 0, stdout: '1\n' });
    const viaUrl = await runCli(['get', 'env::a', '--url', `clacks://exampleuser:unsafepassword@127.0.0.1:${env.port}`, '--insecure']);
    expect(viaUrl).toMatchObject({ code: 0, stdout: '1\n' });
  });

  it('refuses flags that would be ignored: --socket, --host or --port next to --url; --host or --port next to --socket', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    // Each of these used to run against the --url (or --socket) server, silently ignoring the rest.
    const cases: Array<[string[], string]> = [
      [['--url', url, '--port', '1234'], '--port'],
      [['--url', url, '--socket', '/nonexistent.sock'], '--socket'],
      [['--url', url, '--host', 'example.invalid'], '--host'],
      [['--socket', env.socketPath, '--user', 'exampleuser', '--password', 'unsafepassword', '--port', '1234'], '--port'],
    ];
    for (const [flags, named] of cases) {
      const result = await runCli(['get', 'env::a', ...flags]);
      expect(result.code, `${flags.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1);
      expect(result.stderr).toContain(named);
      expect(result.stderr).not.toContain('unsafepassword');
    }
  });

  it('never prints the password', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['get', 'x', '--socket', env.socketPath, '--user', 'exampleuser', '--password', 's3cr3t-wrong']);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain('s3cr3t-wrong');
  });

  it('prints no colour codes when the output is not a terminal', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['clients', '--url', url]);
    expect(result.stdout).not.toContain('\u001b[');
  });
});

describe('exit codes', () => {
  it('1 for bad usage', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    expect((await runCli(['get'])).code).toBe(1); // missing argument
    expect((await runCli(['frobnicate'])).code).toBe(1); // unknown subcommand
    expect((await runCli(['get', 'k', '--url', url, '--bogus'])).code).toBe(1); // unknown flag
    expect((await runCli(['get', 'k'])).code).toBe(1); // no server given
    const badName = await runCli(['store', 'bad key', 'v', '--url', url]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('name');
    expect((await runCli(['incr', 'k', 'lots', '--url', url])).code).toBe(1); // not a number
    expect((await runCli(['get', 'k', '--url', 'http://example.org'])).code).toBe(1);
  });

  it('2 for a wrong password or no server', { timeout: CHILD_TIMEOUT }, async () => {
    const wrong = await runCli(['get', 'k', '--url', as('exampleuser', 'wrong')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/authentication failed/i);
    const nobody = await runCli(['get', 'k', '--socket', path.join(dir, 'nobody.sock'), '--user', 'u', '--password', 'p']);
    expect(nobody.code).toBe(2);
  });

  it('3 when the server refuses a write, a read or a manage command', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const reader = as('rouser', 'bar');
    const writer = as('wouser', 'baz');
    const refusedWrite = await runCli(['store', 'k', 'v', '--url', reader]);
    expect(refusedWrite.code).toBe(3);
    expect(refusedWrite.stderr).toContain('permission denied');
    expect((await runCli(['set', 'k', 'v', '--url', reader])).code).toBe(3);
    expect((await runCli(['get', 'k', '--url', writer])).code).toBe(3);
    expect((await runCli(['keys', '--url', writer])).code).toBe(3);
    expect((await runCli(['clients', '--url', reader])).code).toBe(3);
    // and the same user succeeds where it has the permission
    expect((await runCli(['get', 'k', '--url', reader])).code).toBe(0);
  });
});
