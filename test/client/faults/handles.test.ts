/**
 * Fault: what a client leaves behind. After close() — also a close() in the
 * middle of reconnecting — no socket or timer of the client may stay open,
 * no reconnect may follow, and every promise must have settled.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError, createClient, TimeoutError } from '../../../src/index.js';
import { nextMatching, startEnv, TRANSPORTS, waitFor } from '../../helpers/client-env.js';
import { countResources, expectResourcesBackTo, FAST, SettleTracker, viaProxy, useFaultScene } from '../../helpers/faults.js';
import { startProxy } from '../../helpers/proxy.js';

const scene = useFaultScene();

/** Lets sockets of the set-up finish opening or closing before a baseline is taken. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 100));

describe.each(TRANSPORTS)('no leaked handles over %s', (transport) => {
  it('close() after a reconnect leaves no socket or timer of the client', async () => {
    scene.env = await startEnv();
    const upstream = transport === 'unix' ? { path: scene.env.socketPath } : { host: '127.0.0.1', port: scene.env.port };
    scene.proxy = await startProxy(upstream, transport === 'unix' ? 'unix' : 'tcp');
    await quiet();
    const baseline = countResources();

    const client = await createClient({ ...viaProxy(scene.proxy, transport), ...FAST, pingInterval: 100, offlineQueue: { timeout: 5000 } });
    scene.clients.push(client);
    const subscription = client.subscribe('handles');
    const events = client.events();
    const status = client.status();
    await subscription.ready;
    await client.retrieve('k');
    scene.proxy.dropAll();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    await client.retrieve('k');

    await client.close();
    const after = await expectResourcesBackTo(baseline);
    expect(after).toEqual(baseline);
    await expect(nextMatching(events, () => false, 15_000)).rejects.toThrow(/ended/);
  });

  it('close() while reconnecting stops it: every pending promise settles, no attempt follows, nothing is left open', async () => {
    scene.env = await startEnv();
    await quiet();
    const baseline = countResources();

    const client = await scene.env.connect(transport, { ...FAST, reconnectPolicy: () => 50 });
    const status = client.status();
    const subscription = client.subscribe('closing');
    await subscription.ready;
    await scene.env.stop();
    await nextMatching(status, (event) => event.type === 'reconnecting', 15_000);
    await nextMatching(status, (event) => event.type === 'reconnecting', 15_000); // a failed attempt, and the next scheduled

    const pending = new SettleTracker();
    pending.track(client.retrieve('a'));
    pending.track(client.keylist());
    pending.track(client.flush());
    pending.track(client.store('b', 'c'));
    pending.track(client.set('closing', 'x'));
    await client.close();
    expect(client.state).toBe('closed');
    await pending.allSettled();
    expect(pending.errors).toHaveLength(5);
    for (const error of pending.errors) expect(error).toBeInstanceOf(ClosedError);
    await expect(nextMatching(subscription, () => false, 15_000)).rejects.toThrow(/ended/);

    // The server returns: the closed client must not come back. With the
    // server up again the handle counts are comparable to the baseline.
    await scene.env.restart();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(scene.env.server.stats.connectionsAccepted).toBe(0);
    const after = await expectResourcesBackTo(baseline);
    expect(after).toEqual(baseline);
  });

  it('close() while an attempt hangs in its handshake (a black hole) ends the attempt at once', async () => {
    scene.env = await startEnv();
    const upstream = transport === 'unix' ? { path: scene.env.socketPath } : { host: '127.0.0.1', port: scene.env.port };
    scene.proxy = await startProxy(upstream, transport === 'unix' ? 'unix' : 'tcp');
    await quiet();
    const baseline = countResources();

    // Handshake deadlines far beyond the test: only close() can end the attempt.
    const client = await createClient({
      ...viaProxy(scene.proxy, transport),
      ...FAST,
      timeouts: { connect: 60_000, tlsHandshake: 60_000, header: 60_000, auth: 60_000 },
    });
    scene.clients.push(client);
    const status = client.status();
    scene.proxy.swallow();
    scene.proxy.dropAll();
    await nextMatching(status, (event) => event.type === 'reconnecting', 15_000);
    await waitFor(() => scene.proxy!.connections >= 2 && scene.proxy!.active >= 1, 15_000, 'a reconnect attempt to hang');
    const read = client.retrieve('x');

    // "At once" against handshake deadlines of 60 s: 10 s leaves a loaded machine room.
    const started = Date.now();
    await client.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(read).rejects.toBeInstanceOf(ClosedError);
    // The black hole sees the attempt's socket close, at once rather than at a handshake deadline.
    await waitFor(() => scene.proxy!.active === 0, 10_000, 'the hanging attempt to be closed');
    const after = await expectResourcesBackTo(baseline);
    expect(after).toEqual(baseline);
  });

  it('destroy() right after a write settles it; close() still writes what waits behind backpressure', async () => {
    scene.env = await startEnv();
    const observer = await scene.env.connect(transport, FAST);

    // Not yet handed to the socket when destroy() comes: it must reject, not hang.
    const destroyed = await scene.env.connect(transport, FAST);
    const lost = destroyed.store(`destroyed-${transport}`, 'x');
    destroyed.destroy();
    await expect(lost).rejects.toBeInstanceOf(ClosedError);

    // Behind an 8 MB write the socket does not take at once: close() sends it all, then QUIT.
    const client = await scene.env.connect(transport, FAST);
    const big = client.store(`big-${transport}`, 'b'.repeat(8 * 1024 * 1024));
    const small = client.store(`small-${transport}`, 'after-the-big-one');
    await big;
    await client.close();
    await small;
    expect(await observer.retrieve(`small-${transport}`)).toBe('after-the-big-one');
    await observer.close();
  });

  it('close() to a server that takes nothing rejects at timeouts.close, saying how many bytes of sent commands were lost', async () => {
    scene.env = await startEnv();
    const upstream = transport === 'unix' ? { path: scene.env.socketPath } : { host: '127.0.0.1', port: scene.env.port };
    scene.proxy = await startProxy(upstream, transport === 'unix' ? 'unix' : 'tcp');
    const client = await createClient({ ...viaProxy(scene.proxy, transport), ...FAST, liveness: false, timeouts: { ...FAST.timeouts, close: 300 } });
    scene.clients.push(client);
    scene.proxy.freeze();
    // Resolved: handed to the socket. More than the kernel's buffers hold stays in the socket's own.
    await client.store(`lost-${transport}`, 'b'.repeat(8 * 1024 * 1024));
    const closing = client.close();
    await expect(closing).rejects.toBeInstanceOf(TimeoutError);
    await expect(closing).rejects.toThrow(/took nothing more for 300 ms \(timeouts\.close\); \d+ bytes of commands already handed to the socket were discarded/);
    expect(client.state).toBe('closed');
    // Nothing was lost on a close whose writes got through: the test above.
  });
});
