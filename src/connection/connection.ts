/**
 * One socket's lifetime: the handshake (greeting, then `Welcome!`), line
 * framing of what arrives, and the outbound buffer with per-tick batching
 * and backpressure. Reconnecting, request matching and events live above
 * this, in the client; a Connection never outlives its socket.
 * @module
 */
import { platform, type PlatformLineReader } from '#platform';
import { AuthenticationError, ClacksError, ConnectionError, ProtocolError } from '../errors.js';
import { parseServerLine } from '../wire/server-lines.js';
import { noop } from '../util/noop.js';
import type { Transport } from './transport.js';

/** Something to write: one encoded line, told when it has been handed to the socket. */
export interface OutboundEntry {
  /** The encoded line, CRLF included. */
  readonly line: string;
  /** Order of entry across the client's lifetime; used to merge re-sends in order. */
  seq: number;
  /** Called once the line has been passed to `socket.write` (unbound: it must not use `this`). */
  readonly written: () => void;
}

/** One promise shared by every write handed to the socket in the same `socket.write`. */
export interface WriteBatch {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

function createBatch(): WriteBatch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Writes may be fired and forgotten (as a nats.js publish): a batch that
  // fails must not surface as an unhandled rejection. Awaiting callers still see it.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** An entry given back by `takeUnwritten()`: it can be written again, or failed. */
export interface QueuedEntry extends OutboundEntry {
  fail?: (error: Error) => void;
}


/** Callbacks from a {@link Connection} to its owner. */
export interface ConnectionHandlers {
  /**
   * Every line after the greeting, in order, as text (CR removed, never
   * empty): the lines of the login the connection handles itself are not
   * passed on. The owner parses them (`parseServerLine`), which lets it
   * match the commonest replies on the text without building a record.
   */
  onLine(text: string): void;
  /**
   * A line of 1 MiB or more after the login, as bytes (CRs removed), when
   * not tracing: returns true when it took the line undecoded, false to
   * have it decoded and passed to `onLine`.
   */
  onLargeLine?(bytes: Uint8Array): boolean;
  /** The socket is gone; `error` says why (undefined after a clean close we asked for). */
  onClose(error: Error | undefined): void;
}

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  maxLineLength: number;
  /** Deadline for the `CLACKS` greeting, ms. */
  headerTimeout: number;
  /** Deadline for `Welcome!` after the greeting, ms. */
  authTimeout: number;
  /** Sees every line received and every text written (`NODE_DEBUG=net-clacks`). */
  trace?: ((direction: 'in' | 'out', text: string) => void) | undefined;
}

/**
 * Writes are flushed at once when this many characters are waiting. Measured
 * on STORE bursts: 256 KiB took less CPU per write than 64 KiB, 96 KiB or
 * 1 MiB.
 */
const FLUSH_THRESHOLD = 256 * 1024;

export class Connection {
  /** The server's identification from its `CLACKS` greeting. */
  serverInfo: string | undefined;
  /** When bytes last arrived (ms since epoch). */
  lastReceivedAt = Date.now();

  private readonly socket: Transport;
  private readonly handlers: ConnectionHandlers;
  private readonly reader: PlatformLineReader;
  private pending = '';
  /** What `pending` holds: entries, or plain write lines of the current batch. */
  private pendingEntries: Array<OutboundEntry | string> = [];
  /** How many of `pendingEntries` are entries (a burst of plain writes has none to tell). */
  private pendingObjects = 0;
  private flushScheduled = false;
  private currentBatch: WriteBatch | undefined;
  private waitingForDrain = false;
  private closed = false;
  private closeError: Error | undefined;
  private greeted = false;
  private authenticated = false;
  private handshake: { resolve: () => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(socket: Transport, handlers: ConnectionHandlers, private readonly options: ConnectionOptions) {
    this.socket = socket;
    this.handlers = handlers;
    this.reader = platform.createLineReader((line) => this.receive(line), {
      maxLineLength: options.maxLineLength,
      encoding: 'utf8',
      onLargeLine: (bytes) => this.receiveLarge(bytes),
    });
    socket.start({
      onData: (chunk) => this.onData(chunk),
      onDrain: () => {
        this.waitingForDrain = false;
        this.flush();
      },
      // A gateway's own refusal (a ClacksError) says it all; anything else is wrapped.
      onError: (error) => this.fail(error instanceof ClacksError ? error : new ConnectionError(`connection error: ${error.message}`, { cause: error })),
      onEnd: () => this.fail(this.closeError ?? new ConnectionError('the server closed the connection')),
      onClose: () => this.finish(),
    });
  }

  /** Whether the socket is gone. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Characters written but not yet handed to the socket, plus the socket's own buffer. */
  get bufferedLength(): number {
    return this.pending.length + this.socket.bufferedAmount;
  }

  /** Bytes received so far. */
  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  /** Bytes the socket has written so far (progress of a stalled write). */
  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  /** Bytes waiting in the socket's own buffer. */
  get socketBuffered(): number {
    return this.socket.bufferedAmount;
  }

  /**
   * Starts the session: writes `lines` (CLACKS + OVERHEAD A + anything
   * pipelined) at once and resolves when `OVERHEAD O Welcome!` arrives.
   * Rejects with ProtocolError (no greeting in time), AuthenticationError, or
   * ConnectionError; the socket is then destroyed.
   */
  start(lines: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = this.greeted
          ? new ProtocolError(`no authentication reply within ${this.options.authTimeout} ms`)
          : new ProtocolError(`the server sent no CLACKS greeting within ${this.options.headerTimeout} ms`);
        this.destroy(error);
      }, this.greeted ? this.options.authTimeout : this.options.headerTimeout);
      this.handshake = { resolve, reject, timer };
      this.writeRaw(lines);
    });
  }

  /**
   * Queues an entry; it is written in this tick's batch. Once the socket has
   * failed (its 'close' not yet reported) entries are only held: the owner
   * takes them back with `takeUnwritten()` and sends them elsewhere.
   */
  write(entry: OutboundEntry): void {
    this.pending += entry.line;
    this.pendingEntries.push(entry);
    this.pendingObjects++;
    this.scheduleFlush();
  }

  /**
   * Queues a plain write (no reply) that joins the current batch and returns
   * the batch's promise, which resolves when the batch is handed to the
   * socket. Only the line is kept (a STORE burst makes one string per write,
   * not one object and one promise).
   */
  writeLine(line: string): Promise<void> {
    const batch = (this.currentBatch ??= createBatch());
    this.pending += line;
    this.pendingEntries.push(line);
    this.scheduleFlush();
    return batch.promise;
  }

  /**
   * Everything never handed to the socket, in order (to be sent again
   * elsewhere). Plain writes come back as entries settling their batch.
   */
  takeUnwritten(): QueuedEntry[] {
    const batch = this.currentBatch;
    const entries = this.pendingEntries.map((entry): QueuedEntry =>
      typeof entry === 'string' ? { line: entry, seq: 0, written: batch?.resolve ?? noop, fail: batch?.reject ?? noop } : entry,
    );
    this.pendingEntries = [];
    this.pendingObjects = 0;
    this.pending = '';
    this.currentBatch = undefined;
    return entries;
  }

  private scheduleFlush(): void {
    if (this.closed) return;
    if (this.pending.length >= FLUSH_THRESHOLD) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes what is queued, then half-closes; the server's EOF completes the close. */
  end(): void {
    // Everything queued goes out, backpressure or not (the socket buffers it
    // before its FIN); otherwise writes waiting for 'drain', and the QUIT
    // behind them, would never be written.
    this.waitingForDrain = false;
    this.flush();
    if (!this.closed) this.socket.end();
  }

  /** Drops the socket at once. */
  destroy(error?: Error): void {
    if (error) this.fail(error);
    else {
      this.closed = true;
      this.socket.destroy();
    }
  }

  private writeRaw(text: string): void {
    if (this.closed) return;
    this.options.trace?.('out', text);
    if (!this.socket.write(text)) this.waitingForDrain = true;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.waitingForDrain || this.pending === '' || this.closed) return;
    const text = this.pending;
    const entries = this.pendingEntries;
    const objects = this.pendingObjects;
    const batch = this.currentBatch;
    this.pending = '';
    this.pendingEntries = [];
    this.pendingObjects = 0;
    this.currentBatch = undefined;
    this.options.trace?.('out', text);
    // Backpressure: when the socket's buffer is full, later writes wait for 'drain'.
    if (!this.socket.write(text)) this.waitingForDrain = true;
    batch?.resolve();
    if (objects === 0) return;
    // Re-sent writes of one old batch share one `written`: call it once.
    let last: (() => void) | undefined;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as OutboundEntry | string;
      if (typeof entry === 'string' || entry.written === last) continue;
      last = entry.written;
      last();
    }
  }

  private onData(chunk: Uint8Array): void {
    this.lastReceivedAt = Date.now();
    try {
      this.reader.push(chunk);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new ProtocolError(String(error)));
    }
  }

  /** Offers a large line to the owner undecoded, once logged in and when nothing traces lines. */
  private receiveLarge(bytes: Uint8Array): boolean {
    if (this.closed) return true;
    if (!this.authenticated || this.options.trace !== undefined || this.handlers.onLargeLine === undefined) return false;
    return this.handlers.onLargeLine(bytes);
  }

  private receive(text: string): void {
    if (this.closed) return;
    const trace = this.options.trace;
    if (trace !== undefined) trace('in', text);
    // After the login every line is the owner's.
    if (this.authenticated) {
      this.handlers.onLine(text);
      return;
    }
    const line = parseServerLine(text);
    if (!this.greeted) {
      // PROTOCOL.md "Session start": the first line must start with `CLACKS `.
      if (line.type !== 'greeting') {
        this.destroy(new ProtocolError(`expected a CLACKS greeting, got ${JSON.stringify(text.slice(0, 80))}`));
        return;
      }
      this.greeted = true;
      this.serverInfo = line.serverInfo;
      if (this.handshake) {
        clearTimeout(this.handshake.timer);
        this.handshake.timer = setTimeout(
          () => this.destroy(new ProtocolError(`no authentication reply within ${this.options.authTimeout} ms`)),
          this.options.authTimeout,
        );
      }
      return;
    }
    if (line.type === 'overhead') {
      // `OVERHEAD M Authentication required` belongs to the greeting, not to the application.
      if (line.flags === 'M') return;
      if (line.flags.includes('O')) {
        this.authenticated = true;
        const handshake = this.handshake;
        this.handshake = undefined;
        if (handshake) {
          clearTimeout(handshake.timer);
          handshake.resolve();
        }
        return;
      }
      if (line.flags.includes('F')) {
        this.destroy(new AuthenticationError(`authentication failed: the server answered ${JSON.stringify(line.value)}`));
        return;
      }
    }
    this.handlers.onLine(text);
  }

  /** Records why the connection ended (first reason wins) and drops the socket. */
  private fail(error: Error): void {
    if (!this.closeError) this.closeError = error;
    if (this.handshake) {
      const handshake = this.handshake;
      this.handshake = undefined;
      clearTimeout(handshake.timer);
      handshake.reject(this.closeError);
    }
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
    }
  }

  private finish(): void {
    this.closed = true;
    if (this.handshake) this.fail(this.closeError ?? new ConnectionError('the connection closed during the handshake'));
    const handlers = this.handlers;
    const error = this.closeError;
    // Run once: 'close' fires once per socket.
    handlers.onClose(error);
  }

  /**
   * Marks the coming close as expected (after QUIT) or explained (after a
   * server TIMEOUT/QUIT line), so `onClose` reports the right reason.
   */
  expectClose(reason?: Error): void {
    if (!this.closeError && reason) this.closeError = reason;
  }
}
