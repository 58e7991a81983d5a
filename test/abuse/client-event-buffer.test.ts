/**
 * Issue 10, finding 10: event buffers bounded in bytes, not only in events.
 * A user with write permission floods a name a slow subscriber listens to
 * with large SETs (scaled down: 24 of 1 MiB, the measured attack sent 400 of
 * 15 MiB). Asserted through the client's own accounting: each iterator's
 * `bufferedBytes` and `dropped`, and `client.stats()`.
 */
import { describe, expect, it } from 'vitest';
import { SlowConsumerError } from '../../src/index.js';
import { useTestEnv } from '../helpers/client-env.js';

const env = useTestEnv();
const MiB = 1024 * 1024;

/** A value of about `size` characters that says which SET it came from. */
const big = (index: number, size: number) => `${index}:${'x'.repeat(size)}`;

describe('a slow subscriber under a flood of large SETs', () => {
  it('holds at most eventBufferBytes (default 16 MiB) per iterator, dropping the oldest', async () => {
    const subscriber = await env.connect('unix');
    const producer = await env.connect('unix', { user: 'wouser' });
    const subscription = subscriber.subscribe('flooded'); // defaults: 10,000 events, 16 MiB, drop-oldest
    const everything = subscriber.events({ types: ['set'] });
    await subscription.ready;

    const count = 24;
    for (let i = 0; i < count; i++) await producer.set('flooded', big(i, MiB));
    await producer.flush();
    await subscriber.flush(); // answered after every SET reached the subscriber

    for (const stream of [subscription, everything]) {
      expect(stream.bufferedBytes).toBeLessThanOrEqual(16 * MiB);
      expect(stream.bufferedBytes).toBeGreaterThan(15 * MiB);
      expect(stream.dropped).toBeGreaterThan(0);
      expect(stream.buffered + stream.dropped).toBe(count);
    }
    const stats = subscriber.stats();
    expect(stats.bufferedEventBytes).toBeLessThanOrEqual(2 * 16 * MiB);
    expect(stats.bufferedEvents).toBe(subscription.buffered + everything.buffered);
    expect(stats.eventsDropped).toBe(subscription.dropped + everything.dropped);
    expect(stats.eventsReceived).toBeGreaterThanOrEqual(count);

    // The newest events are the ones kept.
    const first = await subscription.next();
    expect(first.value).toMatchObject({ type: 'set', name: 'flooded' });
    expect((first.value as { value: string }).value.startsWith(`${subscription.dropped}:`)).toBe(true);
    expect(subscription.bufferedBytes).toBeLessThan(16 * MiB);
  });

  it('bufferBytes per iterator; overflow: error ends the iterator with SlowConsumerError after what it holds', async () => {
    const subscriber = await env.connect('unix', { eventBufferBytes: 2 * MiB });
    const producer = await env.connect('unix', { user: 'wouser' });
    const small = subscriber.subscribe('bounded', { bufferBytes: MiB / 2 });
    const failing = subscriber.events({ types: ['set'], overflow: 'error' }); // the client's 2 MiB
    await small.ready;
    for (let i = 0; i < 10; i++) await producer.set('bounded', big(i, MiB / 4));
    await producer.flush();
    await subscriber.flush();

    expect(small.bufferedBytes).toBeLessThanOrEqual(MiB / 2);
    expect(small.buffered).toBe(1); // two quarter-MiB lines are just over half a MiB
    expect(small.dropped).toBe(9);

    let delivered = 0;
    const failure = await (async () => {
      try {
        for await (const event of failing) {
          expect(event).toMatchObject({ type: 'set', value: big(delivered, MiB / 4) });
          delivered++;
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(delivered).toBe(7); // seven quarter-MiB SETs fit in 2 MiB, the eighth ended the iterator…
    expect(failure).toBeInstanceOf(SlowConsumerError);
    expect(subscriber.state).toBe('ready');
  });

  it('one event larger than the bound is still delivered, alone', async () => {
    const subscriber = await env.connect('unix');
    const producer = await env.connect('unix', { user: 'wouser' });
    const tiny = subscriber.subscribe('heavy', { bufferBytes: 1000 });
    await tiny.ready;
    await producer.set('heavy', big(0, 5000));
    await producer.set('heavy', big(1, 5000));
    await producer.flush();
    await subscriber.flush();
    expect(tiny.buffered).toBe(1);
    expect(tiny.dropped).toBe(1);
    expect((await tiny.next()).value).toEqual({ type: 'set', name: 'heavy', value: big(1, 5000) });
  });
});
