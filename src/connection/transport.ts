/**
 * The transport interface: a byte stream to a server, whatever carries it.
 * The Node build has a socket / TLS implementation (node-transport.ts) and
 * both builds have a WebSocket one (websocket-transport.ts); everything
 * above (line framing, the handshake, request matching, events, reconnect)
 * is shared and sees only this interface, as in nats.js.
 *
 * Chunks are delivered to callbacks rather than through an async iterator:
 * the line reader is a hot path, and a promise per chunk would cost the
 * Node client a measurable share of its throughput.
 * @module
 */
import type { ResolvedTarget } from '../client/options.js';

/** What a {@link Transport} tells its owner. Each is called from the transport's own I/O callbacks. */
export interface TransportHandlers {
  /** Bytes from the server, in order. The chunk may be reused after the call returns. */
  onData(chunk: Uint8Array): void;
  /** The outbound buffer fell below its high-water mark after a `write` returned `false`. */
  onDrain(): void;
  /** The transport failed (reset, refused by a gateway, …); `onClose` follows. */
  onError(error: Error): void;
  /** The server ended the stream (FIN, or a WebSocket close frame without error); `onClose` follows. */
  onEnd(): void;
  /** The transport is gone. Called once, last. */
  onClose(): void;
}

/** A connected byte stream. */
export interface Transport {
  /** Starts delivering to `handlers`; called once, right after the transport is opened. */
  start(handlers: TransportHandlers): void;
  /** Queues text (UTF-8 on the wire). `false`: the buffer is over its high-water mark, wait for `onDrain`. */
  write(text: string): boolean;
  /** Sends what is queued and lets the server finish: the server's close ends the stream. */
  end(): void;
  /** Drops the stream at once. */
  destroy(): void;
  /** Bytes queued in the transport and not yet taken by the network. */
  readonly bufferedAmount: number;
  /** Bytes taken by the network so far (grows while the server reads). */
  readonly bytesWritten: number;
  /** Bytes received so far (the payload of WebSocket messages). */
  readonly bytesRead: number;
}

/** Options of {@link OpenTransport}. */
export interface TransportOptions {
  /** The target without credentials, for messages. */
  where: string;
  /** Platform TLS options (Node: `tls.ConnectionOptions`); TCP and `wss://` under Node only. */
  tls?: object | undefined;
  /** Deadline of the connect (TCP, Unix, or the WebSocket handshake), ms. */
  connectTimeout: number;
  /** Deadline of the TLS handshake over TCP, ms. */
  tlsHandshakeTimeout: number;
  /** TCP keepalive initial delay, ms (0 disables). */
  keepAlive: number;
  /**
   * Abandons the attempt (the client was closed meanwhile): the socket is
   * destroyed at once and the promise rejects with ClosedError, instead of
   * lingering, timer included, until a connect or TLS handshake deadline.
   */
  signal?: AbortSignal;
}

/** Opens a transport to `target`; each platform has one (the `#platform` module). */
export type OpenTransport = (target: ResolvedTarget, options: TransportOptions) => Promise<Transport>;
