/**
 * The workloads, each in two versions that do the same protocol work: one
 * through a client with the SDK's API (the SDK itself, or the floor client
 * of floor-client.ts), one through the raw baseline. Every function measures
 * one round and returns its figures (rate, and this process's CPU per
 * operation); setup stays outside the timed part.
 * @module
 */
import type { ClacksClient, RequestOptions } from '../../src/index.js';
import type { RawClient } from './raw-client.js';
import { deadline, now, percentile, stopwatch, type Measured } from './stats.js';

/** What the read workloads need of a client: the SDK and the floor both have it. */
export interface Reader {
  retrieve(name: string, options?: RequestOptions): Promise<string | undefined>;
}

/** What the write workloads need. */
export interface Writer {
  store(name: string, value: string): Promise<void>;
  flush(): Promise<void>;
}

/** What the fan-out consumer needs. */
export interface Listener {
  listen(name: string): Promise<void>;
  unlisten(name: string): Promise<void>;
  flush(): Promise<void>;
  events(): AsyncIterableIterator<{ type: string; name?: string }>;
}

/** The cached keys read by the retrieve workloads (`bench::k0` …). */
export const VALUE = 'value-0123456789abcdef0123456789';
export const FANOUT_NAME = 'bench::fan';
export const END_NAME = 'bench::end';
export const FANOUT_VALUE = 'payload-0123456789abcdef';
/** No round may hang a run: past this it fails loudly. */
const ROUND_DEADLINE_MS = 120_000;

export function keyNames(count: number, prefix = 'bench::k'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** Stores every key with {@link VALUE} (untimed setup), through a raw connection. */
export async function prepareKeys(client: RawClient, keys: readonly string[]): Promise<void> {
  await client.roundTrip(`${keys.map((key) => `STORE ${key}=${VALUE}\r\n`).join('')}FLUSH prepared\r\n`, 1);
}

// ------------------------------------------------------------ 1. pipelined retrieve

/** ops/s: `total` RETRIEVEs, `keys.length` in flight at a time. */
export async function rawPipelined(client: RawClient, keys: readonly string[], total: number): Promise<Measured> {
  const window = Buffer.from(keys.map((key) => `RETRIEVE ${key}\r\n`).join(''));
  const clock = stopwatch();
  for (let done = 0; done < total; done += keys.length) await client.roundTrip(window, keys.length);
  return clock.stop(total);
}

export async function sdkPipelined(client: Reader, keys: readonly string[], total: number, options?: RequestOptions): Promise<Measured> {
  const clock = stopwatch();
  for (let done = 0; done < total; done += keys.length) await Promise.all(keys.map((key) => client.retrieve(key, options)));
  return clock.stop(total);
}

// ------------------------------------------------------------ 2. sequential latency

export interface Latency {
  /** Microseconds. */
  p50: number;
  p99: number;
  /** CPU of this process per request, µs. */
  cpu: number;
}

export async function rawSequential(client: RawClient, key: string, count: number): Promise<Latency> {
  const line = Buffer.from(`RETRIEVE ${key}\r\n`);
  const times = new Array<number>(count);
  const clock = stopwatch();
  for (let i = 0; i < count; i++) {
    const start = now();
    await client.roundTrip(line, 1);
    times[i] = now() - start;
  }
  return latency(times, clock.stop(count));
}

export async function sdkSequential(client: Reader, key: string, count: number): Promise<Latency> {
  const times = new Array<number>(count);
  const clock = stopwatch();
  for (let i = 0; i < count; i++) {
    const start = now();
    await client.retrieve(key);
    times[i] = now() - start;
  }
  return latency(times, clock.stop(count));
}

/** p50 and p99 of per-request times in ms, as µs. */
export function latency(msTimes: number[], window: Measured): Latency {
  return { p50: percentile(msTimes, 50) * 1000, p99: percentile(msTimes, 99) * 1000, cpu: window.cpu };
}

// ------------------------------------------------------------ 3. store burst + flush

/** ops/s: `count` STOREs written back to back, then one FLUSH, until FLUSHED. */
export async function rawStoreBurst(client: RawClient, count: number): Promise<Measured> {
  let text = '';
  for (let i = 0; i < count; i++) text += `STORE bench::s${i % 1000}=${VALUE}\r\n`;
  const burst = Buffer.from(`${text}FLUSH raw-burst\r\n`);
  const clock = stopwatch();
  await client.roundTrip(burst, 1);
  return clock.stop(count);
}

export async function sdkStoreBurst(client: Writer, count: number): Promise<Measured> {
  const names = keyNames(1000, 'bench::s');
  const clock = stopwatch();
  const writes = new Array<Promise<void>>(count);
  for (let i = 0; i < count; i++) writes[i] = client.store(names[i % 1000] as string, VALUE);
  const written = Promise.all(writes);
  await client.flush();
  await written;
  return clock.stop(count);
}

// ------------------------------------------------------------ 4. fan-out

/** What one fan-out round delivered. */
export interface FanoutRound extends Measured {
  /** Events per second reaching the consumer's code (`rate`); `cpu` is per event. */
  received: number;
  dropped: number;
}

/** A consumer that is listening, and tells the publisher how far it got. */
export interface FanoutConsumer {
  /** Resolves once `count` events have been read (or dropped). */
  reached(count: number): Promise<void>;
  /** Resolves after the end marker, with what was read and dropped. */
  finished(): Promise<{ received: number; dropped: number }>;
}

/**
 * The publisher (always a raw connection, so only the consumer differs):
 * `count` SETs in batches, at most `credit` batches ahead of the consumer, so
 * nothing piles up in the server however slow the consumer is; then a
 * `NOTIFY bench::end` marker.
 */
export class FanoutPublisher {
  private readonly batch: Buffer;
  private readonly end: string;
  /**
   * `lines` are the event and the end marker as the server's protocol
   * writes them: Clacks SET and NOTIFY by default (the peers section passes
   * RESP PUBLISH commands).
   */
  constructor(
    private readonly client: RawClient,
    private readonly batchSize: number,
    private readonly credit: number,
    lines: { event: string; end: string } = { event: `SET ${FANOUT_NAME}=${FANOUT_VALUE}\r\n`, end: `NOTIFY ${END_NAME}\r\n` },
  ) {
    this.batch = Buffer.from(lines.event.repeat(batchSize));
    this.end = lines.end;
  }

  async run(count: number, consumer: FanoutConsumer): Promise<FanoutRound> {
    const batches = Math.ceil(count / this.batchSize);
    const clock = stopwatch();
    const round = (async () => {
      for (let b = 0; b < batches; b++) {
        const needed = (b - this.credit) * this.batchSize;
        if (needed > 0) await consumer.reached(needed);
        this.client.write(this.batch);
      }
      this.client.write(this.end);
      return consumer.finished();
    })();
    const { received, dropped } = await deadline(round, ROUND_DEADLINE_MS, 'a fan-out round');
    return { ...clock.stop(received), received, dropped };
  }

  /** SETs actually sent for `count` (whole batches). */
  totalFor(count: number): number {
    return Math.ceil(count / this.batchSize) * this.batchSize;
  }
}

/** The raw consumer: LISTENs on its socket and counts lines. */
export async function rawFanoutRound(publisher: FanoutPublisher, consumer: RawClient, count: number): Promise<FanoutRound> {
  await consumer.roundTrip(`LISTEN ${FANOUT_NAME}\r\nLISTEN ${END_NAME}\r\nFLUSH listening\r\n`, 1);
  const base = consumer.lines;
  const total = publisher.totalFor(count);
  const result = await publisher.run(count, {
    reached: (n) => consumer.waitLines(base + n),
    finished: async () => {
      await consumer.waitLines(base + total + 1);
      return { received: consumer.lines - base - 1, dropped: 0 };
    },
  });
  await consumer.roundTrip(`UNLISTEN ${FANOUT_NAME}\r\nUNLISTEN ${END_NAME}\r\nFLUSH unlistened\r\n`, 1);
  return result;
}

/** Counts what a consumer has read and wakes the publisher. */
export class Progress {
  count = 0;
  private target = Infinity;
  private wake: (() => void) | undefined;
  constructor(private readonly dropped: () => number) {}

  advance(): void {
    if (++this.count + this.dropped() >= this.target) this.release();
  }

  reached(count: number): Promise<void> {
    if (this.count + this.dropped() >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.target = count;
      this.wake = resolve;
    });
  }

  release(): void {
    const wake = this.wake;
    this.target = Infinity;
    this.wake = undefined;
    wake?.();
  }
}

/** Drops so far of an iterator from `events()` / `subscribe()` (both are an EventQueue underneath; the floor's never drops). */
function droppedOf(iterator: AsyncIterableIterator<unknown>): () => number {
  const queue = iterator as { dropped?: number };
  return () => queue.dropped ?? 0;
}

/** The consumer through `for await (const event of client.events())` (the SDK, or the floor). */
export async function sdkEventsRound(publisher: FanoutPublisher, consumer: Listener, count: number): Promise<FanoutRound> {
  await consumer.listen(FANOUT_NAME);
  await consumer.listen(END_NAME);
  await consumer.flush();
  const events = consumer.events();
  const progress = new Progress(droppedOf(events));
  const loop = (async () => {
    for await (const event of events) {
      if (event.type === 'set') progress.advance();
      else if (event.type === 'notify' && event.name === END_NAME) break;
    }
    progress.release();
    return { received: progress.count, dropped: droppedOf(events)() };
  })();
  const result = await publisher.run(count, { reached: (n) => progress.reached(n), finished: () => loop });
  await consumer.unlisten(FANOUT_NAME);
  await consumer.unlisten(END_NAME);
  await consumer.flush();
  return result;
}

/** The SDK consumer through `for await (const event of client.subscribe(names))`. */
export async function sdkSubscribeRound(publisher: FanoutPublisher, consumer: ClacksClient, count: number): Promise<FanoutRound> {
  const subscription = consumer.subscribe([FANOUT_NAME, END_NAME]);
  await subscription.ready;
  await consumer.flush();
  const progress = new Progress(() => subscription.dropped);
  const loop = (async () => {
    for await (const event of subscription) {
      if (event.type === 'set') progress.advance();
      else if (event.type === 'notify') break;
    }
    progress.release();
    return { received: progress.count, dropped: subscription.dropped };
  })();
  const result = await publisher.run(count, { reached: (n) => progress.reached(n), finished: () => loop });
  await consumer.flush();
  return result;
}
