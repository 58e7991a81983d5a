/**
 * Faults at connection time: bad credentials (at the start, and after the
 * password changed server-side while connected), and a server that is not
 * there yet when the client starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationError, ConnectionError, createClient, type ClacksClient, type ClientOptions } from '../../../src/index.js';
import { startServer, type ClacksServer, type UserOptions } from '../../../src/server/index.js';
import { nextMatching, TLS_CERT, TLS_KEY, TRANSPORTS, type Transport } from '../../helpers/client-env.js';
import { FAST, SettleTracker } from '../../helpers/faults.js';

const servers: ClacksServer[] = [];
const clients: ClacksClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A place to listen that nothing listens on yet: a temp socket path and a free TLS port. */
async function freeAddress(): Promise<{ socketPath: string; port: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'net-clacks-fault-'));
  dirs.push(dir);
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return { socketPath: path.join(dir, 'clacks.sock'), port };
}

async function serve(at: { socketPath: string; port: number }, users: UserOptions[]): Promise<ClacksServer> {
  const server = await startServer({ socketPath: at.socketPath, host: '127.0.0.1', port: at.port, tls: { cert: TLS_CERT, key: TLS_KEY }, users });
  servers.push(server);
  return server;
}

function target(transport: Transport, at: { socketPath: string; port: number }, password: string): ClientOptions {
  return transport === 'unix'
    ? { path: at.socketPath, username: 'admin', password }
    : { host: '127.0.0.1', port: at.port, username: 'admin', password, tls: { ca: TLS_CERT } };
}

/** Waits long enough for a retry loop to show itself, then checks nothing more happened. */
const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(TRANSPORTS)('authentication faults over %s', (transport) => {
  it('a wrong password rejects createClient with AuthenticationError and is never retried', async () => {
    const at = await freeAddress();
    const server = await serve(at, [{ username: 'admin', password: 'right' }]);
    // Even with a waitForServer budget: a refusal is an answer, not an outage.
    for (const options of [{}, { waitForServer: 5000 }]) {
      await expect(createClient({ ...target(transport, at, 'wrong'), ...FAST, ...options })).rejects.toBeInstanceOf(AuthenticationError);
    }
    await settle();
    expect(server.stats.authFailures).toBe(2);
    expect(server.stats.connectionsAccepted).toBe(2);
    expect(server.stats.authSuccesses).toBe(0);
  });

  it('a password changed server-side makes the reconnect fail: the client terminates with AuthenticationError, no retry loop', async () => {
    const at = await freeAddress();
    const first = await serve(at, [{ username: 'admin', password: 'old' }]);
    const client = await createClient({ ...target(transport, at, 'old'), ...FAST });
    clients.push(client);
    const status = client.status();
    const events = client.events();
    const subscription = client.subscribe('channel');
    await subscription.ready;

    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await nextMatching(status, (event) => event.type === 'disconnected', 15_000);
    // Commands issued during the outage, waiting in the offline queue.
    const pending = new SettleTracker();
    const read = pending.track(client.retrieve('key'));
    const write = pending.track(client.store('key', 'value'));
    const barrier = pending.track(client.flush());

    const second = await serve(at, [{ username: 'admin', password: 'new' }]);
    const closed = await nextMatching(status, (event) => event.type === 'closed', 10_000);
    expect(closed).toMatchObject({ type: 'closed', reason: expect.any(AuthenticationError) });
    expect(client.state).toBe('closed');
    for (const promise of [read, write, barrier]) await expect(promise).rejects.toBeInstanceOf(AuthenticationError);
    await pending.allSettled();
    // Iterators end with the error.
    await expect(nextMatching(events, () => false, 15_000)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(nextMatching(subscription, () => false, 15_000)).rejects.toBeInstanceOf(AuthenticationError);

    await settle();
    expect(second.stats.authFailures).toBe(1);
    expect(second.stats.connectionsAccepted).toBe(1);
    await client.close();
  });
});

describe.each(TRANSPORTS)('no server at start over %s', (transport) => {
  it('waitForServer: keeps trying, and connects when the server comes up within the budget', async () => {
    const at = await freeAddress();
    const started = Date.now();
    const connecting = createClient({ ...target(transport, at, 'pw'), ...FAST, reconnectPolicy: () => 50, waitForServer: 10_000 });
    await settle(500);
    const server = await serve(at, [{ username: 'admin', password: 'pw' }]);
    const client = await connecting;
    clients.push(client);
    expect(client.state).toBe('ready');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await client.retrieve('late')).toBeUndefined();
    expect(server.stats.authSuccesses).toBe(1);
    await client.close();
  });

  it('waitForServer: rejects with ConnectionError after about the budget when no server comes', async () => {
    const at = await freeAddress();
    const started = Date.now();
    const error = await createClient({ ...target(transport, at, 'pw'), ...FAST, reconnectPolicy: () => 50, waitForServer: 1000 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/could not connect within 1000 ms \(\d+ attempts\)/);
    expect(elapsed).toBeGreaterThanOrEqual(800);
    // It gives up near the budget instead of trying on; 10 s leaves a loaded machine room.
    expect(elapsed).toBeLessThan(10_000);
    console.info(`[fault] waitForServer 1000 ms with no server (${transport}): rejected after ${elapsed} ms`);
  });

  it('default (waitForServer 0): rejects at once with ConnectionError', async () => {
    const at = await freeAddress();
    const started = Date.now();
    await expect(createClient({ ...target(transport, at, 'pw'), ...FAST })).rejects.toBeInstanceOf(ConnectionError);
    // At once rather than after retries (50 ms apart, without end); 10 s leaves a loaded machine room.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
