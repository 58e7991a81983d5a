/**
 * Review finding: in caching mode a SET whose value equals the last one
 * *sent* is skipped. A SET that failed (here: it timed out in the offline
 * queue) was never sent, so the same value must go out on the next call.
 */
import { describe, expect, it } from 'vitest';
import { OfflineTimeoutError } from '../../src/index.js';
import { nextMatching, useTestEnv } from '../helpers/client-env.js';

const env = useTestEnv();

describe('caching mode', () => {
  it('sends again a value whose earlier SET failed', async () => {
    const sender = await env.connect('unix', { caching: true, offlineQueue: { timeout: 100 }, reconnectPolicy: () => 50, remembrance: false });
    const status = sender.status();
    await env.stop();
    await nextMatching(status, (event) => event.type === 'disconnected', 15_000);
    await expect(sender.set('cached::retry', 'on')).rejects.toBeInstanceOf(OfflineTimeoutError);

    await env.restart();
    await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
    const listener = await env.connect('unix');
    const events = listener.events({ types: ['set'] });
    await listener.listen('cached::retry');
    await listener.flush();

    await sender.set('cached::retry', 'on');
    await sender.flush();
    const event = await nextMatching(events, () => true, 15_000);
    expect(event).toEqual({ type: 'set', name: 'cached::retry', value: 'on' });
    await status.return?.();
    await Promise.all([sender.close(), listener.close()]);
  });
});
