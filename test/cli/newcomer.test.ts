/**
 * Issue 16, CLI defects: the TLS error names the CLI's flags (3), a one-shot
 * write sends one FLUSH, not two (4), and `clacks shell` fed from a pipe
 * exits non-zero after a server error (5).
 */
import { describe, expect, it } from 'vitest';
import type { DebugEvent } from '../../src/index.js';
import { useTestEnv } from '../helpers/client-env.js';
import { CHILD_TIMEOUT, runCli } from './cli-process.js';

const env = useTestEnv({}, { build: true });
const url = () => `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;

describe('a TLS certificate the CLI does not trust', () => {
  it('is explained with --ca FILE and --insecure, not library options', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runCli(['get', 'k', '--host', '127.0.0.1', '--port', String(env.port), '--user', 'exampleuser', '--password', 'unsafepassword']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ca FILE');
    expect(result.stderr).toContain('--insecure');
    expect(result.stderr).toContain(`clacks://exampleuser:***@127.0.0.1:${env.port}`);
    expect(result.stderr).not.toMatch(/rejectUnauthorized|tls: \{/);
  });
});

describe('one-shot writes', () => {
  it('send exactly one FLUSH each', { timeout: CHILD_TIMEOUT * 3 }, async () => {
    const monitor = await env.connect('unix');
    const debug = monitor.events({ types: ['debug'] });
    await monitor.monitor();
    await monitor.flush();
    const commands: Array<[string[], string]> = [
      [['store', 'once::k', 'v'], 'STORE once::k=v'],
      [['set', 'once::s', 'v'], 'SET once::s=v'],
      [['set', 'once::s', 'v', '--store'], 'SETANDSTORE once::s=v'],
      [['notify', 'once::n'], 'NOTIFY once::n'],
      [['incr', 'once::c', '2'], 'INCREMENT once::c=2'],
      [['rm', 'once::k'], 'REMOVE once::k'],
    ];
    for (const [args] of commands) expect((await runCli([...args, '--url', url()])).code).toBe(0);
    await monitor.flush();
    const lines: DebugEvent[] = [];
    while (debug.buffered > 0) lines.push((await debug.next()).value as DebugEvent);
    for (const [, command] of commands) {
      const sender = lines.find((line) => line.text === command)?.sender;
      expect(sender, command).toBeDefined();
      const flushes = lines.filter((line) => line.sender === sender && line.text.startsWith('FLUSH '));
      expect(flushes.length, `FLUSHes after ${command}`).toBe(1);
    }
  });
});

describe('clacks flush', () => {
  it('sends one FLUSH, the one it times', { timeout: CHILD_TIMEOUT }, async () => {
    const monitor = await env.connect('unix');
    const debug = monitor.events({ types: ['debug'] });
    await monitor.monitor();
    await monitor.flush();
    const result = await runCli(['flush', '--url', url()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^FLUSHED in [\d.]+ ms/);
    await monitor.flush();
    const lines: DebugEvent[] = [];
    while (debug.buffered > 0) lines.push((await debug.next()).value as DebugEvent);
    const self = lines.find((line) => line.text === 'MONITOR')?.sender;
    expect(self).toBeDefined();
    const flushes = lines.filter((line) => line.sender !== self && line.text.startsWith('FLUSH '));
    expect(flushes.length, JSON.stringify(lines.map((line) => `${line.sender} ${line.text}`))).toBe(1);
  });
});

describe('clacks shell from a pipe', () => {
  it('exits 3 after a server error, 0 without one', { timeout: CHILD_TIMEOUT * 2 }, async () => {
    const failed = await runCli(['shell', '--url', url()], { input: 'STORE shell::ok=1\nBOGUS\nRETRIEVE shell::ok\n' });
    expect(failed.code).toBe(3);
    expect(failed.stdout).toContain('RETRIEVED shell::ok=1'); // it went on after the error
    expect(failed.stderr).toContain('unknown_command BOGUS');
    const clean = await runCli(['shell', '--url', url()], { input: 'STORE shell::ok=2\nRETRIEVE shell::ok\n' });
    expect(clean.code).toBe(0);
  });

  it('exits 3 when the server refuses a line', { timeout: CHILD_TIMEOUT }, async () => {
    const refused = await runCli(['shell', '--url', `clacks+unix://rouser:bar@localhost${env.socketPath}`, '--json'], { input: 'STORE shell::no=1\n' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/permission_denied/);
  });
});
