/**
 * The one queued async iterator behind `events()`, `subscribe()` and
 * `status()`. A producer pushes; a `for await` loop pulls. The buffer is
 * bounded in events and in bytes: past either bound the oldest event is
 * dropped (and counted), or the iterator fails with a `SlowConsumerError`,
 * so a slow consumer can never grow memory without bound. Leaving the loop
 * (`break`, `return`, a throw) runs `onClose`, which is how a subscription
 * sends its UNLISTEN.
 * @module
 */
import { SlowConsumerError } from '../errors.js';
import { Fifo } from '../util/fifo.js';

/** What an iterator does when its buffer is full. */
export type OverflowPolicy = 'drop-oldest' | 'error';

/** Options of an {@link EventQueue}. */
export interface EventQueueOptions<T = unknown> {
  /** Most events buffered for a consumer that is not keeping up. Default 10,000. */
  bufferSize?: number;
  /** Most bytes buffered (each push says what its event weighs). Default: no byte bound. */
  bufferBytes?: number;
  /** Default `'drop-oldest'`. */
  overflow?: OverflowPolicy;
  /** Runs once when the iterator ends, whichever way. */
  onClose?: () => void;
  /** Told of every event a bound kept out: dropped (`drop-oldest`), or refused as the iterator fails (`error`). */
  onDrop?: (event: T, reason: 'count' | 'bytes') => void;
  /** Turns an event given to `pushDeferred` into what the consumer gets, when it gets it (a large SET is decoded only then). */
  take?: (event: T) => T;
}

/** An async iterator of events that counts what it buffers and drops. */
export interface EventStream<T> extends AsyncIterableIterator<T> {
  /** Events dropped because a bound of the buffer was reached (policy `drop-oldest`). */
  readonly dropped: number;
  /** Events waiting to be read. */
  readonly buffered: number;
  /** Bytes waiting to be read: the length of the events' lines on the wire. */
  readonly bufferedBytes: number;
}

type Waiter<T> = { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void };

/** A bounded, single-consumer async iterator fed by `push`. */
export class EventQueue<T> implements EventStream<T> {
  private readonly buffer = new Fifo<T>();
  /** The weight of each buffered event, in the same order. */
  private readonly sizes = new Fifo<number>();
  private readonly bufferSize: number;
  private readonly bufferBytes: number;
  private readonly overflow: OverflowPolicy;
  private readonly onDrop: ((event: T, reason: 'count' | 'bytes') => void) | undefined;
  private readonly take: (event: T) => T;
  /** Whether a deferred event was ever pushed: until then events are handed out as they are. */
  private deferred = false;
  private onClose: (() => void) | undefined;
  private waiter: Waiter<T> | undefined;
  private done = false;
  private failure: Error | undefined;
  private droppedCount = 0;
  private bytes = 0;

  constructor(options: EventQueueOptions<T> = {}) {
    this.bufferSize = Math.max(1, options.bufferSize ?? 10_000);
    this.bufferBytes = Math.max(1, options.bufferBytes ?? Number.POSITIVE_INFINITY);
    this.overflow = options.overflow ?? 'drop-oldest';
    this.onClose = options.onClose;
    this.onDrop = options.onDrop;
    this.take = options.take ?? ((event) => event);
  }

  /** Events dropped because a bound of the buffer was reached (policy `drop-oldest`). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Events waiting to be read. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Bytes waiting to be read, as weighed by the producer. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** Whether the iterator has ended (no more events will be delivered). */
  get closed(): boolean {
    return this.done;
  }

  /**
   * Delivers an event weighing `size` bytes (ignored once the iterator has
   * ended). The buffer always takes one event, however heavy: the line
   * length limit bounds a single event.
   */
  push(item: T, size = 0): void {
    if (this.done) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    while (this.buffer.length > 0) {
      const reason = this.buffer.length >= this.bufferSize ? 'count' : this.bytes + size > this.bufferBytes ? 'bytes' : undefined;
      if (reason === undefined) break;
      if (this.overflow === 'error') {
        this.onDrop?.(item, reason);
        const bound = reason === 'count' ? `${this.bufferSize} events` : `${this.bufferBytes} bytes`;
        this.fail(new SlowConsumerError(`event buffer of ${bound} overflowed: the consumer is not keeping up`));
        return;
      }
      this.bytes -= this.sizes.shift() ?? 0;
      const dropped = this.buffer.shift() as T;
      this.droppedCount++;
      this.onDrop?.(dropped, reason);
    }
    this.buffer.push(item);
    this.sizes.push(size);
    this.bytes += size;
  }

  /**
   * Ends the iterator: buffered events are still delivered, then the loop
   * ends (or throws `error`, when given).
   */
  end(error?: Error): void {
    if (this.done) return;
    this.done = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    // A waiting consumer takes the error now; otherwise next() delivers it after the buffer (once).
    this.failure = waiter ? undefined : error;
    if (waiter) {
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
    this.runOnClose();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      this.bytes -= this.sizes.shift() ?? 0;
      const item = this.buffer.shift() as T;
      return Promise.resolve({ value: this.deferred ? this.take(item) : item, done: false });
    }
    if (this.done) {
      const failure = this.failure;
      if (failure) {
        this.failure = undefined;
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error('EventQueue: next() called again before the previous call settled'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /**
   * Delivers an event that becomes what the consumer gets only when it is
   * taken (the `take` option: a large SET is decoded then). A method of its
   * own, so that `push`, which every small event goes through, stays as it was.
   */
  pushDeferred(item: T, size: number): void {
    if (this.done) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: this.take(item), done: false });
      return;
    }
    this.deferred = true;
    this.push(item, size);
  }

  /** Called by `break` / `return` in a `for await` loop: ends the iterator and drops its buffer. */
  return(): Promise<IteratorResult<T>> {
    this.clearBuffer();
    this.failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.clearBuffer();
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private fail(error: Error): void {
    this.end(error);
  }

  private clearBuffer(): void {
    this.buffer.clear();
    this.sizes.clear();
    this.bytes = 0;
  }

  private runOnClose(): void {
    const onClose = this.onClose;
    this.onClose = undefined;
    onClose?.();
  }
}

/**
 * The queue of a `subscribe()`: an event queue with the subscription's
 * names, its LISTENs' confirmation and its end. Fields of a class of its
 * own give every subscription one hidden class from its construction on
 * (adding them to a queue afterwards made a chain of map transitions, which
 * a full GC can drop, and the code optimized for them with it: subscribe()
 * cost up to a fifth more per event than events()).
 */
export class SubscriptionQueue<T> extends EventQueue<T> {
  names: readonly string[] = [];
  ready: Promise<void> = Promise.resolve();
  readonly unsubscribe = (): void => void this.return();
}
