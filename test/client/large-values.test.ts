/**
 * Issue 10, finding 10, through the real embedded server: a SET of 1 MiB and
 * more reaches subscribers byte for byte (multi-byte characters split across
 * the socket's chunks), and its value is decoded only when a consumer takes
 * the event: the SETs a slow subscriber's byte bound drops are never decoded
 * (watched by counting the UTF-8 decodes of 1 MiB and more in this process;
 * the embedded server decodes its lines as latin1), while each is still
 * counted and reported.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, perlCodec, type DroppedEventMessage } from '../../src/index.js';
import { TRANSPORTS, useTestEnv } from '../helpers/client-env.js';

const env = useTestEnv();
const MiB = 1024 * 1024;

/** About `size` bytes of 1- to 4-byte characters, tagged with `index`. */
const value = (index: number, size: number) => `${index}:${'aé€😀'.repeat(Math.ceil(size / 10))}`;

const originalToString = Buffer.prototype.toString;

/** Counts the UTF-8 decodes of at least 1 MiB made from now on (until the test ends). */
function countLargeDecodes(): { readonly count: number } {
  const counter = { count: 0 };
  Buffer.prototype.toString = function (this: Buffer, encoding?: BufferEncoding, start?: number, end?: number): string {
    const length = (end ?? this.length) - (start ?? 0);
    if ((encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') && length >= MiB) counter.count++;
    return originalToString.call(this, encoding, start, end);
  };
  return counter;
}

afterEach(() => {
  Buffer.prototype.toString = originalToString;
});

describe('large SET values', () => {
  for (const transport of TRANSPORTS) {
    it(`reach every kind of consumer intact (${transport})`, async () => {
      const subscriber = await env.connect(transport);
      const producer = await env.connect(transport, { user: 'wouser' });
      const name = `large::value::${transport}`;
      const subscription = subscriber.subscribe(name);
      const everything = subscriber.events({ types: ['set'] });
      const decoded = subscriber.events({ types: ['set'], codec: perlCodec });
      await subscription.ready;
      const before = subscriber.stats().eventsReceived;
      const sent = value(1, 3 * MiB);
      await producer.set(name, sent);

      const [a, b, c] = [await subscription.next(), await everything.next(), await decoded.next()];
      for (const result of [a, b, c]) expect(result.value).toEqual({ type: 'set', name, value: sent });
      expect(Buffer.from((a.value as { value: string }).value, 'utf8').equals(Buffer.from(sent, 'utf8'))).toBe(true);
      expect(subscriber.stats().eventsReceived).toBe(before + 1);
    });
  }

  it('are not decoded when a slow subscriber’s byte bound drops them, yet counted and reported', async () => {
    const messages: DroppedEventMessage[] = [];
    const listener = (message: unknown) => messages.push(message as DroppedEventMessage);
    diagnostics.subscribe(CHANNELS.eventDropped, listener);
    try {
      const subscriber = await env.connect('unix', { eventBufferBytes: 2 * MiB });
      const producer = await env.connect('unix', { user: 'wouser' });
      const subscription = subscriber.subscribe('large::flood');
      await subscription.ready;
      const decodes = countLargeDecodes();
      const count = 8;
      for (let i = 0; i < count; i++) await producer.set('large::flood', value(i, 1.5 * MiB));
      await producer.flush();
      await subscriber.flush(); // answered after every SET reached the subscriber

      expect(subscription.dropped).toBe(count - 1);
      expect(subscriber.stats().eventsDropped).toBe(count - 1);
      expect(messages.filter((message) => message.client === subscriber)).toEqual(
        Array.from({ length: count - 1 }, () => ({ client: subscriber, type: 'set', reason: 'bytes', overflow: 'drop-oldest' })),
      );
      expect(decodes.count).toBe(0);
      const newest = await subscription.next();
      expect(newest.value).toEqual({ type: 'set', name: 'large::flood', value: value(count - 1, 1.5 * MiB) });
      expect(decodes.count).toBe(1);
    } finally {
      diagnostics.unsubscribe(CHANNELS.eventDropped, listener);
    }
  });
});
