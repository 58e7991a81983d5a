/**
 * The one queued async iterator behind `events()`, `subscribe()` and
 * `status()`. A producer pushes; a `for await` loop pulls. The buffer is
 * bounded: past its size the oldest event is dropped (and counted), or the
 * iterator fails with a `SlowConsumerError`, so a slow consumer can never
 * grow memory without bound. Leaving the loop (`break`, `return`, a throw)
 * runs `onClose`, which is how a subscription sends its UNLISTEN.
 * @module
 */
import { SlowConsumerError } from '../errors.js';
import { Fifo } from '../util/fifo.js';

/** What an iterator does when its buffer is full. */
export type OverflowPolicy = 'drop-oldest' | 'error';

/** Options of an {@link EventQueue}. */
export interface EventQueueOptions {
  /** Most events buffered for a consumer that is not keeping up. Default 10,000. */
  bufferSize?: number;
  /** Default `'drop-oldest'`. */
  overflow?: OverflowPolicy;
  /** Runs once when the iterator ends, whichever way. */
  onClose?: () => void;
}

type Waiter<T> = { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void };

/** A bounded, single-consumer async iterator fed by `push`. */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer = new Fifo<T>();
  private readonly bufferSize: number;
  private readonly overflow: OverflowPolicy;
  private onClose: (() => void) | undefined;
  private waiter: Waiter<T> | undefined;
  private done = false;
  private failure: Error | undefined;
  private droppedCount = 0;

  constructor(options: EventQueueOptions = {}) {
    this.bufferSize = Math.max(1, options.bufferSize ?? 10_000);
    this.overflow = options.overflow ?? 'drop-oldest';
    this.onClose = options.onClose;
  }

  /** Events dropped because the buffer was full (policy `drop-oldest`). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Events waiting to be read. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Whether the iterator has ended (no more events will be delivered). */
  get closed(): boolean {
    return this.done;
  }

  /** Delivers an event (ignored once the iterator has ended). */
  push(item: T): void {
    if (this.done) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.buffer.length >= this.bufferSize) {
      if (this.overflow === 'error') {
        this.fail(new SlowConsumerError(`event buffer of ${this.bufferSize} overflowed: the consumer is not keeping up`));
        return;
      }
      this.buffer.shift();
      this.droppedCount++;
    }
    this.buffer.push(item);
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
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
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

  /** Called by `break` / `return` in a `for await` loop: ends the iterator and drops its buffer. */
  return(): Promise<IteratorResult<T>> {
    this.buffer.clear();
    this.failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.buffer.clear();
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private fail(error: Error): void {
    this.end(error);
  }

  private runOnClose(): void {
    const onClose = this.onClose;
    this.onClose = undefined;
    onClose?.();
  }
}
