import { describe, expect, it } from 'vitest';
import { useTestEnv, TRANSPORTS, nextMatching } from '../helpers/client-env.js';

const env = useTestEnv();

describe.each(TRANSPORTS)('every command over %s', (transport) => {
  it('connects, reports the server greeting and state', async () => {
    const client = await env.connect(transport);
    expect(client.state).toBe('ready');
    expect(client.serverInfo).toMatch(/\S/);
    await client.close();
    expect(client.state).toBe('closed');
  });

  it('stores, retrieves, removes and lists keys', async () => {
    const client = await env.connect(transport);
    const prefix = `cmd-${transport}`;
    await client.store(`${prefix}-greeting`, 'hello world');
    await client.store(`${prefix}-eq`, 'a=b=c');
    await client.store(`${prefix}-empty`, '');
    expect(await client.retrieve(`${prefix}-greeting`)).toBe('hello world');
    expect(await client.retrieve(`${prefix}-eq`)).toBe('a=b=c');
    expect(await client.retrieve(`${prefix}-empty`)).toBe('');
    expect(await client.retrieve(`${prefix}-missing`)).toBeUndefined();
    const keys = await client.keylist();
    expect(keys).toEqual(expect.arrayContaining([`${prefix}-greeting`, `${prefix}-eq`, `${prefix}-empty`]));
    expect([...keys].sort()).toEqual(keys);
    await client.remove(`${prefix}-greeting`);
    expect(await client.retrieve(`${prefix}-greeting`)).toBeUndefined();
    await client.close();
  });

  it('increments and decrements with Perl arithmetic', async () => {
    const client = await env.connect(transport);
    const key = `cnt-${transport}`;
    await client.increment(key);
    expect(await client.retrieve(key)).toBe('1');
    await client.increment(key, 5);
    expect(await client.retrieve(key)).toBe('6');
    await client.decrement(key);
    await client.decrement(key, '2');
    expect(await client.retrieve(key)).toBe('3');
    await client.increment(key, 1.5);
    expect(await client.retrieve(key)).toBe('4.5');
    await client.increment(key, -10);
    expect(await client.retrieve(key)).toBe('-5.5');
    await client.close();
  });

  it('clears the cache', async () => {
    const client = await env.connect(transport);
    await client.store(`clear-${transport}`, '1');
    await client.clearcache();
    expect(await client.retrieve(`clear-${transport}`)).toBeUndefined();
    await client.close();
  });

  it('flush resolves after the server processed everything before it', async () => {
    const client = await env.connect(transport);
    const other = await env.connect(transport);
    await client.store(`flush-${transport}`, 'landed');
    await client.flush();
    expect(await other.retrieve(`flush-${transport}`)).toBe('landed');
    await Promise.all([client.close(), other.close()]);
  });

  it('sends SET, NOTIFY and SETANDSTORE to other listeners but never back to the sender', async () => {
    const listener = await env.connect(transport);
    const sender = await env.connect(transport === 'unix' ? 'tls' : 'unix');
    const chan = `chan-${transport}`;
    const listenerEvents = listener.events({ types: ['set', 'notify'] });
    const senderEvents = sender.events({ types: ['set', 'notify'] });
    await listener.listen(chan);
    await sender.listen(chan);
    await Promise.all([listener.flush(), sender.flush()]);
    await sender.set(chan, '21.5');
    await sender.notify(chan);
    await sender.setAndStore(chan, 'stored-and-set');
    await sender.set(chan, 'a=b c');
    expect(await listenerEvents.next()).toEqual({ done: false, value: { type: 'set', name: chan, value: '21.5' } });
    expect(await listenerEvents.next()).toEqual({ done: false, value: { type: 'notify', name: chan } });
    expect(await listenerEvents.next()).toEqual({ done: false, value: { type: 'set', name: chan, value: 'stored-and-set' } });
    expect(await listenerEvents.next()).toEqual({ done: false, value: { type: 'set', name: chan, value: 'a=b c' } });
    expect(await listener.retrieve(chan)).toBe('stored-and-set');
    // The sender listens too, yet got none of its own signals.
    await sender.flush();
    await listener.set(chan, 'from-listener');
    expect(await nextMatching(senderEvents, () => true)).toEqual({ type: 'set', name: chan, value: 'from-listener' });
    await Promise.all([listener.close(), sender.close()]);
  });

  it('stops delivering after unlisten', async () => {
    const listener = await env.connect(transport);
    const sender = await env.connect(transport);
    const events = listener.events({ types: ['set'] });
    await listener.listen('a');
    await listener.listen('b');
    await listener.flush();
    await listener.unlisten('a');
    await listener.flush();
    await sender.set('a', 'after-unlisten');
    await sender.set('b', 'still-listening');
    expect(await nextMatching(events, () => true)).toEqual({ type: 'set', name: 'b', value: 'still-listening' });
    await Promise.all([listener.close(), sender.close()]);
  });

  it('carries UTF-8 names and values end to end', async () => {
    const client = await env.connect(transport);
    const value = 'Grüße, Zürich € 日本語 🚀';
    await client.store('schlüssel', value);
    expect(await client.retrieve('schlüssel')).toBe(value);
    await client.close();
  });

  it('carries a 100 KB value', async () => {
    const client = await env.connect(transport);
    const value = 'x'.repeat(50_000) + 'ü'.repeat(25_000);
    await client.store(`big-${transport}`, value);
    expect(await client.retrieve(`big-${transport}`)).toBe(value);
    await client.close();
  });

  it('lists clients with typed fields, monitors, and disconnects a client', async () => {
    const admin = await env.connect(transport, { name: 'admin-client' });
    const victim = await env.connect(transport, { name: 'victim client', reconnect: false });
    const debug = admin.events({ types: ['debug'] });
    await admin.monitor();
    const clients = await admin.clientlist();
    const me = clients.find((entry) => entry.clientInfo === 'admin-client');
    const them = clients.find((entry) => entry.clientInfo === 'victim client');
    expect(me).toBeDefined();
    expect(them).toBeDefined();
    expect(me?.monitor).toBe(true);
    expect(them?.interclacks).toBe(false);
    expect(typeof them?.lastPing).toBe('number');
    expect(them?.fields.CID).toBe(them?.cid);
    await victim.store('seen-by-monitor', '1');
    const seen = await nextMatching(debug, (event) => event.type === 'debug' && event.text === 'STORE seen-by-monitor=1');
    expect(seen).toMatchObject({ type: 'debug', sender: them?.cid });
    const victimStatus = victim.status();
    await admin.clientDisconnect(them?.cid ?? '');
    await nextMatching(victimStatus, (event) => event.type === 'closed', 15_000);
    expect(victim.state).toBe('closed');
    await admin.monitor(false);
    await admin.close();
  });

  it('sends PING and NOPING, and raw lines whose replies arrive as unsolicited events', async () => {
    const client = await env.connect(transport);
    const unsolicited = client.events({ types: ['unsolicited', 'error'] });
    await client.ping();
    await client.disablePing();
    await client.ping();
    await client.store('raw-key', 'raw-value');
    await client.sendRaw('RETRIEVE raw-key');
    expect(await nextMatching(unsolicited, () => true)).toEqual({
      type: 'unsolicited',
      line: { type: 'retrieved', name: 'raw-key', value: 'raw-value' },
    });
    await client.sendRaw('BOGUS command');
    expect(await nextMatching(unsolicited, () => true)).toEqual({ type: 'error', message: 'unknown_command BOGUS command' });
    await client.close();
  });

  it('refuses a client name with ";" before connecting', async () => {
    await expect(env.connect(transport, { name: 'bad;name' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'name' });
  });

  it('skips unchanged SETs in caching mode unless forced', async () => {
    const sender = await env.connect(transport, { caching: true });
    const listener = await env.connect(transport);
    const events = listener.events({ types: ['set'] });
    await listener.listen('cached');
    await listener.flush();
    await sender.set('cached', '1');
    await sender.set('cached', '1');
    await sender.set('cached', '1', { force: true });
    await sender.set('cached', '2');
    await sender.flush();
    const values: string[] = [];
    for (let i = 0; i < 3; i++) {
      const event = await nextMatching(events, () => true);
      if (event.type === 'set') values.push(event.value);
    }
    expect(values).toEqual(['1', '1', '2']);
    await Promise.all([sender.close(), listener.close()]);
  });
});
