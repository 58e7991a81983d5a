import { describe, expect, it } from 'vitest';
import { nextMatching, useTestEnv } from '../helpers/client-env.js';

// A server that drops clients which do not PING for 3 s. Clients PING every
// 100 ms: a test process that a loaded machine stalls for a second or two
// (the server's sweep then runs before the PINGs waiting in the socket are
// read) is still far from a timeout. 600 ms failed with a 1 s stall.
const PING_TIMEOUT = 3000;
/** Well past the ping timeout: a connection still up after it was kept by something. */
const PAST_PING_TIMEOUT = PING_TIMEOUT + 1000;
const env = useTestEnv({ pingTimeout: PING_TIMEOUT });

describe('keepalive', () => {
  it('pings on its own so the server keeps the connection', async () => {
    const client = await env.connect('unix', { pingInterval: 100, reconnect: false });
    const status = client.status();
    await new Promise((resolve) => setTimeout(resolve, PAST_PING_TIMEOUT));
    expect(client.state).toBe('ready');
    expect(await client.retrieve('alive')).toBeUndefined();
    await client.close();
    expect(await nextMatching(status, () => true)).toEqual({ type: 'closed' });
  });

  it('without pings the server sends TIMEOUT, which is a connection loss', async () => {
    const client = await env.connect('unix', { pingInterval: false, reconnect: false });
    const status = client.status();
    const lost = await nextMatching(status, (event) => event.type === 'disconnected', PING_TIMEOUT + 15_000);
    expect(lost).toMatchObject({ type: 'disconnected', reason: { message: expect.stringMatching(/TIMEOUT/) } });
    await nextMatching(status, (event) => event.type === 'closed', 15_000);
  });

  it('disablePing() suspends the server ping timeout', async () => {
    const client = await env.connect('tls', { pingInterval: false, reconnect: false });
    await client.disablePing();
    await new Promise((resolve) => setTimeout(resolve, PAST_PING_TIMEOUT));
    expect(client.state).toBe('ready');
    await client.close();
  });

  it('sends the GNU remembrance, received by every client as OVERHEAD GN', async () => {
    const observer = await env.connect('unix', { pingInterval: 100 });
    const messages = observer.events({ types: ['message'] });
    const sender = await env.connect('tls', { pingInterval: 100, remembrance: { name: 'Terry Pratchett', interval: 200 } });
    expect(await nextMatching(messages, () => true)).toEqual({ type: 'message', flags: 'GN', text: 'Terry Pratchett' });
    await Promise.all([observer.close(), sender.close()]);
  });
});
