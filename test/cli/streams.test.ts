/**
 * The streaming `clacks` subcommands (listen, monitor, shell), run as child
 * processes against the embedded server: output as events arrive, Ctrl-C
 * (SIGINT) ending them with exit 0, and the shell driven through stdin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, type TestEnv } from '../helpers/client-env.js';
import { CHILD_TIMEOUT, ensureBuilt, jsonLines, runCli, startCli } from './cli-process.js';

let env: TestEnv;
let url: string;
const as = (user: string, password: string) => `clacks+unix://${user}:${password}@localhost${env.socketPath}`;

beforeAll(async () => {
  await ensureBuilt();
  env = await startEnv();
  url = as('exampleuser', 'unsafepassword');
}, 300_000);

afterAll(async () => {
  await env?.dispose();
});

describe('clacks listen', () => {
  it('prints SET and NOTIFY as they arrive; Ctrl-C exits 0', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const listen = startCli(['listen', 'door', 'bell', '--url', url]);
    await listen.waitFor('listening to door, bell', 'stderr');
    const producer = await env.connect('unix');
    await producer.set('door', 'open wide');
    await producer.notify('bell');
    await producer.set('elsewhere', 'not listened to');
    await producer.set('door', 'closed');
    await listen.waitFor('SET door=closed');
    listen.kill('SIGINT');
    const result = await listen.exited;
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.replace(/^\S+ /, ''))).toEqual(['SET door=open wide', 'NOTIFY bell', 'SET door=closed']);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} /);
  });

  it('--json --count: one object per signal, exits after the count', { timeout: CHILD_TIMEOUT }, async () => {
    const listen = startCli(['listen', 'sensor', '--url', url, '--json', '--count', '2']);
    await listen.waitFor('listening to sensor', 'stderr');
    const producer = await env.connect('unix');
    await producer.set('sensor', '21.5');
    await producer.notify('sensor');
    const result = await listen.exited;
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      { type: 'set', time: expect.any(String), name: 'sensor', value: '21.5' },
      { type: 'notify', time: expect.any(String), name: 'sensor' },
    ]);
  });

  it('keeps listening across a server restart', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const scratch = await startEnv();
    try {
      const listen = startCli(['listen', 'door', '--url', `clacks+unix://exampleuser:unsafepassword@localhost${scratch.socketPath}`]);
      await listen.waitFor('listening to door', 'stderr');
      await scratch.restart();
      await listen.waitFor('reconnected', 'stderr');
      const producer = await scratch.connect('unix');
      // LISTEN is restored by the reconnect handshake; repeat in case this SET overtakes it on the server.
      const deadline = Date.now() + CHILD_TIMEOUT;
      while (!listen.stdout.includes('SET door=after restart') && Date.now() < deadline) {
        await producer.set('door', 'after restart');
        await listen.waitFor('SET door=after restart', 'stdout', 500).catch(() => {});
      }
      await listen.waitFor('SET door=after restart');
      listen.kill('SIGINT');
      expect((await listen.exited).code).toBe(0);
    } finally {
      await scratch.dispose();
    }
  });

  it('exits 3 when the user may not listen', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['listen', 'door', '--url', as('wouser', 'baz')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('permission denied');
  });
});

describe('clacks monitor', () => {
  it('pretty-prints the DEBUG stream; Ctrl-C exits 0', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const monitor = startCli(['monitor', '--url', url]);
    await monitor.waitFor('monitoring', 'stderr');
    const other = await env.connect('unix', { name: 'monitored' });
    await other.store('watched', 'value');
    await other.flush();
    await monitor.waitFor('STORE watched=value');
    await monitor.waitFor('+ connected');
    monitor.kill('SIGINT');
    const result = await monitor.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \S+ {2}STORE watched=value$/m);
  });

  it('--json: one object per DEBUG line', { timeout: CHILD_TIMEOUT }, async () => {
    const monitor = startCli(['monitor', '--url', url, '--json']);
    await monitor.waitFor('monitoring', 'stderr');
    const other = await env.connect('unix');
    await other.notify('monitored::signal');
    await monitor.waitFor('monitored::signal');
    monitor.kill('SIGTERM');
    const result = await monitor.exited;
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toContainEqual({ type: 'debug', time: expect.any(String), sender: expect.any(String), text: 'NOTIFY monitored::signal' });
  });

  it('exits 3 without the manage permission', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['monitor', '--url', as('rwuser', 'foo')]);
    expect(result.code).toBe(3);
  });
});

describe('clacks shell', () => {
  it('sends raw lines from stdin and shows every reply; ends at the end of input', { timeout: CHILD_TIMEOUT }, async () => {
    const input = ['STORE shell::k=v', 'RETRIEVE shell::k', 'RETRIEVE shell::missing', 'KEYLIST', 'BOGUS', 'FLUSH marker', ''].join('\n');
    const result = await runCli(['shell', '--url', url], { input });
    expect(result.code).toBe(3); // BOGUS: a server error, and the input was a pipe
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain('RETRIEVED shell::k=v');
    expect(lines).toContain('NOTRETRIEVED shell::missing');
    expect(lines).toContain('KEYLISTSTART');
    expect(lines).toContain('KEY shell::k');
    expect(lines).toContain('OVERHEAD E unknown_command BOGUS');
    expect(lines.at(-1)).toBe('FLUSHED marker');
  });

  it('stops at QUIT without sending it (or anything after it)', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['shell', '--url', url, '--json'], { input: 'RETRIEVE shell::k\nquit\nRETRIEVE never::sent\n' });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([{ type: 'unsolicited', kind: 'retrieved', line: 'RETRIEVED shell::k=v' }]);
  });

  it('shows signals as they arrive while waiting for input; Ctrl-C exits 0', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const shell = startCli(['shell', '--url', url]);
    await shell.waitFor('connected to', 'stderr');
    shell.write('LISTEN shell::live\nFLUSH listening\n');
    await shell.waitFor('FLUSHED listening');
    const producer = await env.connect('unix');
    await producer.set('shell::live', 'hello from elsewhere');
    await shell.waitFor('SET shell::live=hello from elsewhere');
    shell.write('MONITOR\n');
    await producer.notify('shell::live');
    await shell.waitFor('DEBUG ');
    shell.kill('SIGINT');
    expect((await shell.exited).code).toBe(0);
  });

  it('exits 2 when it cannot log in', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['shell', '--url', as('exampleuser', 'nope')], { input: 'PING\n' });
    expect(result.code).toBe(2);
  });
});

describe('clacks disconnect', () => {
  it('drops a client by its cid', { timeout: CHILD_TIMEOUT }, async () => {
    const victim = await env.connect('unix', { name: 'victim', reconnect: false });
    await victim.flush();
    const clients = jsonLines((await runCli(['clients', '--url', url, '--json'])).stdout);
    const cid = clients.find((entry) => entry.clientInfo === 'victim')?.cid as string;
    expect(cid).toBeTruthy();
    const statuses = victim.status();
    expect(await runCli(['disconnect', cid, '--url', url])).toMatchObject({ code: 0 });
    for await (const status of statuses) if (status.type === 'closed' || status.type === 'disconnected') break;
    expect(victim.state).toBe('closed');
  });
});
