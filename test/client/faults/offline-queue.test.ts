/**
 * Fault: commands issued while the connection is down. The outage is made
 * with the proxy (frozen and cut), so the client sits in `reconnecting`
 * until the test lets traffic flow again.
 */
import { describe, expect, it } from 'vitest';
import {
  ConnectionError,
  createClient,
  OfflineTimeoutError,
  QueueFullError,
  type ClacksClient,
  type ClientOptions,
} from '../../../src/index.js';
import { nextMatching, startEnv, TRANSPORTS, waitFor, type Transport } from '../../helpers/client-env.js';
import { FAST, SettleTracker, viaProxy, useFaultScene } from '../../helpers/faults.js';
import { startProxy } from '../../helpers/proxy.js';

const scene = useFaultScene();

/** A server, a proxy in front of it, and a client through the proxy. */
async function setUp(transport: Transport, options: ClientOptions = {}): Promise<ClacksClient> {
  scene.env = await startEnv();
  const upstream = transport === 'unix' ? { path: scene.env.socketPath } : { host: '127.0.0.1', port: scene.env.port };
  scene.proxy = await startProxy(upstream, transport === 'unix' ? 'unix' : 'tcp');
  const client = await createClient({ ...viaProxy(scene.proxy, transport), ...FAST, ...options });
  scene.clients.push(client);
  return client;
}

/** Cuts the client off and keeps it off (reconnect attempts hang) until `proxy.thaw()`. */
async function outage(client: ClacksClient): Promise<void> {
  const status = client.status();
  scene.proxy!.freeze();
  scene.proxy!.dropAll();
  await nextMatching(status, (event) => event.type === 'disconnected', 15_000);
  expect(client.state).toBe('reconnecting');
  await status.return?.();
}

describe.each(TRANSPORTS)('offline queue over %s', (transport) => {
  it('delivers commands issued during an outage in order after the reconnect', async () => {
    const client = await setUp(transport);
    const listener = await scene.env!.connect(transport, FAST);
    const channel = `offline-${transport}`;
    const subscription = listener.subscribe(channel);
    await subscription.ready;
    await listener.flush();

    await outage(client);
    const commands = new SettleTracker();
    const count = 200;
    for (let i = 1; i <= count; i++) commands.track(client.set(channel, String(i)));
    commands.track(client.store(`${channel}-calc`, '5'));
    commands.track(client.increment(`${channel}-calc`, 10));
    commands.track(client.decrement(`${channel}-calc`, 3));
    const read = commands.track(client.retrieve(`${channel}-calc`));
    expect(commands.pending).toBe(count + 4);

    const status = client.status();
    scene.proxy!.thaw();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    // STORE, INCREMENT, DECREMENT, RETRIEVE ran in order: (5 + 10) - 3.
    expect(await read).toBe('12');
    await commands.allSettled();
    expect(commands.errors).toEqual([]);

    const values: string[] = [];
    for await (const event of subscription) {
      if (event.type === 'set') values.push(event.value);
      if (values.length === count) break;
    }
    expect(values).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
    await Promise.all([client.close(), listener.close()]);
  });

  it('enforces its bounds with QueueFullError (count and bytes), accepting again once drained', async () => {
    const client = await setUp(transport, { offlineQueue: { maxCommands: 5, maxBytes: 1000 } });
    await outage(client);
    const accepted = new SettleTracker();
    for (let i = 0; i < 5; i++) accepted.track(client.store(`bound-${transport}-${i}`, 'x'));
    await expect(client.store(`bound-${transport}-5`, 'x')).rejects.toBeInstanceOf(QueueFullError);
    await expect(client.retrieve(`bound-${transport}-0`)).rejects.toBeInstanceOf(QueueFullError);
    expect(accepted.pending).toBe(5);

    const status = client.status();
    scene.proxy!.thaw();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    await accepted.allSettled();
    expect(accepted.errors).toEqual([]);
    expect(await client.retrieve(`bound-${transport}-4`)).toBe('x');
    expect(await client.retrieve(`bound-${transport}-5`)).toBeUndefined();

    // The byte bound: one big command does not fit, a small one does.
    await outage(client);
    await expect(client.store(`bytes-${transport}`, 'y'.repeat(2000))).rejects.toBeInstanceOf(QueueFullError);
    const small = client.store(`bytes-${transport}`, 'small');
    scene.proxy!.thaw();
    await small;
    expect(await client.retrieve(`bytes-${transport}`)).toBe('small');
    await client.close();
  });

  it('rejects a command with OfflineTimeoutError after its time, and never sends it', async () => {
    const client = await setUp(transport, { offlineQueue: { timeout: 300 } });
    const observer = await scene.env!.connect(transport, FAST);
    await outage(client);
    const started = Date.now();
    const late = client.store(`late-${transport}`, 'should-not-land');
    const lateRead = client.retrieve(`late-${transport}`);
    await expect(late).rejects.toBeInstanceOf(OfflineTimeoutError);
    await expect(lateRead).rejects.toBeInstanceOf(OfflineTimeoutError);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    // Not queued until the reconnect (none comes while the proxy is frozen); 10 s for a loaded machine.
    expect(waited).toBeLessThan(10_000);

    const status = client.status();
    scene.proxy!.thaw();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    await client.flush();
    expect(await observer.retrieve(`late-${transport}`)).toBeUndefined();
    await Promise.all([client.close(), observer.close()]);
  });

  it('offlineQueue: false rejects at once with ConnectionError while disconnected', async () => {
    const client = await setUp(transport, { offlineQueue: false });
    await outage(client);
    const started = Date.now();
    await expect(client.store('k', 'v')).rejects.toBeInstanceOf(ConnectionError);
    await expect(client.retrieve('k')).rejects.toBeInstanceOf(ConnectionError);
    await expect(client.flush()).rejects.toBeInstanceOf(ConnectionError);
    // At once, not queued until the reconnect (none comes while the proxy is frozen); 5 s for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5000);

    const status = client.status();
    scene.proxy!.thaw();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    await waitFor(() => client.state === 'ready', undefined, 'ready');
    expect(await client.retrieve('k')).toBeUndefined();
    await client.close();
  });
});
