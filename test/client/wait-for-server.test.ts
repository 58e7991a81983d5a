/**
 * Issue 16, defect 1: `waitForServer` must not give up before its deadline.
 * The last wait is shortened to the deadline, not skipped, so one more
 * attempt is made at it. (Lower bounds only: a slow machine makes things
 * later, never earlier.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, createClient, startServer, type ClacksServer } from '../../src/index.js';

const dirs: string[] = [];
const servers: ClacksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'net-clacks-wait-'));
  dirs.push(dir);
  return path.join(dir, 'clacks.sock');
}

const users = [{ username: 'admin', password: 'pw' }];
const options = { username: 'admin', password: 'pw', remembrance: false } as const;

/** The clock starts before `connect()` does, so the client's own deadline is never earlier than ours. */
async function failure(connect: () => Promise<unknown>): Promise<{ error: unknown; elapsed: number }> {
  const started = Date.now();
  try {
    await connect();
  } catch (error) {
    return { error, elapsed: Date.now() - started };
  }
  throw new Error('expected createClient to fail');
}

describe('waitForServer', () => {
  it('with the default backoff and no server: keeps trying until the deadline', { timeout: 20_000 }, async () => {
    const { error, elapsed } = await failure(() => createClient({ path: socketPath(), ...options, waitForServer: 2000 }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/could not connect within 2000 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
  });

  it('a backoff step longer than the time left is cut short: one more attempt at the deadline', { timeout: 20_000 }, async () => {
    const { elapsed } = await failure(() => createClient({ path: socketPath(), ...options, waitForServer: 1000, reconnectPolicy: () => 400 }));
    expect(elapsed).toBeGreaterThanOrEqual(1000);
  });

  it('connects to a server that comes up after the last full backoff step, before the deadline', { timeout: 20_000 }, async () => {
    const at = socketPath();
    const late = new Promise<void>((resolve, reject) =>
      setTimeout(
        () =>
          startServer({ socketPath: at, users }).then((server) => {
            servers.push(server);
            resolve();
          }, reject),
        2300,
      ),
    );
    // Attempts at 0 and 2 s fail; the next step (2 s) would pass the deadline (3 s): it is cut to 1 s.
    const client = await createClient({ path: at, ...options, waitForServer: 3000, reconnectPolicy: () => 2000 });
    await late;
    expect(client.state).toBe('ready');
    await client.close();
  });
});
