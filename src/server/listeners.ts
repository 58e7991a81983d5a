/**
 * Opening the sockets clients connect to: plain Unix domain sockets and TLS
 * over TCP (PROTOCOL.md, "Transport"). The TLS handshake runs without
 * blocking anyone and has a deadline, unlike the reference's, where one
 * silent TCP peer froze the whole server (transcript 10). A client may not
 * renegotiate TLS: Node then reports an error on the socket, and the
 * connection closes it (client-connection.ts).
 * @module
 */
import { lstat, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { missingDirectory } from './missing-directory.js';
import type { ListenerOptions, TlsListenerOptions } from './options.js';

/** Where a listener ended up. */
export type ServerAddress = { kind: 'unix'; path: string } | { kind: 'tls'; host: string; port: number };

export interface ListenerEvents {
  /**
   * Every raw socket, as soon as it is accepted (so shutdown can find
   * stragglers, and the connection caps can refuse it: false, and the socket
   * has been destroyed).
   */
  onRawSocket(socket: Socket, kind: 'unix' | 'tls'): boolean;
  /** A socket ready for the protocol: right away for Unix, after the handshake for TLS. */
  onClient(socket: Socket, kind: 'unix' | 'tls'): void;
  onHandshakeError(error: Error): void;
}

export interface BoundListener {
  readonly address: ServerAddress;
  /** Stops accepting and, for a Unix socket, removes its file. */
  close(): Promise<void>;
}

export async function openListener(options: ListenerOptions, handshakeTimeout: number, events: ListenerEvents): Promise<BoundListener> {
  return 'socketPath' in options ? listenUnix(options.socketPath, events) : listenTls(options, handshakeTimeout, events);
}

async function listenUnix(path: string, events: ListenerEvents): Promise<BoundListener> {
  await removeStaleSocket(path);
  // Half-open: a client that sends its commands and then its FIN (`printf … | nc -U`)
  // still gets its replies; the connection ends once they are written.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (events.onRawSocket(socket, 'unix')) events.onClient(socket, 'unix');
  });
  // libuv says EACCES ("permission denied") for a directory that does not exist, sending the operator the wrong way.
  await listen(server, (done) => server.listen(path, done)).catch(async (error: unknown) => {
    throw (await missingDirectory('socket', path)) ?? error;
  });
  return {
    address: { kind: 'unix', path },
    close: async () => {
      await stopListening(server);
      await unlink(path).catch(() => {});
    },
  };
}

async function listenTls(options: TlsListenerOptions, handshakeTimeout: number, events: ListenerEvents): Promise<BoundListener> {
  const host = options.host ?? '127.0.0.1';
  const server = createTlsServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      handshakeTimeout: handshakeTimeout > 0 ? handshakeTimeout : 0x7fffffff,
      // Not half-open during the handshake: a peer that hangs up then is gone at
      // once, instead of holding an unauthenticated place until the timeout.
      allowHalfOpen: false,
    },
    (socket) => {
      socket.allowHalfOpen = true; // from now on, as for Unix sockets above
      socket.disableRenegotiation();
      events.onClient(socket, 'tls');
    },
  );
  server.on('connection', (socket: Socket) => events.onRawSocket(socket, 'tls'));
  // Plain text on the TLS port, or a handshake past its deadline. With a
  // listener for this event Node leaves closing the socket to us.
  server.on('tlsClientError', (error, socket) => {
    socket.destroy();
    events.onHandshakeError(error);
  });
  await listen(server, (done) => server.listen(options.port, host, done));
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  return { address: { kind: 'tls', host, port }, close: () => stopListening(server) };
}

function listen(server: Server, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting; does not wait for open connections (the server closes those itself). */
function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // `close` calls back only once every connection is gone; we only need the listener shut.
    setImmediate(resolve);
  });
}

/**
 * A socket file left behind by a server that died is removed; one that a
 * live server still answers on is not, and neither is any other kind of file.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined) return;
  if (!stats.isSocket()) throw Object.assign(new Error(`${path} exists and is not a socket`), { code: 'EADDRINUSE' });
  if (await answers(path)) throw Object.assign(new Error(`another server is listening on ${path}`), { code: 'EADDRINUSE' });
  await unlink(path);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    // A server too busy to accept within 2 s is still a live server: do not take its path.
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(true);
    }, 2000);
    probe.once('connect', () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
