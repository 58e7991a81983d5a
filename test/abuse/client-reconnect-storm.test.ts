/**
 * Issue 10, finding 12: a server that accepts, logs the client in and drops
 * it at once must not get a reconnect storm. The backoff restarts only after
 * a connection has stayed up `reconnectResetAfter` ms. Asserted through the
 * client's own status events (attempt numbers and delays), not timing.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type ClacksClient, type StatusEvent } from '../../src/index.js';
import { startScriptedServer, useScriptedScene } from '../helpers/scripted-server.js';
import { sleep } from '../helpers/server.js';

const scene = useScriptedScene();

type Reconnecting = Extract<StatusEvent, { type: 'reconnecting' }>;

/** The next `count` reconnecting events. */
async function reconnects(target: ClacksClient, count: number): Promise<Reconnecting[]> {
  const seen: Reconnecting[] = [];
  for await (const event of target.status()) {
    if (event.type === 'reconnecting') seen.push(event);
    if (seen.length === count) break;
  }
  return seen;
}

const base = { username: 'u', password: 'p', remembrance: false, liveness: false } as const;

describe('a server that logs clients in and drops them at once', () => {
  it('the default backoff keeps growing (50 ms doubling to 3 s) instead of restarting at every login', { timeout: 20_000 }, async () => {
    let dropping = false;
    const scripted = (scene.scripted = await startScriptedServer({ afterAuth: (socket) => dropping && socket.destroy() }));
    const client = (scene.client = await createClient({ path: scripted.path, ...base }));
    dropping = true;
    const watching = reconnects(client, 6);
    scripted.sockets[0]?.destroy();
    const events = await watching;
    expect(events.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    // Full jitter: between half and all of 50, 100, 200, 400, 800, 1600 ms.
    events.forEach((event, index) => expect(event.delay).toBeGreaterThanOrEqual((50 * 2 ** index) / 2));
    // Every attempt logged in and was dropped: six logins, one attempt each.
    expect(scripted.connections).toBeGreaterThanOrEqual(6);
  });

  it('a custom policy sees the attempt number grow across logins that do not last', { timeout: 20_000 }, async () => {
    let dropping = false;
    const scripted = (scene.scripted = await startScriptedServer({ afterAuth: (socket) => dropping && socket.destroy() }));
    const client = (scene.client = await createClient({ path: scripted.path, ...base, reconnectPolicy: (attempt) => attempt * 5 }));
    dropping = true;
    const watching = reconnects(client, 10);
    scripted.sockets[0]?.destroy();
    const events = await watching;
    expect(events.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.map((event) => event.delay)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
  });

  it('a connection that stayed up reconnectResetAfter ms restarts the backoff', { timeout: 20_000 }, async () => {
    let dropping = false;
    const scripted = (scene.scripted = await startScriptedServer({ afterAuth: (socket) => dropping && socket.destroy() }));
    const client = (scene.client = await createClient({ path: scripted.path, ...base, reconnectPolicy: (attempt) => attempt * 5, reconnectResetAfter: 200 }));
    dropping = true;
    let watching = reconnects(client, 3);
    scripted.sockets.at(-1)?.destroy();
    expect((await watching).map((event) => event.attempt)).toEqual([1, 2, 3]);

    // Let logins last again: the next connection stays up past reconnectResetAfter.
    dropping = false;
    const reconnected = (async () => {
      for await (const event of (client as ClacksClient).status()) if (event.type === 'reconnected') return;
    })();
    await reconnected;
    await sleep(300); // time passing on purpose: the connection is now "stable"
    dropping = true;
    watching = reconnects(client, 2);
    scripted.sockets.at(-1)?.destroy();
    expect((await watching).map((event) => event.attempt)).toEqual([1, 2]);
  });
});
