import { afterAll, beforeAll, expect, it } from 'vitest';
import { nextMatching, startEnv, type TestEnv } from '../helpers/client-env.js';
import { FAST } from '../helpers/faults.js';

let env: TestEnv;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(async () => {
  await env.dispose();
});

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
