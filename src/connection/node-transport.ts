/**
 * The Node transports: a Unix domain socket (plain text) or TCP wrapped in
 * TLS, each with its own deadline (PROTOCOL.md, "Transport"), and
 * `ws://` / `wss://` through the WebSocket transport (the global WebSocket
 * when Node has one and no TLS options are given, else the `ws` package).
 * @module
 */
import net from 'node:net';
import tls from 'node:tls';
import { ClosedError, ConnectionError } from '../errors.js';
import type { ResolvedTarget } from '../client/options.js';
import type { Transport, TransportHandlers, TransportOptions } from './transport.js';
import { openWebSocketTransport, type WebSocketConstructor } from './websocket-transport.js';

/** Options of {@link openSocket}: those of every transport, with Node's TLS options. */
export interface SocketOptions extends TransportOptions {
  /** Node TLS options (TCP only). Verification is on unless `rejectUnauthorized: false`. */
  tls?: tls.ConnectionOptions | undefined;
}

/** Opens the transport for `target`: a socket for Unix and TLS targets, a WebSocket for `ws://` / `wss://`. */
export async function openNodeTransport(target: ResolvedTarget, options: SocketOptions): Promise<Transport> {
  if (target.kind === 'ws') {
    // Received ArrayBuffers (Node's global WebSocket) become Buffers for the Buffer-based line reader, without a copy.
    return openWebSocketTransport(target, options, { WebSocket: await nodeWebSocket(options.tls), toChunk: (data) => Buffer.from(data) });
  }
  return new SocketTransport(await openSocket(target, options));
}

/** The global WebSocket (Node 22+) when no TLS options need passing, else the `ws` package's, which takes them. */
async function nodeWebSocket(tlsOptions: tls.ConnectionOptions | undefined): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global && tlsOptions === undefined) return global;
  const { WebSocket } = await import('ws');
  return WebSocket as unknown as WebSocketConstructor;
}

/** A Node socket seen through the {@link Transport} interface: events map one to one. */
class SocketTransport implements Transport {
  constructor(private readonly socket: net.Socket) {}

  start(handlers: TransportHandlers): void {
    const socket = this.socket;
    socket.on('data', handlers.onData);
    socket.on('drain', handlers.onDrain);
    socket.on('error', handlers.onError);
    socket.on('end', handlers.onEnd);
    socket.on('close', handlers.onClose);
  }

  write(text: string): boolean {
    return this.socket.write(text);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  get bytesRead(): number {
    return this.socket.bytesRead;
  }
}

const VERIFY_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
]);

/**
 * The certificate problem behind a connection error, as Node names it
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID` …), for
 * advice in the words of whoever made the connection; undefined for any
 * other error.
 */
export function certificateProblem(error: unknown): string | undefined {
  if (!(error instanceof ConnectionError) || !(error.cause instanceof Error)) return undefined;
  const code = (error.cause as NodeJS.ErrnoException).code ?? '';
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || VERIFY_ERRORS.has(code) ? code : undefined;
}

/** Connects to a Unix or TLS target and resolves with a socket ready for protocol bytes (the gateway's upstream uses it too). */
export function openSocket(target: ResolvedTarget, options: SocketOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const where = options.where;
    if (target.kind === 'ws') return reject(new ConnectionError(`${where} is a WebSocket target, not a socket`));
    const signal = options.signal;
    if (signal?.aborted) return reject(new ClosedError(`the connection attempt to ${where} was abandoned`));
    let socket: net.Socket;
    const onAbort = (): void => fail(new ClosedError(`the connection attempt to ${where} was abandoned`));
    const fail = (error: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      reject(error);
    };
    const onError = (error: NodeJS.ErrnoException): void => fail(describeError(error, where));
    let timer = setTimeout(() => fail(new ConnectionError(`connecting to ${where} timed out after ${options.connectTimeout} ms`)), options.connectTimeout);
    const ready = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.setNoDelay?.(true);
      if (target.kind === 'tls' && options.keepAlive > 0) socket.setKeepAlive(true, options.keepAlive);
      resolve(socket);
    };
    if (target.kind === 'unix') {
      socket = net.connect({ path: target.path }, ready);
    } else {
      const tcp = net.connect({ host: target.host, port: target.port });
      socket = tcp;
      tcp.once('connect', () => {
        clearTimeout(timer);
        tcp.removeListener('error', onError);
        // The user's own servername wins (documented pass-through); SNI is never sent for an IP.
        const servername = options.tls?.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
        const secure = tls.connect({ ...options.tls, socket: tcp, ...(servername ? { servername } : {}) });
        socket = secure;
        secure.on('error', onError);
        timer = setTimeout(
          () => fail(new ConnectionError(`TLS handshake with ${where} timed out after ${options.tlsHandshakeTimeout} ms`)),
          options.tlsHandshakeTimeout,
        );
        secure.once('secureConnect', ready);
      });
    }
    socket.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeError(error: NodeJS.ErrnoException, where: string): ConnectionError {
  const code = error.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ConnectionError(
      `TLS certificate of ${where} does not name that host (${error.message}). Connect with a name the certificate holds, ` +
        'or pass tls: { servername: <a name it holds> }, or tls: { rejectUnauthorized: false } to skip verification.',
      { cause: error },
    );
  }
  if (VERIFY_ERRORS.has(code)) {
    return new ConnectionError(
      `TLS certificate of ${where} was not accepted (${code}: ${error.message}). Clacks servers often use self-signed certificates: ` +
        'pass tls: { ca: <their certificate> } to trust it, or tls: { rejectUnauthorized: false } to skip verification.',
      { cause: error },
    );
  }
  return new ConnectionError(`cannot connect to ${where}: ${error.message}`, { cause: error });
}
