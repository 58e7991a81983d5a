/**
 * `clacks console` as a child process: what it prints, how it stops, what it
 * refuses. The page itself is tested in test/browser/console.test.ts.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, runCli, startCli, type CliResult, type Running } from './cli-process.js';
import { useTestEnv } from '../helpers/client-env.js';
import { waitFor } from '../helpers/wait.js';

const env = useTestEnv({}, { build: true });
const dir = mkdtempSync(path.join(tmpdir(), 'clacks-console-cli-'));
const fixtures = path.resolve(import.meta.dirname, '../fixtures/tls');
const URL_LINE = /^(https?:\/\/127\.0\.0\.1:(\d+)\/#key=[\w-]{43})\n/;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adminUrl = (): string => `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;

async function started(running: Running): Promise<{ url: string; port: number }> {
  await running.waitFor(URL_LINE);
  const match = URL_LINE.exec(running.stdout) as RegExpExecArray;
  return { url: match[1] as string, port: Number(match[2]) };
}

/** How a console that should refuse to start ended: its exit, or 'started' (then it is stopped) when it printed its URL after all. */
async function exitedOrStarted(running: Running): Promise<CliResult | 'started'> {
  const startedAnyway = running.waitFor(URL_LINE).then(
    () => 'started' as const,
    () => running.exited,
  );
  const result = await Promise.race([running.exited, startedAnyway]);
  if (result === 'started') running.kill('SIGTERM');
  await running.exited;
  return result;
}

describe('clacks console', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints the URL to open, says where it is connected (no password), and exits 0 on ${signal}`, { timeout: CHILD_TIMEOUT }, async () => {
      const running = startCli(['console', '--url', adminUrl()]);
      const { url } = await started(running);
      await running.waitFor('Ctrl-C stops', 'stderr');
      expect(running.stderr).toContain(`clacks+unix://exampleuser@localhost${env.socketPath} (net-clacks`);
      expect(running.stderr).toContain('as exampleuser');
      const page = await fetch(url.replace(/#.*$/, ''));
      expect(page.status).toBe(200);
      running.kill(signal);
      const result = await running.exited;
      expect(result.code).toBe(0);
      expect(`${result.stdout}${result.stderr}`).not.toContain('unsafepassword');
      expect(result.stderr).toContain(`${signal}, shutting down`);
      await expect(fetch(url.replace(/#.*$/, ''))).rejects.toThrow(); // nothing listens any more
    });
  }

  it('takes --socket, --user and CLACKS_PASSWORD like every client subcommand, and --listen for its own port', { timeout: CHILD_TIMEOUT }, async () => {
    const port = await freePort();
    const running = startCli(['console', '--socket', env.socketPath, '--user', 'rouser', '--listen', `127.0.0.1:${port}`, '-q'], { CLACKS_PASSWORD: 'bar' });
    const shown = await started(running);
    expect(shown.port).toBe(port);
    expect(running.stderr).toBe(''); // -q: the URL only
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  it('without credentials starts all the same: the page asks for them', { timeout: CHILD_TIMEOUT }, async () => {
    const running = startCli(['console'], { CLACKS_URL: `clacks+unix://localhost${env.socketPath}` });
    await started(running);
    await running.waitFor('the page asks for a user and password', 'stderr');
    running.kill('SIGINT');
    expect((await running.exited).code).toBe(0);
  });

  it('without credentials still checks that the server answers: none at the socket exits 2 (the login form would be a dead end)', { timeout: CHILD_TIMEOUT }, async () => {
    const running = startCli(['console', '--url', `clacks+unix://localhost${path.join(dir, 'nobody-here.sock')}`]);
    // Before the fix the console started and printed its URL: stop it and fail.
    const result = await exitedOrStarted(running);
    expect(result, running.stdout).not.toBe('started');
    expect(result === 'started' ? undefined : result.code).toBe(2);
    expect(running.stderr).toContain('nobody-here.sock');
    expect(running.stdout).toBe('');
  });

  it('checks the credentials at start: a wrong password exits 2, and is never printed', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['console', '--url', `clacks+unix://exampleuser:not-the-password@localhost${env.socketPath}`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^clacks console: authentication failed/);
    expect(result.stderr).not.toContain('not-the-password');
  });

  it('refuses what it cannot serve safely: off loopback without TLS, a wildcard address, a gateway URL, no server', { timeout: CHILD_TIMEOUT }, async () => {
    const offLoopback = await runCli(['console', '--url', adminUrl(), '--listen', '192.0.2.1:8080']);
    expect(offLoopback.code).toBe(1);
    expect(offLoopback.stderr).toContain('192.0.2.1 is not loopback: off loopback the console needs --cert and --key (https)');
    const cert = path.join(fixtures, 'cert.pem');
    const key = path.join(fixtures, 'key.pem');
    const wildcard = await runCli(['console', '--url', adminUrl(), '--listen', '0.0.0.0:0', '--cert', cert, '--key', key]);
    expect(wildcard.code).toBe(1);
    expect(wildcard.stderr).toContain('needs the address the browser will use');
    const gateway = await runCli(['console', '--url', 'ws://exampleuser:pw@127.0.0.1:8080/']);
    expect(gateway.code).toBe(1);
    expect(gateway.stderr).toContain('not to a gateway');
    const nothing = await runCli(['console']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('no server given');
    const halfTls = await runCli(['console', '--url', adminUrl(), '--cert', cert]);
    expect(halfTls.code).toBe(1);
    expect(halfTls.stderr).toContain('--cert and --key together');
  });

  it("refuses --port next to a URL or socket (it is the Clacks server's TLS port, not the console's: that is --listen)", { timeout: CHILD_TIMEOUT }, async () => {
    for (const args of [['--url', adminUrl(), '--port', '8080'], ['--socket', env.socketPath, '--user', 'exampleuser', '--password', 'unsafepassword', '--port', '8080']]) {
      const running = startCli(['console', ...args]);
      // Before the fix the console started on a random port, ignoring --port: stop it and fail.
      const result = await exitedOrStarted(running);
      expect(result, running.stdout).not.toBe('started');
      expect(result === 'started' ? undefined : result.code).toBe(1);
      expect(running.stderr).toContain('--port');
      expect(running.stderr).toContain('--listen');
      expect(running.stderr).not.toContain('unsafepassword');
    }
  });

  it("explains a TLS certificate it does not trust with the CLI's --ca FILE and --insecure, not library options", { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['console', '--url', `clacks://exampleuser:unsafepassword@127.0.0.1:${env.port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ca FILE');
    expect(result.stderr).toContain('--insecure');
    expect(result.stderr).toContain(`clacks://exampleuser:***@127.0.0.1:${env.port}`);
    expect(result.stderr).not.toMatch(/rejectUnauthorized|tls: \{/);
  });

  it('without credentials says the same at start: --ca FILE or --insecure, not library options', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['console', '--url', `clacks://127.0.0.1:${env.port}`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--ca FILE');
    expect(result.stderr).toContain('--insecure');
    expect(result.stderr).not.toMatch(/rejectUnauthorized|tls: \{/);
  });

  it('says in its help what --listen defaults to, in words', { timeout: CHILD_TIMEOUT }, async () => {
    const help = await runCli(['console', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--listen <\[host:\]port>[\s\S]*\(default:\s+127\.0\.0\.1,\s+a\s+free\s+port\)/);
    expect(help.stdout).not.toContain('{"host"');
  });

  it('exits 2 when its port is taken', { timeout: CHILD_TIMEOUT }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const result = await runCli(['console', '--url', adminUrl(), '--listen', `127.0.0.1:${port}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('cannot start');
      expect(result.stderr).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });

  it('speaks https with --cert and --key', { timeout: CHILD_TIMEOUT }, async () => {
    const running = startCli(['console', '--url', adminUrl(), '--cert', path.join(fixtures, 'cert.pem'), '--key', path.join(fixtures, 'key.pem')]);
    const { url } = await started(running);
    expect(url).toMatch(/^https:/);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpsRequest(url.replace(/#.*$/, ''), { ca: readFileSync(path.join(fixtures, 'cert.pem')) }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(200);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  it('opens a browser only with --open ($BROWSER gets the URL)', { timeout: CHILD_TIMEOUT }, async () => {
    const opened = path.join(dir, 'opened.txt');
    const browser = path.join(dir, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`);
    chmodSync(browser, 0o755);
    const quiet = startCli(['console', '--url', adminUrl()], { BROWSER: browser });
    await started(quiet);
    quiet.kill('SIGTERM');
    await quiet.exited;
    expect(existsSync(opened)).toBe(false);

    const running = startCli(['console', '--url', adminUrl(), '--open'], { BROWSER: browser });
    const { url } = await started(running);
    await waitFor(() => existsSync(opened) && readFileSync(opened, 'utf8').includes('\n'), 10_000, 'the browser command');
    expect(readFileSync(opened, 'utf8')).toBe(`${url}\n`);
    running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
