/**
 * Faults the client must notice by itself: a frozen server (nothing flows,
 * the socket stays open), and a server that drops it with TIMEOUT or QUIT.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from '../../../src/index.js';
import type { StatusEvent } from '../../../src/events/types.js';
import { nextMatching, startEnv, TRANSPORTS, waitFor } from '../../helpers/client-env.js';
import { FAST, viaProxy, useFaultScene } from '../../helpers/faults.js';
import { startProxy } from '../../helpers/proxy.js';

const scene = useFaultScene();

describe.each(TRANSPORTS)('a frozen server over %s', (transport) => {
  it('is detected within the liveness time, and the client reconnects once traffic flows again', async () => {
    scene.env = await startEnv();
    const upstream = transport === 'unix' ? { path: scene.env.socketPath } : { host: '127.0.0.1', port: scene.env.port };
    scene.proxy = await startProxy(upstream, transport === 'unix' ? 'unix' : 'tcp');
    // liveness: probe after 200 ms of silence, dead 500 ms after the probe.
    const client = await createClient({ ...viaProxy(scene.proxy, transport), ...FAST });
    scene.clients.push(client);
    const subscription = client.subscribe(`frozen-${transport}`);
    await subscription.ready;
    const status = client.status();

    scene.proxy.freeze();
    const frozenAt = Date.now();
    const lost = await nextMatching(status, (event) => event.type === 'disconnected', 15_000);
    const detectedAfter = Date.now() - frozenAt;
    expect((lost as Extract<StatusEvent, { type: 'disconnected' }>).reason.message).toMatch(/stopped (responding|reading)/);
    // interval + timeout + a check tick is 800 ms; allow a loaded machine plenty (nothing else
    // would notice a frozen server this side of the 30 s TCP keepalive).
    expect(detectedAfter).toBeLessThan(10_000);
    console.info(`[fault] frozen ${transport} server detected after ${detectedAfter} ms (liveness 200/500)`);

    // Still frozen: attempts get no greeting, the client keeps trying.
    await waitFor(() => scene.proxy!.connections >= 2, 15_000, 'a reconnect attempt');
    expect(client.state).toBe('reconnecting');
    const pending = client.retrieve(`frozen-key-${transport}`);
    scene.proxy.thaw();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    expect(await pending).toBeUndefined();

    // The subscription was restored by the handshake.
    const publisher = await scene.env.connect(transport, FAST);
    await client.flush();
    await publisher.set(`frozen-${transport}`, 'thawed');
    expect(await nextMatching(subscription, (event) => event.type === 'set', 15_000)).toEqual({ type: 'set', name: `frozen-${transport}`, value: 'thawed' });
    await client.close();
  });
});

describe.each(TRANSPORTS)('the server drops the client over %s', (transport) => {
  it('TIMEOUT (no pings within the server pingTimeout) is a loss the client recovers from', async () => {
    scene.env = await startEnv({ pingTimeout: 400 });
    const client = await scene.env.connect(transport, { ...FAST, pingInterval: false });
    const status = client.status();
    const subscription = client.subscribe(`timeout-${transport}`);
    await subscription.ready;

    const lost = await nextMatching(status, (event) => event.type === 'disconnected', 10_000);
    expect((lost as Extract<StatusEvent, { type: 'disconnected' }>).reason.message).toMatch(/TIMEOUT/);
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    // Keep this connection: NOPING suspends the server's ping timeout.
    await client.disablePing();
    expect(await client.retrieve(`timeout-key-${transport}`)).toBeUndefined();

    const publisher = await scene.env.connect(transport, { ...FAST, pingInterval: 100 });
    await client.flush();
    await publisher.set(`timeout-${transport}`, 'still-listening');
    expect(await nextMatching(subscription, (event) => event.type === 'set', 15_000)).toMatchObject({ value: 'still-listening' });
    await Promise.all([client.close(), publisher.close()]);
  });

  it('QUIT through CLIENTDISCONNECT from an admin client is a loss the client recovers from', async () => {
    scene.env = await startEnv();
    const name = `fault-worker-${transport}`;
    const worker = await scene.env.connect(transport, { ...FAST, name });
    const admin = await scene.env.connect(transport, FAST);
    const status = worker.status();
    const subscription = worker.subscribe(`quit-${transport}`);
    await subscription.ready;
    await worker.flush();

    const entry = (await admin.clientlist()).find((info) => info.clientInfo === name);
    expect(entry).toBeDefined();
    await admin.clientDisconnect(entry!.cid);

    const lost = await nextMatching(status, (event) => event.type === 'disconnected', 10_000);
    expect((lost as Extract<StatusEvent, { type: 'disconnected' }>).reason.message).toMatch(/QUIT/);
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    expect(await nextMatching(subscription, () => true, 15_000)).toEqual({ type: 'reconnected' });

    // A new connection with a new cid, listening again.
    await worker.flush();
    const again = (await admin.clientlist()).filter((info) => info.clientInfo === name);
    expect(again).toHaveLength(1);
    expect(again[0]!.cid).not.toBe(entry!.cid);
    await admin.set(`quit-${transport}`, 'back');
    expect(await nextMatching(subscription, (event) => event.type === 'set', 15_000)).toMatchObject({ value: 'back' });
    await Promise.all([worker.close(), admin.close()]);
  });
});
