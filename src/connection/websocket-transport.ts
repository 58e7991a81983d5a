/**
 * The WebSocket transport: protocol bytes to and from a gateway (`clacks
 * gateway`, `clacks serve --ws`) over `ws://` or `wss://`. It runs on the
 * standard WebSocket API, so the same code serves browsers, Node's global
 * WebSocket and the `ws` package. Lines go out as binary messages (UTF-8)
 * of whole lines, at most 256 KiB each unless one line is longer, and come
 * back as binary messages of one or more whole lines; the line
 * reader above does not care where messages end.
 * @module
 */
import { ClosedError, ConnectionError, GatewayError } from '../errors.js';
import type { ResolvedTarget } from '../client/options.js';
import { CloseCode } from './close-codes.js';
import type { Transport, TransportHandlers, TransportOptions } from './transport.js';

/** The part of the standard WebSocket API the transport uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: the browser's, Node's global one, or the `ws` package's (which takes `options`). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: object) => WebSocketLike;

/** How the transport is made on this platform. */
export interface WebSocketSetup {
  WebSocket: WebSocketConstructor;
  /** Turns a received ArrayBuffer into the chunk type the platform's line reader reads (Node: a Buffer). */
  toChunk?: (data: ArrayBuffer) => Uint8Array;
}

/** Above this many buffered bytes `write` returns false; `onDrain` follows once the buffer is below it again. */
const HIGH_WATER_MARK = 256 * 1024;
/** How often a full buffer is looked at (the WebSocket API has no drain event). */
const DRAIN_POLL_MS = 5;
/**
 * A write larger than this goes out as several messages of whole lines (a
 * longer line alone). What waited for a drain is written in one go, and a
 * gateway refuses a message over its longest line plus 1 MiB (1 MiB before
 * login) from its header.
 */
const MAX_MESSAGE_BYTES = 256 * 1024;
const LF = 0x0a;

const encoder = new TextEncoder();

/** Opens a WebSocket to `target.url`; resolves once it is open. */
export function openWebSocketTransport(target: ResolvedTarget, options: TransportOptions, setup: WebSocketSetup): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const where = options.where;
    if (target.kind !== 'ws') return reject(new ConnectionError(`${where} is not a WebSocket target`));
    const signal = options.signal;
    const abandoned = (): ClosedError => new ClosedError(`the connection attempt to ${where} was abandoned`);
    if (signal?.aborted) return reject(abandoned());
    let socket: WebSocketLike;
    try {
      // The third argument is for the `ws` package (TLS options, handshake deadline); browsers ignore it.
      socket = new setup.WebSocket(target.url, undefined, {
        ...options.tls,
        handshakeTimeout: options.connectTimeout,
        perMessageDeflate: false,
      });
    } catch (error) {
      return reject(new ConnectionError(`cannot connect to ${where}: ${messageOf(error)}`, { cause: error }));
    }
    let detail = '';
    const fail = (error: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      try {
        socket.close();
      } catch {
        // Closing a socket still connecting may throw in some implementations; it is dropped either way.
      }
      reject(error);
    };
    const onAbort = (): void => fail(abandoned());
    const timer = setTimeout(() => fail(new ConnectionError(`connecting to ${where} timed out after ${options.connectTimeout} ms`)), options.connectTimeout);
    socket.onerror = (event) => {
      // Browsers tell nothing here; the `ws` package and Node say why (ECONNREFUSED, an HTTP status…).
      detail = errorDetail(event);
    };
    socket.onclose = (event) => {
      const refused = gatewayError(event, where);
      fail(refused ?? new ConnectionError(`cannot connect to ${where}: ${detail || `the WebSocket closed before it opened (code ${event.code})`}`));
    };
    socket.onopen = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.onopen = null;
      // Made right here, in the open event, so that it catches a message in the same tick.
      resolve(new WebSocketTransport(socket, setup.toChunk ?? ((data) => new Uint8Array(data)), where));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An open WebSocket seen through the {@link Transport} interface. */
class WebSocketTransport implements Transport {
  private sent = 0;
  private received = 0;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Closed by us: the close event then reports nothing but the close, as a destroyed socket does. */
  private destroyed = false;
  private handlers: TransportHandlers | undefined;
  /**
   * What arrived before `start()`: a message can come in the same tick as
   * `open` (the greeting right behind the handshake response), before the
   * owner's code runs.
   */
  private early: Array<Uint8Array | { code: number; reason: string }> = [];
  private errorDetail = '';

  constructor(
    private readonly socket: WebSocketLike,
    private readonly toChunk: (data: ArrayBuffer) => Uint8Array,
    private readonly where: string,
  ) {
    // The `ws` package hands out Node Buffers as they are ('nodebuffer'); everyone else, ArrayBuffers.
    if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => {
      const chunk = this.chunkOf(event.data);
      if (!chunk) return;
      this.received += chunk.length;
      if (this.handlers) this.handlers.onData(chunk);
      else this.early.push(chunk);
    };
    socket.onerror = (event) => {
      this.errorDetail = errorDetail(event);
    };
    socket.onclose = (event) => {
      this.closed = true;
      clearTimeout(this.drainTimer);
      socket.onmessage = socket.onerror = socket.onclose = null;
      if (this.handlers) this.reportClose(this.handlers, event);
      else this.early.push({ code: event.code, reason: event.reason });
    };
  }

  start(handlers: TransportHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const item of early) {
      if (item instanceof Uint8Array) handlers.onData(item);
      else this.reportClose(handlers, item);
    }
  }

  private chunkOf(data: unknown): Uint8Array | undefined {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return this.toChunk(data);
    if (typeof data === 'string') return this.toChunk(encoder.encode(data).buffer as ArrayBuffer);
    return undefined;
  }

  private reportClose(handlers: TransportHandlers, event: { code: number; reason: string }): void {
    if (this.destroyed) {
      // Nothing: the owner asked for this close.
    } else if (event.code === CloseCode.normal) handlers.onEnd();
    else {
      const detail = this.errorDetail ? ` (${this.errorDetail})` : '';
      handlers.onError(gatewayError(event, this.where) ?? new ConnectionError(`the WebSocket to ${this.where} was lost${detail} (code ${event.code})`));
    }
    handlers.onClose();
  }

  private onDrain(): void {
    this.handlers?.onDrain();
  }

  write(text: string): boolean {
    if (this.closed) return false;
    const bytes = encoder.encode(text);
    this.sent += bytes.length;
    if (bytes.length <= MAX_MESSAGE_BYTES) this.socket.send(bytes);
    else this.sendInPieces(bytes);
    if (this.socket.bufferedAmount < HIGH_WATER_MARK) return true;
    this.watchDrain();
    return false;
  }

  /** Sends `bytes` as messages of whole lines of at most MAX_MESSAGE_BYTES (a longer line alone). */
  private sendInPieces(bytes: Uint8Array): void {
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.length;
      if (end - start > MAX_MESSAGE_BYTES) {
        const lastLf = bytes.lastIndexOf(LF, start + MAX_MESSAGE_BYTES - 1);
        const nextLf = lastLf >= start ? lastLf : bytes.indexOf(LF, start + MAX_MESSAGE_BYTES);
        if (nextLf !== -1) end = nextLf + 1;
      }
      this.socket.send(bytes.subarray(start, end));
      start = end;
    }
  }

  /** Polls the buffer until it is below the high-water mark, then reports `onDrain`. */
  private watchDrain(): void {
    if (this.drainTimer !== undefined) return;
    const check = (): void => {
      this.drainTimer = undefined;
      if (this.closed) return;
      if (this.socket.bufferedAmount < HIGH_WATER_MARK) this.onDrain();
      else this.drainTimer = setTimeout(check, DRAIN_POLL_MS);
    };
    this.drainTimer = setTimeout(check, DRAIN_POLL_MS);
  }

  /**
   * Nothing to do: after QUIT the server closes, and the gateway with it.
   * Closing from here would cut off the replies still on their way.
   */
  end(): void {}

  destroy(): void {
    if (this.closed || this.destroyed) return;
    this.destroyed = true;
    try {
      this.socket.close(CloseCode.normal);
    } catch {
      // Already closing.
    }
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  get bytesWritten(): number {
    return this.sent - this.socket.bufferedAmount;
  }

  get bytesRead(): number {
    return this.received;
  }
}

/** The gateway's own refusals and failures, by close code; undefined for a plain loss. */
function gatewayError(event: { code: number; reason: string }, where: string): GatewayError | undefined {
  const reason = event.reason ? `: ${event.reason}` : '';
  switch (event.code) {
    case CloseCode.originRefused:
      return new GatewayError(`the gateway at ${where} refused this page's origin${reason}. Add the origin with --allow-origin`, event.code, true);
    case CloseCode.unauthorized:
      // The gateway's authorize hook said no: as a failed login, retrying the same request cannot help.
      return new GatewayError(`the gateway at ${where} refused this connection${reason}`, event.code, true);
    case CloseCode.policy:
    case CloseCode.tooBig:
    case CloseCode.tryAgainLater:
    case CloseCode.badGateway:
    case CloseCode.goingAway:
      return new GatewayError(`the gateway at ${where} closed the connection${reason || ` (code ${event.code})`}`, event.code);
    default:
      return event.code >= 4000 && event.code < 5000 ? new GatewayError(`the gateway at ${where} closed the connection${reason} (code ${event.code})`, event.code) : undefined;
  }
}

function errorDetail(event: unknown): string {
  const record = event as { message?: unknown; error?: { message?: unknown } } | null;
  const message = record?.error?.message ?? record?.message;
  return typeof message === 'string' ? message : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
