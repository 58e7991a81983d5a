/**
 * The floor: the least a client with the SDK's API shape must do. A Promise
 * per call, a FIFO of requests matched at its head, one `socket.write` per
 * tick, lines split from Buffers, and an async iterator of events. Nothing
 * else: no validation, no deadlines, no reconnecting, no bounds, no
 * statistics, no tracing. It shares nothing with src/ (as the raw baseline),
 * so the SDK is measured against what its API costs, not against itself.
 *
 * Per call: build the line, append it to the tick's text, create one
 * Promise, push the request on the FIFO. Per reply line: decode it, parse
 * `RETRIEVED name=value` / `NOTRETRIEVED name`, check that it answers the
 * head, resolve. A write (STORE, LISTEN) returns the one Promise of its
 * tick's batch. An event (SET, NOTIFY) is parsed into an object and handed
 * to the iterator, which buffers without bound.
 *
 * Whatever the SDK costs beyond this is its own machinery; what this costs
 * beyond the raw baseline is the price of the API (a Promise and a string
 * per call, an object per event).
 * @module
 */
import type net from 'node:net';
import { login, type RawTarget } from './raw-client.js';

const LF = 0x0a;
const CR = 0x0d;

interface Request {
  /** RETRIEVE: the name; FLUSH: the id. */
  key: string;
  resolve: (value: string | undefined) => void;
  reject: (error: Error) => void;
}

/** The floor's events: what the SDK's `events()` yields for SET and NOTIFY. */
export type FloorEvent = { type: 'set'; name: string; value: string } | { type: 'notify'; name: string };

export class FloorClient {
  private readonly socket: net.Socket;
  /** Requests in write order; `head` is the oldest unanswered one. */
  private requests: Request[] = [];
  private head = 0;
  private pending = '';
  private batch: { promise: Promise<void>; resolve: () => void } | undefined;
  private partial: Buffer | undefined;
  private readonly iterators: FloorEvents[] = [];
  private flushCounter = 0;
  private closedError: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.onClose(error));
    socket.on('close', () => this.onClose(new Error('floor client: connection closed')));
  }

  static async connect(target: RawTarget): Promise<FloorClient> {
    return new FloorClient(await login(target, 'net-clacks-bench-floor'));
  }

  /** A floor client on a socket already logged in (the micro benchmark passes an in-memory one). */
  static fromSocket(socket: net.Socket): FloorClient {
    return new FloorClient(socket);
  }

  retrieve(name: string): Promise<string | undefined> {
    this.send(`RETRIEVE ${name}\r\n`);
    return new Promise((resolve, reject) => {
      this.requests.push({ key: name, resolve, reject });
    });
  }

  store(name: string, value: string): Promise<void> {
    return this.writeLine(`STORE ${name}=${value}\r\n`);
  }

  listen(name: string): Promise<void> {
    return this.writeLine(`LISTEN ${name}\r\n`);
  }

  unlisten(name: string): Promise<void> {
    return this.writeLine(`UNLISTEN ${name}\r\n`);
  }

  /** `FLUSH id`, resolved by `FLUSHED id` (matched at the head like a read). */
  flush(): Promise<void> {
    const id = `floor${++this.flushCounter}`;
    this.send(`FLUSH ${id}\r\n`);
    return new Promise((resolve, reject) => {
      this.requests.push({ key: id, resolve: () => resolve(), reject });
    });
  }

  /** Every SET and NOTIFY from now on, buffered without bound. */
  events(): FloorEvents {
    const iterator = new FloorEvents(() => this.iterators.splice(this.iterators.indexOf(iterator), 1));
    this.iterators.push(iterator);
    return iterator;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end('QUIT\r\n');
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  /** A write without reply: the Promise of its tick's batch. */
  private writeLine(line: string): Promise<void> {
    this.send(line);
    let batch = this.batch;
    if (!batch) {
      let resolve!: () => void;
      const promise = new Promise<void>((res) => (resolve = res));
      batch = this.batch = { promise, resolve };
    }
    return batch.promise;
  }

  private send(line: string): void {
    if (this.pending === '') queueMicrotask(() => this.flushWrites());
    this.pending += line;
  }

  private flushWrites(): void {
    const text = this.pending;
    const batch = this.batch;
    this.pending = '';
    this.batch = undefined;
    this.socket.write(text);
    batch?.resolve();
  }

  private onData(chunk: Buffer): void {
    let buffer = chunk;
    if (this.partial) {
      buffer = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let start = 0;
    let lf = buffer.indexOf(LF);
    while (lf !== -1) {
      const end = lf > start && buffer[lf - 1] === CR ? lf - 1 : lf;
      if (end > start) this.onLine(buffer.toString('utf8', start, end));
      start = lf + 1;
      lf = buffer.indexOf(LF, start);
    }
    if (start < buffer.length) this.partial = Buffer.from(buffer.subarray(start));
  }

  private onLine(line: string): void {
    if (line.startsWith('SET ')) {
      const eq = line.indexOf('=', 4);
      this.dispatch(eq === -1 ? { type: 'set', name: line.slice(4), value: '' } : { type: 'set', name: line.slice(4, eq), value: line.slice(eq + 1) });
    } else if (line.startsWith('RETRIEVED ')) {
      const eq = line.indexOf('=', 10);
      this.answer(eq === -1 ? line.slice(10) : line.slice(10, eq), eq === -1 ? '' : line.slice(eq + 1));
    } else if (line.startsWith('NOTRETRIEVED ')) {
      this.answer(line.slice(13), undefined);
    } else if (line.startsWith('FLUSHED ')) {
      this.answer(line.slice(8), undefined);
    } else if (line.startsWith('NOTIFY ')) {
      this.dispatch({ type: 'notify', name: line.slice(7) });
    }
  }

  private answer(key: string, value: string | undefined): void {
    const request = this.requests[this.head];
    if (!request || request.key !== key) throw new Error(`floor client: a reply for ${key} does not answer the oldest request`);
    this.requests[this.head] = undefined as unknown as Request;
    if (++this.head === this.requests.length) {
      this.requests = [];
      this.head = 0;
    }
    request.resolve(value);
  }

  private dispatch(event: FloorEvent): void {
    for (let i = 0; i < this.iterators.length; i++) (this.iterators[i] as FloorEvents).push(event);
  }

  private onClose(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (let i = this.head; i < this.requests.length; i++) this.requests[i]?.reject(error);
    this.requests = [];
    this.head = 0;
    for (const iterator of [...this.iterators]) iterator.end();
  }
}

/** An async iterator fed by `push`, with an unbounded buffer (the floor keeps no bound). */
export class FloorEvents implements AsyncIterableIterator<FloorEvent> {
  private buffer: FloorEvent[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<FloorEvent>) => void) | undefined;
  private done = false;

  constructor(private readonly onClose: () => void) {}

  push(event: FloorEvent): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ value: event, done: false });
    } else this.buffer.push(event);
  }

  next(): Promise<IteratorResult<FloorEvent>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head] as FloorEvent;
      if (++this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<FloorEvent>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.buffer = [];
    this.head = 0;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
    this.onClose();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
