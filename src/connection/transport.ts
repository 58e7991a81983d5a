/**
 * Opens the byte stream to a server: a Unix domain socket (plain text) or
 * TCP wrapped in TLS, each with its own deadline (PROTOCOL.md, "Transport").
 * @module
 */
import net from 'node:net';
import tls from 'node:tls';
import { ClosedError, ConnectionError } from '../errors.js';
import { describeTarget, type ResolvedTarget } from '../client/options.js';

/** Options of {@link openTransport}. */
export interface TransportOptions {
  /** Node TLS options (TCP only). Verification is on unless `rejectUnauthorized: false`. */
  tls?: tls.ConnectionOptions;
  /** Deadline of the TCP/Unix connect, ms. */
  connectTimeout: number;
  /** Deadline of the TLS handshake, ms. */
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

/** Connects and resolves with a socket ready for protocol bytes. */
export function openTransport(target: ResolvedTarget, options: TransportOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const where = describeTarget(target);
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
