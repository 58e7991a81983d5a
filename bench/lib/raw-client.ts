/**
 * The raw baseline: a minimal node:net / node:tls client that writes
 * pre-built protocol lines and counts reply lines (`\n` bytes), doing no
 * other work. It shares nothing with src/ (no LineReader, no encoders), so
 * it measures what the server and the kernel allow, and the SDK is compared
 * against it in the same run.
 * @module
 */
import net from 'node:net';
import tls from 'node:tls';

/** Where the raw client connects. */
export type RawTarget =
  | { kind: 'unix'; path: string; username: string; password: string }
  | { kind: 'tls'; host: string; port: number; username: string; password: string; ca?: string | Buffer };

const LF = 0x0a;

export class RawClient {
  /** Reply lines (LF bytes) counted since the handshake ended. */
  lines = 0;
  private readonly socket: net.Socket;
  private waitTarget = Infinity;
  private waitResolve: (() => void) | undefined;
  private closedError: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /** Connects, logs in (CLACKS + OVERHEAD A + NOPING), and resolves after `OVERHEAD O`. */
  static async connect(target: RawTarget, name = 'net-clacks-bench-raw'): Promise<RawClient> {
    return RawClient.fromSocket(await login(target, name));
  }

  /** A raw client on a socket that is already connected (and logged in, when the protocol has a login): the RESP baseline uses it. */
  static fromSocket(socket: net.Socket): RawClient {
    const client = new RawClient(socket);
    socket.on('data', (data: Buffer) => client.onData(data));
    socket.on('error', (error) => client.onClose(error));
    socket.on('close', () => client.onClose(new Error('raw client: connection closed')));
    return client;
  }

  /** Writes bytes as they are. */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves once `lines` reaches `target` (an absolute count). */
  waitLines(target: number): Promise<void> {
    if (this.lines >= target) return Promise.resolve();
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waitTarget = target;
      this.waitResolve = resolve;
      this.waitReject = reject;
    });
  }

  /** Writes `data` and resolves once `count` more lines have arrived. */
  roundTrip(data: string | Buffer, count: number): Promise<void> {
    const target = this.lines + count;
    this.socket.write(data);
    return this.waitLines(target);
  }

  /** Ends the session with `quit` (Clacks `QUIT`; a RESP client passes its own). */
  close(quit: string | Buffer = 'QUIT\r\n'): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.closedError ??= new Error('raw client: closed');
      this.socket.once('close', () => resolve());
      this.socket.end(quit);
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private waitReject: ((error: Error) => void) | undefined;

  private onData(chunk: Buffer): void {
    let count = 0;
    let at = chunk.indexOf(LF);
    while (at !== -1) {
      count++;
      at = chunk.indexOf(LF, at + 1);
    }
    this.lines += count;
    if (this.lines >= this.waitTarget) {
      const resolve = this.waitResolve as () => void;
      this.waitTarget = Infinity;
      this.waitResolve = undefined;
      this.waitReject = undefined;
      resolve();
    }
  }

  private onClose(error: Error): void {
    this.closedError ??= error;
    const reject = this.waitReject;
    this.waitTarget = Infinity;
    this.waitResolve = undefined;
    this.waitReject = undefined;
    reject?.(error);
  }
}

/**
 * Opens a socket to `target` and logs in (CLACKS + OVERHEAD A + NOPING);
 * resolves with the socket after `OVERHEAD O`, its handshake listeners
 * removed. Shared by the raw baseline and the floor client (floor-client.ts).
 */
export function login(target: RawTarget, name: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      target.kind === 'unix'
        ? net.connect({ path: target.path })
        : tls.connect({
            host: target.host,
            port: target.port,
            servername: net.isIP(target.host) ? undefined : target.host,
            ...(target.ca ? { ca: target.ca } : { rejectUnauthorized: false }),
          });
    socket.setNoDelay(true);
    const ready = target.kind === 'unix' ? 'connect' : 'secureConnect';
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
    let greeting = '';
    const onHandshakeData = (chunk: Buffer): void => {
      greeting += chunk.toString('latin1');
      if (greeting.includes('OVERHEAD F')) fail(new Error(`raw client: login failed at ${describe(target)}`));
      else if (/OVERHEAD O[^\n]*\n/.test(greeting)) {
        socket.off('data', onHandshakeData);
        socket.off('error', fail);
        resolve(socket);
      }
    };
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once(ready, () => {
      socket.write(`CLACKS ${name}\r\nOVERHEAD A ${b64(target.username)}:${b64(target.password)}\r\nNOPING\r\n`);
    });
    socket.on('data', onHandshakeData);
    socket.on('error', fail);
  });
}

function describe(target: RawTarget): string {
  return target.kind === 'unix' ? `unix:${target.path}` : `${target.host}:${target.port} (TLS)`;
}
