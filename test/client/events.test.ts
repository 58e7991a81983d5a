import { describe, expect, it } from 'vitest';
import { SlowConsumerError, type ClacksEvent } from '../../src/index.js';
import { nextMatching, useTestEnv, TRANSPORTS, waitFor } from '../helpers/client-env.js';

const env = useTestEnv();

describe.each(TRANSPORTS)('events and subscriptions over %s', (transport) => {
  it('delivers every event to every open iterator, filtered by type and name', async () => {
    const listener = await env.connect(transport);
    const sender = await env.connect(transport);
    const all = listener.events();
    const onlyB = listener.events({ names: ['b'] });
    const onlyNotify = listener.events({ types: ['notify'] });
    await listener.listen('a');
    await listener.listen('b');
    await listener.flush();
    await sender.set('a', '1');
    await sender.notify('b');
    expect(await nextMatching(all, () => true)).toEqual({ type: 'set', name: 'a', value: '1' });
    expect(await nextMatching(all, () => true)).toEqual({ type: 'notify', name: 'b' });
    expect(await nextMatching(onlyB, () => true)).toEqual({ type: 'notify', name: 'b' });
    expect(await nextMatching(onlyNotify, () => true)).toEqual({ type: 'notify', name: 'b' });
    await Promise.all([listener.close(), sender.close()]);
  });

  it('subscribe() listens, yields the name\'s events, and unlistens when the loop is left', async () => {
    const listener = await env.connect(transport);
    const sender = await env.connect(transport);
    const admin = await env.connect(transport);
    const name = `sub-${transport}`;
    const subscription = listener.subscribe(name);
    await subscription.ready;
    await listener.flush();
    void (async () => {
      for (let i = 0; i < 3; i++) await sender.set(name, String(i));
    })();
    const values: string[] = [];
    for await (const event of subscription) {
      if (event.type === 'set') values.push(event.value);
      if (values.length === 3) break;
    }
    expect(values).toEqual(['0', '1', '2']);
    // `break` sent UNLISTEN: the server no longer forwards this name to the listener.
    await listener.flush();
    const debug = admin.events({ types: ['debug'] });
    await admin.monitor();
    await admin.flush();
    await listener.flush();
    const others = listener.events({ types: ['set'] });
    await sender.set(name, 'after-break');
    await sender.set('control', 'x');
    await listener.listen('control');
    await listener.flush();
    await sender.set('control', 'y');
    expect(await nextMatching(others, () => true)).toEqual({ type: 'set', name: 'control', value: 'y' });
    await nextMatching(debug, (event) => event.type === 'debug' && event.text === 'SET control=y');
    await Promise.all([listener.close(), sender.close(), admin.close()]);
  });

  it('reference-counts subscriptions so two on one name do not cancel each other', async () => {
    const listener = await env.connect(transport);
    const sender = await env.connect(transport);
    const name = `refcount-${transport}`;
    const first = listener.subscribe(name);
    const second = listener.subscribe([name]);
    await Promise.all([first.ready, second.ready]);
    first.unsubscribe();
    await listener.flush();
    await sender.set(name, 'still-here');
    expect(await nextMatching(second, () => true)).toEqual({ type: 'set', name, value: 'still-here' });
    expect(await first.next()).toEqual({ done: true, value: undefined });
    await Promise.all([listener.close(), sender.close()]);
  });

  it('bounds a slow consumer: drop-oldest counts drops, error fails the iterator', async () => {
    const listener = await env.connect(transport);
    const sender = await env.connect(transport);
    const name = `slow-${transport}`;
    const dropping = listener.events({ names: [name], types: ['set'], bufferSize: 100, overflow: 'drop-oldest' }) as AsyncIterableIterator<ClacksEvent> & {
      dropped: number;
      buffered: number;
    };
    const failing = listener.events({ names: [name], types: ['set'], bufferSize: 100, overflow: 'error' });
    await listener.listen(name);
    await listener.flush();
    for (let i = 0; i < 1000; i++) void sender.set(name, String(i));
    await sender.flush();
    await waitFor(() => dropping.dropped === 900, 10_000, '900 dropped events');
    expect(dropping.buffered).toBe(100);
    // The oldest were dropped: the first event left is number 900.
    expect(await dropping.next()).toEqual({ done: false, value: { type: 'set', name, value: '900' } });
    let delivered = 0;
    await expect(
      (async () => {
        for await (const _ of failing) delivered++;
      })(),
    ).rejects.toBeInstanceOf(SlowConsumerError);
    expect(delivered).toBe(100);
    await Promise.all([listener.close(), sender.close()]);
  });

  it('ends every iterator cleanly on close()', async () => {
    const client = await env.connect(transport);
    const events = client.events();
    const subscription = client.subscribe('ending');
    const status = client.status();
    const consumed = (async () => {
      const seen: string[] = [];
      for await (const event of events) seen.push(event.type);
      return seen;
    })();
    await client.close();
    expect(await consumed).toEqual([]);
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
    const statuses: string[] = [];
    for await (const event of status) statuses.push(event.type);
    expect(statuses).toEqual(['closed']);
  });

  it('delivers OVERHEAD messages and the GNU remembrance as message events', async () => {
    const receiver = await env.connect(transport);
    const sender = await env.connect(transport);
    const messages = receiver.events({ types: ['message'] });
    await sender.sendRaw('OVERHEAD GNU Terry Pratchett');
    expect(await nextMatching(messages, () => true)).toEqual({ type: 'message', flags: 'GN', text: 'Terry Pratchett' });
    await Promise.all([receiver.close(), sender.close()]);
  });
});
