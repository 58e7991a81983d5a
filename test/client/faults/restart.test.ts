/**
 * Fault: the server goes away and comes back (same socket path / port), and
 * connections are cut under in-flight requests.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionLostError, createClient } from '../../../src/index.js';
import type { SubscriptionEvent } from '../../../src/events/types.js';
import { nextMatching, startEnv, TRANSPORTS, waitFor } from '../../helpers/client-env.js';
import { FAST, SettleTracker, viaProxy, useFaultScene } from '../../helpers/faults.js';
import { startProxy } from '../../helpers/proxy.js';

const scene = useFaultScene();

describe.each(TRANSPORTS)('server restart over %s', (transport) => {
  it('a worker consuming events and retrieving in a loop sees reconnected, keeps its subscriptions, and leaves nothing pending', async () => {
    scene.env = await startEnv();
    const worker = await scene.env.connect(transport, FAST);
    const publisher = await scene.env.connect(transport, FAST);
    const channel = `restart-${transport}`;

    // The worker: a subscription consumed in the background, and retrieves in a loop.
    const subscription = worker.subscribe(channel);
    await subscription.ready;
    const received: Array<SubscriptionEvent> = [];
    const consuming = (async () => {
      for await (const event of subscription) received.push(event);
    })();
    const all = worker.events();
    const requests = new SettleTracker();
    let running = true;
    const looping = (async () => {
      let n = 0;
      // Never a tight loop of rejections: a failed retrieve yields a turn, a closed client ends it.
      while (running && worker.state !== 'closed') {
        await requests.track(worker.retrieve(`loop-${transport}-${n++ % 5}`)).catch(() => new Promise((resolve) => setImmediate(resolve)));
      }
    })();

    await worker.flush();
    await publisher.set(channel, 'before');
    await waitFor(() => received.some((event) => event.type === 'set' && event.value === 'before'), 15_000, 'the SET before the restart');
    const retrievesBefore = requests.results.length;

    const workerStatus = worker.status();
    const publisherStatus = publisher.status();
    await scene.env.restart();

    await nextMatching(workerStatus, (event) => event.type === 'reconnected', 10_000);
    await nextMatching(publisherStatus, (event) => event.type === 'reconnected', 10_000);
    await nextMatching(all, (event) => event.type === 'reconnected', 15_000);
    await waitFor(() => received.some((event) => event.type === 'reconnected'), 15_000, 'reconnected in the subscription');

    // No listen() call: the handshake re-sent LISTEN. flush() proves it was processed.
    await worker.flush();
    await publisher.set(channel, 'after');
    await waitFor(() => received.some((event) => event.type === 'set' && event.value === 'after'), 15_000, 'the SET after the restart');
    await waitFor(() => requests.results.length > retrievesBefore + 10, 15_000, 'the retrieve loop to go on after the restart');

    running = false;
    await looping;
    await requests.allSettled();
    // Reads in flight at the loss were sent again: none failed.
    expect(requests.errors).toEqual([]);
    expect(received.map((event) => event.type)).toEqual(['set', 'reconnected', 'set']);
    expect(worker.state).toBe('ready');

    await Promise.all([worker.close(), publisher.close()]);
    await consuming;
  });
});

describe.each(TRANSPORTS)('in-flight requests when the connection drops (%s, proxy dropAll)', (transport) => {
  it('re-sends reads, rejects flush() with ConnectionLostError, does not replay written writes', async () => {
    scene.env = await startEnv();
    const upstream = transport === 'unix' ? { path: scene.env.socketPath } : { host: '127.0.0.1', port: scene.env.port };
    scene.proxy = await startProxy(upstream, transport === 'unix' ? 'unix' : 'tcp');
    const client = await createClient({ ...viaProxy(scene.proxy, transport), ...FAST });
    scene.clients.push(client);
    const observer = await scene.env.connect(transport, FAST);
    const key = `inflight-${transport}`;
    await observer.store(key, '0');
    await observer.flush();
    await client.flush();

    // Freeze, so the commands are written to the socket but no reply can come back.
    scene.proxy.freeze();
    const read = client.retrieve(key);
    const barrier = client.flush();
    const wrote = client.increment(key);
    await wrote; // handed to the socket, so never replayed
    const status = client.status();
    scene.proxy.dropAll();
    scene.proxy.thaw();

    await expect(barrier).rejects.toBeInstanceOf(ConnectionLostError);
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    // The read was sent again on the new connection and answered there.
    expect(await read).toBe('0');
    await client.flush();
    // The INCREMENT reached the frozen proxy only, and was not replayed after reconnecting.
    expect(await observer.retrieve(key)).toBe('0');

    // A write never handed to the old socket is sent after reconnecting, once.
    const status2 = client.status();
    scene.proxy.freeze();
    scene.proxy.dropAll();
    await nextMatching(status2, (event) => event.type === 'disconnected', 15_000);
    const queued = client.increment(key, 5);
    scene.proxy.thaw();
    await queued;
    await nextMatching(status2, (event) => event.type === 'reconnected', 10_000);
    await client.flush();
    expect(await observer.retrieve(key)).toBe('5');

    // Backpressure: behind a big write the socket will not take, a small
    // write waits in the client's buffer. At the drop the big one (handed to
    // the socket) is lost, the small one (never handed over) is sent again.
    const status3 = client.status();
    scene.proxy.freeze();
    const big = client.store(`${key}-big`, 'b'.repeat(8 * 1024 * 1024));
    await big;
    const small = client.store(`${key}-small`, 'landed');
    let smallWritten = false;
    void small.then(() => (smallWritten = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(smallWritten).toBe(false);
    scene.proxy.dropAll();
    scene.proxy.thaw();
    await nextMatching(status3, (event) => event.type === 'reconnected', 10_000);
    await small;
    await client.flush();
    expect(await observer.retrieve(`${key}-small`)).toBe('landed');
    expect(await observer.retrieve(`${key}-big`)).toBeUndefined();
    await client.close();
    await observer.close();
  });
});
