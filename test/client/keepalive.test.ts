import { describe, expect, it } from 'vitest';
import { nextMatching, useTestEnv } from '../helpers/client-env.js';

// A server that drops clients which do not PING for 600 ms.
const env = useTestEnv({ pingTimeout: 600 });

describe('keepalive', () => {
  it('pings on its own so the server keeps the connection', async () => {
    const client = await env.connect('unix', { pingInterval: 100, reconnect: false });
    const status = client.status();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(client.state).toBe('ready');
    expect(await client.retrieve('alive')).toBeUndefined();
    await client.close();
    expect(await nextMatching(status, () => true)).toEqual({ type: 'closed' });
  });

  it('without pings the server sends TIMEOUT, which is a connection loss', async () => {
    const client = await env.connect('unix', { pingInterval: false, reconnect: false });
    const status = client.status();
    const lost = await nextMatching(status, (event) => event.type === 'disconnected', 10_000);
    expect(lost).toMatchObject({ type: 'disconnected', reason: { message: expect.stringMatching(/TIMEOUT/) } });
    await nextMatching(status, (event) => event.type === 'closed', 5000);
  });

  it('disablePing() suspends the server ping timeout', async () => {
    const client = await env.connect('tls', { pingInterval: false, reconnect: false });
    await client.disablePing();
    await new Promise((resolve) => setTimeout(resolve, 1500));
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
