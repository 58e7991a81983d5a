/**
 * Issue 10, finding 10: a large SET waits in the iterators' buffers as bytes
 * and is decoded only when a consumer takes it, so the events a slow
 * consumer's bound drops are never decoded. The event a consumer gets is
 * the same plain object as for any other SET.
 */
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../src/events/event-hub.js';
import { PendingSetEvent } from '../../src/events/pending-set.js';
import { parseServerLine } from '../../src/wire/server-lines.js';

/** A UTF-8 decoder that counts the values it decodes (the name is decoded as the event is made). */
interface Counter {
  decode: (bytes: Uint8Array) => string;
  values: number;
  making: boolean;
}

function countingDecoder(): Counter {
  const counter: Counter = {
    values: 0,
    making: false,
    decode: (bytes) => {
      if (!counter.making) counter.values++;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    },
  };
  return counter;
}

function pending(line: string, counter: Counter): PendingSetEvent {
  counter.making = true;
  const event = PendingSetEvent.fromLine(Buffer.from(line, 'utf8'), counter.decode);
  counter.making = false;
  if (event === undefined) throw new Error(`not a SET line: ${line}`);
  return event;
}

const hub = (bufferBytes: number, dropped: string[] = []): EventHub =>
  new EventHub({ bufferSize: 10_000, bufferBytes, overflow: 'drop-oldest', onDrop: (event) => dropped.push(event.type) });

describe('PendingSetEvent', () => {
  it('reads SET name=value lines only, with the name and value parseServerLine gives', () => {
    const plain = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    for (const line of ['SET n=v', 'SET n=', 'SET ünï=€=😀\ufffd', 'SET a==b', 'SET =x']) {
      const event = PendingSetEvent.fromLine(Buffer.from(line, 'utf8'), plain);
      expect({ type: event?.type, name: event?.name, value: event?.value }).toEqual(parseServerLine(line));
    }
    for (const line of ['SET noequals', 'SETX a=b', 'RETRIEVED a=b', 'NOTIFY a', 'set a=b']) {
      expect(PendingSetEvent.fromLine(Buffer.from(line, 'utf8'), plain)).toBeUndefined();
    }
  });

  it('decodes bytes split at the = exactly as the whole line (invalid UTF-8 next to it included)', () => {
    const line = Buffer.from([0x53, 0x45, 0x54, 0x20, 0x61, 0xe2, 0x82, 0x3d, 0xf0, 0x9f, 0x3d, 0x80, 0xff]);
    const event = PendingSetEvent.fromLine(line, (bytes) => Buffer.from(bytes).toString('utf8'));
    expect({ type: event?.type, name: event?.name, value: event?.value }).toEqual(parseServerLine(line.toString('utf8')));
  });

  it('weighs the line on the wire without decoding it', () => {
    const counter = countingDecoder();
    const event = pending('SET név=€€', counter);
    expect(event.weight).toBe(Buffer.byteLength('SET név=€€\n'));
    const events = hub(1024);
    const stream = events.open({ types: ['set'] });
    events.dispatchPending(event);
    expect(stream.bufferedBytes).toBe(event.weight);
    expect(counter.values).toBe(0);
  });
});

describe('EventHub with pending SETs', () => {
  it('never decodes the events a byte bound drops; the consumer takes the newest, decoded then', async () => {
    const counter = countingDecoder();
    const dropped: string[] = [];
    const events = hub(1500, dropped);
    const stream = events.open({ types: ['set'] });
    for (let i = 0; i < 10; i++) events.dispatchPending(pending(`SET big=${i}:${'x'.repeat(1000)}`, counter));
    expect(stream.dropped).toBe(9);
    expect(dropped).toEqual(Array(9).fill('set'));
    expect(counter.values).toBe(0);
    const taken = await stream.next();
    expect(counter.values).toBe(1);
    expect(taken.value).toEqual({ type: 'set', name: 'big', value: `9:${'x'.repeat(1000)}` });
  });

  it('hands out a plain object: spread, JSON and structuredClone see name and value', async () => {
    const events = hub(1 << 20);
    const stream = events.open();
    events.dispatchPending(pending('SET k=välue', countingDecoder()));
    const { value: event } = await stream.next();
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.keys(event as object)).toEqual(['type', 'name', 'value']);
    expect({ ...(event as object) }).toEqual({ type: 'set', name: 'k', value: 'välue' });
    expect(JSON.parse(JSON.stringify(event))).toEqual({ type: 'set', name: 'k', value: 'välue' });
    expect(structuredClone(event)).toEqual({ type: 'set', name: 'k', value: 'välue' });
  });

  it('decodes a value once for every iterator, and gives a waiting consumer the decoded event', async () => {
    const counter = countingDecoder();
    const events = hub(1 << 20);
    const waiting = events.open({ types: ['set'] });
    const buffered = events.open({ names: ['k'] });
    const filtered = events.open({ names: ['other'] });
    const next = waiting.next();
    events.dispatchPending(pending('SET k=v', counter));
    const [first, second] = [await next, await buffered.next()];
    expect(first.value).toEqual({ type: 'set', name: 'k', value: 'v' });
    expect(second.value).toBe(first.value);
    expect(filtered.buffered).toBe(0);
    expect(counter.values).toBe(1);
  });

  it('decodes at once for an iterator with a codec, and gives it the codec’s value', async () => {
    const counter = countingDecoder();
    const events = hub(1 << 20);
    const codec = {
      decode: (wire: string) => {
        if (wire === 'bad') throw new Error('not a value');
        return { wire };
      },
    };
    const decoded = events.open({ codec });
    events.dispatchPending(pending('SET n=€1', counter));
    events.dispatchPending(pending('SET n=bad', counter));
    expect(counter.values).toBe(2);
    expect((await decoded.next()).value).toEqual({ type: 'set', name: 'n', value: { wire: '€1' } });
    expect((await decoded.next()).value).toEqual({ type: 'error', message: 'cannot decode the value of SET n: not a value' });
  });

  it('never decodes what an iterator left by return() still held', async () => {
    const counter = countingDecoder();
    const events = hub(1 << 20);
    const stream = events.open();
    events.dispatchPending(pending('SET a=1', counter));
    events.dispatchPending(pending('SET a=2', counter));
    await stream.return();
    expect(counter.values).toBe(0);
  });
});
