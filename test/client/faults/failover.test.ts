/**
 * Failover: several servers (interclacks deployments), tried in order or
 * rotated on reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type ClacksClient } from '../../../src/index.js';
import { nextMatching, startEnv, type TestEnv } from '../../helpers/client-env.js';
import { FAST } from '../../helpers/faults.js';

const envs: TestEnv[] = [];
const clients: ClacksClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const env of envs.splice(0)) await env.dispose();
});

async function twoServers(): Promise<[TestEnv, TestEnv]> {
  const a = await startEnv();
  const b = await startEnv();
  envs.push(a, b);
  return [a, b];
}

describe('failover between several servers', () => {
  it('in order: skips a server that is down, and goes back to the first one on reconnect', async () => {
    const [a, b] = await twoServers();
    await a.stop();
    const client = await createClient({
      ...FAST,
      servers: [{ path: a.socketPath }, { path: b.socketPath }],
      username: 'exampleuser',
      password: 'unsafepassword',
      waitForServer: 10_000,
    });
    clients.push(client);
    expect(client.server).toBe(`clacks+unix://exampleuser:***@localhost${b.socketPath}`);
    const subscription = client.subscribe('failover-chan');
    await subscription.ready;

    const status = client.status();
    await a.restart();
    await b.stop();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    expect(client.server).toBe(`clacks+unix://exampleuser:***@localhost${a.socketPath}`);

    // The subscription moved along: a SET on the new server reaches it.
    await client.flush();
    const sender = await a.connect('unix');
    await sender.set('failover-chan', 'on-a');
    expect(await nextMatching(subscription, (event) => event.type === 'set')).toEqual({ type: 'set', name: 'failover-chan', value: 'on-a' });
    await sender.close();
  });

  it('rotate: each reconnect starts from the server after the last one used', async () => {
    const [a, b] = await twoServers();
    const client = await createClient({
      ...FAST,
      servers: [`clacks+unix://exampleuser:unsafepassword@localhost${a.socketPath}`, `clacks+unix://exampleuser:unsafepassword@localhost${b.socketPath}`],
      failover: 'rotate',
    });
    clients.push(client);
    expect(client.server).toBe(`clacks+unix://exampleuser:***@localhost${a.socketPath}`);
    const status = client.status();
    // A restarts at once, yet the next attempt goes to B.
    await a.restart();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    expect(client.server).toBe(`clacks+unix://exampleuser:***@localhost${b.socketPath}`);
    await b.restart();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    expect(client.server).toBe(`clacks+unix://exampleuser:***@localhost${a.socketPath}`);
    expect(await client.retrieve('nothing')).toBeUndefined();
  });
});
