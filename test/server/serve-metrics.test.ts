/**
 * `clacks serve --metrics HOST:PORT` as an operator runs it: the server
 * prints where its metrics are, a Prometheus scrape sees the SDK's traffic,
 * and a non-loopback address is refused unless `--metrics-allow-remote`.
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import type { Running } from '../cli/cli-process.js';
import { removeScratchDirectories, scratchDirectory } from '../helpers/persistence.js';
import { parseExposition } from '../helpers/prometheus.js';
import { runServe, startServe } from '../helpers/serve-process.js';

const running = new Set<Running>();
const blockers = new Set<Server>();

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  await Promise.all([...running].map((child) => child.exited));
  running.clear();
  for (const server of blockers) server.close();
  blockers.clear();
  removeScratchDirectories();
});

async function scrape(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

describe('clacks serve --metrics', () => {
  it('serves the metrics of the running server on the address it prints', async () => {
    const socketPath = join(scratchDirectory(), 'clacks.sock');
    const child = startServe(['--socket', socketPath, '--user', 'admin:s3cret', '--user', 'reader:pw:r', '--metrics', '127.0.0.1:0']);
    running.add(child);
    await child.waitFor(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics\n/);
    const url = /metrics on (http:\S+)\n/.exec(child.stdout)?.[1] as string;

    const before = await scrape(url);
    expect(before.value('clacks_connections', { state: 'authenticated' })).toBe(0);
    const client = await createClient({ path: socketPath, username: 'admin', password: 's3cret' });
    try {
      await client.store('greeting', 'hello');
      expect(await client.retrieve('greeting')).toBe('hello');
      const after = await scrape(url);
      const delta = (command: string) => after.value('clacks_commands_total', { command }) - before.value('clacks_commands_total', { command });
      expect(delta('STORE')).toBe(1);
      expect(delta('RETRIEVE')).toBe(1);
      expect(after.value('clacks_logins_total', { result: 'success' })).toBe(1);
      expect(after.series('clacks_authenticated_clients')).toEqual(new Map([['admin', 1], ['reader', 0]]));
      expect(after.value('clacks_cache_keys')).toBe(1);
      expect(after.value('clacks_cache_bytes')).toBe('greeting'.length + 'hello'.length);
      expect(after.value('process_resident_memory_bytes')).toBeGreaterThan(0);
      expect([...after.series('clacks_server_info').keys()]).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+,net-clacks \d+\.\d+\.\d+$/)]);
    } finally {
      await client.close();
    }
    expect((await fetch(url.replace(/\/metrics$/, '/'))).status).toBe(404);
    // Never a password in what it serves.
    expect(await (await fetch(url)).text()).not.toContain('s3cret');
  });

  it('refuses a non-loopback address without --metrics-allow-remote (exit 1), and a port in use (exit 1 too)', async () => {
    const socketPath = join(scratchDirectory(), 'clacks.sock');
    const refused = await runServe(['--socket', socketPath, '--user', 'admin:pw', '--metrics', '0.0.0.0:0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--metrics 0\.0\.0\.0:0: 0\.0\.0\.0 is not a loopback address.*--metrics-allow-remote/);
    const alone = await runServe(['--socket', socketPath, '--user', 'admin:pw', '--metrics-allow-remote']);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('--metrics-allow-remote needs --metrics HOST:PORT');

    const blocker = createServer();
    blockers.add(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const busy = await runServe(['--socket', socketPath, '--user', 'admin:pw', '--metrics', `127.0.0.1:${port}`]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`cannot serve the metrics on 127.0.0.1:${port}`);
  });
});
