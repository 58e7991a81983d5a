import { expect, it } from 'vitest';
import { nextMatching, useTestEnv } from '../helpers/client-env.js';
import { FAST } from '../helpers/faults.js';

const env = useTestEnv();

it('a reconnect shows as disconnected then reconnected, without the greeting leaking out as a message', async () => {
  const client = await env.connect('unix', FAST);
  const events = client.events({ types: ['message', 'disconnected', 'reconnected'] });
  await env.restart();
  expect(await nextMatching(events, () => true, 10_000)).toMatchObject({ type: 'disconnected' });
  expect(await nextMatching(events, () => true, 10_000)).toEqual({ type: 'reconnected' });
  const sender = await env.connect('tls');
  await sender.sendRaw('OVERHEAD GM hello all');
  expect(await nextMatching(events, () => true)).toEqual({ type: 'message', flags: 'GM', text: 'hello all' });
  await Promise.all([client.close(), sender.close()]);
});

it('a subscription whose LISTEN cannot be sent ends with that error and releases its names', async () => {
  const client = await env.connect('unix', { ...FAST, offlineQueue: false });
  const status = client.status();
  await env.stop();
  await nextMatching(status, (event) => event.type === 'disconnected', 10_000);
  const subscription = client.subscribe('never-listened');
  await expect(subscription.ready).rejects.toMatchObject({ code: 'CONNECTION_ERROR' });
  await expect(subscription.next()).rejects.toMatchObject({ code: 'CONNECTION_ERROR' });
  await env.restart();
  await nextMatching(status, (event) => event.type === 'reconnected', 10_000);
  // The client carries on after the failed subscription.
  await client.listen('never-listened');
  await client.close();
});
