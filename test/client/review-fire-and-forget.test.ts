/**
 * Review finding: writes resolve once handed to the socket, like a nats.js
 * publish. A program that fires them without awaiting must not be crashed
 * (Node's default for an unhandled rejection) when one cannot be written;
 * a caller that awaits still sees the rejection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError, OfflineTimeoutError } from '../../src/index.js';
import { nextMatching, startEnv, type TestEnv } from '../helpers/client-env.js';

let env: TestEnv;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(async () => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  env = await startEnv();
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await env.dispose();
});

/** Gives Node a few turns to report unhandled rejections. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('fire-and-forget writes', () => {
  it('do not raise unhandledRejection when the client is destroyed before they are written', async () => {
    const client = await env.connect('unix');
    client.set('ff::signal', 'on');
    client.notify('ff::signal');
    client.store('ff::key', 'v');
    client.destroy();
    // A caller that awaits a write of a later batch still gets the rejection.
    await expect(client.store('ff::key', 'w')).rejects.toBeInstanceOf(ClosedError);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('do not raise unhandledRejection when they time out in the offline queue', async () => {
    const client = await env.connect('unix', { offlineQueue: { timeout: 100 }, reconnectPolicy: () => 50, remembrance: false });
    const status = client.status();
    await env.stop();
    await nextMatching(status, (event) => event.type === 'disconnected', 15_000);
    client.set('ff::signal', 'on');
    client.listen('ff::other');
    const awaited = client.notify('ff::signal');
    await expect(awaited).rejects.toBeInstanceOf(OfflineTimeoutError);
    await settle();
    expect(unhandled).toEqual([]);
    client.destroy();
  });
});
