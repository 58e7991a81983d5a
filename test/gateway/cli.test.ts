/** `clacks gateway` and `clacks serve --ws` as a user runs them: the built CLI as a child process. */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { CHILD_TIMEOUT, ensureBuilt, runCli, startCli, type Running } from '../cli/cli-process.js';
import { useTestEnv } from '../helpers/client-env.js';

const env = useTestEnv();
const running: Running[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 240_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
});

function start(args: string[]): Running {
  const child = startCli(args);
  running.push(child);
  return child;
}

/** The ws:// URL a child printed. */
function printedUrl(child: Running): string {
  const match = /(wss?:\/\/\S+?) /.exec(child.stdout) ?? /(wss?:\/\/\S+)/.exec(child.stdout);
  if (!match?.[1]) throw new Error(`no URL in:\n${child.stdout}`);
  return match[1];
}

function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
}

describe('clacks gateway', () => {
  it('bridges pages to the upstream, prints where it listens, stops on SIGTERM', { timeout: CHILD_TIMEOUT }, async () => {
    const gateway = start(['gateway', '--listen', '127.0.0.1:0', '--upstream', `clacks+unix://${env.socketPath}`]);
    await gateway.waitFor(/gateway listening on ws:\/\/127\.0\.0\.1:\d+\/, bridging to clacks\+unix:/);
    const client = await createClient(withCredentials(printedUrl(gateway), 'exampleuser', 'unsafepassword'));
    await client.store('cli::gateway', 'through the CLI');
    // store() resolves once handed to the WebSocket; the gateway (another process) may not
    // have passed it on yet when a direct connection reads. FLUSHED says the server has it.
    await client.flush();
    const direct = await env.connect('unix');
    expect(await direct.retrieve('cli::gateway')).toBe('through the CLI');
    await client.close();
    // The client subcommands take ws:// URLs too; the password is not printed.
    const get = await runCli(['get', 'cli::gateway', '--url', withCredentials(printedUrl(gateway), 'exampleuser', 'unsafepassword')]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim()).toBe('through the CLI');
    const refused = await runCli(['get', 'cli::gateway', '--url', withCredentials(printedUrl(gateway), 'exampleuser', 'wrong-secret')]);
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).not.toContain('wrong-secret');
    gateway.kill('SIGTERM');
    const result = await gateway.exited;
    expect(result.code, result.stderr).toBe(0);
  });

  it("explains an upstream TLS certificate it does not trust with its own flags (--upstream-ca FILE, --upstream-insecure)", { timeout: CHILD_TIMEOUT }, async () => {
    const gateway = start(['gateway', '--listen', '127.0.0.1:0', '--upstream', `clacks://127.0.0.1:${env.port}`]);
    await gateway.waitFor(/gateway listening on ws:/);
    await expect(createClient(withCredentials(printedUrl(gateway), 'exampleuser', 'unsafepassword'))).rejects.toThrow(/unreachable/);
    await gateway.waitFor('--upstream-insecure', 'stderr', 15_000);
    expect(gateway.stderr).toContain('--upstream-ca FILE');
    expect(gateway.stderr).toContain(`clacks://127.0.0.1:${env.port}`);
    expect(gateway.stderr).not.toMatch(/\btls: \{/); // the client's option; the gateway's is upstreamTls
    gateway.kill('SIGTERM');
    await gateway.exited;
  });

  it('refuses to listen off loopback without an Origin allowlist and TLS', { timeout: CHILD_TIMEOUT }, async () => {
    const plain = await runCli(['gateway', '--listen', '0.0.0.0:0', '--upstream', `clacks+unix://${env.socketPath}`]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('--cert/--key');
    const noOrigins = await runCli(['gateway', '--listen', '0.0.0.0:0', '--allow-insecure', '--upstream', `clacks+unix://${env.socketPath}`]);
    expect(noOrigins.code).toBe(1);
    expect(noOrigins.stderr).toContain('--allow-origin');
    const credentials = await runCli(['gateway', '--listen', '127.0.0.1:0', '--upstream', `clacks+unix://admin:secret@localhost${env.socketPath}`]);
    expect(credentials.code).toBe(1);
    expect(credentials.stderr).toContain('must not carry credentials');
    expect(credentials.stderr + credentials.stdout).not.toContain('secret');
  });
});

describe('clacks serve --ws', () => {
  it('adds a WebSocket listener to the embedded server, through a private socket removed at shutdown', { timeout: CHILD_TIMEOUT }, async () => {
    const privateDirs = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('clacks-serve-ws-'));
    const before = new Set(privateDirs());
    const serve = start(['serve', '--user', 'web:webpass', '--ws', '127.0.0.1:0']);
    await serve.waitFor('(WebSocket, for web pages)');
    expect(serve.stdout).not.toContain('unix:');
    const created = privateDirs().filter((name) => !before.has(name));
    expect(created).toHaveLength(1);
    const client = await createClient(withCredentials(printedUrl(serve), 'web', 'webpass'));
    await client.store('serve::ws', 'embedded');
    expect(await client.retrieve('serve::ws')).toBe('embedded');
    const subscription = client.subscribe('serve::signal');
    await subscription.ready;
    const other = await createClient(withCredentials(printedUrl(serve), 'web', 'webpass'));
    await other.set('serve::signal', 'hi');
    for await (const event of subscription) {
      expect(event).toEqual({ type: 'set', name: 'serve::signal', value: 'hi' });
      break;
    }
    await other.close();
    await client.close();
    serve.kill('SIGTERM');
    const result = await serve.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(tmpdir(), created[0] as string))).toBe(false);
  });

  it('uses the first --socket as the upstream when there is one', { timeout: CHILD_TIMEOUT }, async () => {
    const socketPath = path.join(path.dirname(env.socketPath), 'serve-ws.sock');
    const serve = start(['serve', '--socket', socketPath, '--user', 'web:webpass', '--ws', '127.0.0.1:0']);
    await serve.waitFor('(WebSocket, for web pages)');
    expect(serve.stdout).toContain(`listening on unix:${socketPath}`);
    const page = await createClient(withCredentials(printedUrl(serve), 'web', 'webpass'));
    await page.store('serve::shared', 'one cache');
    const local = await createClient({ path: socketPath, username: 'web', password: 'webpass' });
    expect(await local.retrieve('serve::shared')).toBe('one cache');
    await local.close();
    await page.close();
    serve.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
  });
});
