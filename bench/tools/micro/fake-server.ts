/**
 * An in-memory stand-in for a Clacks server, for the micro benchmark only:
 * it greets, accepts any login, and answers `RETRIEVE name` with
 * `RETRIEVED name=<value>` and `FLUSH id` with `FLUSHED id`, in order, one
 * reply chunk per write, delivered on the next turn of the event loop (as a
 * socket's data would be). Other lines are swallowed. Replies are built
 * from the written text with string search: cheap, and the same for every
 * client measured.
 * @module
 */
import type { Transport, TransportHandlers } from '../../../src/connection/transport.js';

export const FAKE_VALUE = 'value-0123456789abcdef0123456789';

/** A socket-like object for the floor client (on/write/end/destroy), talking to the same fake. */
export class FakeSocket {
  private readonly listeners = new Map<string, Array<(arg?: unknown) => void>>();
  readonly server = new FakeServer((chunk) => this.emit('data', chunk));
  destroyed = false;
  on(event: string, listener: (arg?: unknown) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: (arg?: unknown) => void): this {
    return this.on(event, listener);
  }
  write(text: string): boolean {
    this.server.receive(text);
    return true;
  }
  end(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
  }
  private emit(event: string, arg?: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener(arg);
  }
}

/** The benchmark's window: 1,000 RETRIEVEs of `bench::k0` … `bench::k999`, written in one piece by both clients. */
const WINDOW_TEXT = Array.from({ length: 1000 }, (_, i) => `RETRIEVE bench::k${i}\r\n`).join('');
const WINDOW_REPLY = Buffer.from(Array.from({ length: 1000 }, (_, i) => `RETRIEVED bench::k${i}=${FAKE_VALUE}\r\n`).join(''));

class FakeServer {
  private greeted = false;
  bytes = 0;
  constructor(private readonly deliver: (chunk: Buffer) => void) {}

  receive(text: string): void {
    // What a socket write costs the client: its text encoded as UTF-8.
    this.bytes += Buffer.from(text).length;
    let reply = '';
    if (!this.greeted) {
      this.greeted = true;
      reply += 'CLACKS fake-server\r\nOVERHEAD M Authentication required\r\nOVERHEAD O Welcome!\r\n';
    }
    // The window, recognised by its length: its reply is built once (the
    // fake's own cost must stay small beside the clients').
    if (text.length === WINDOW_TEXT.length && text.startsWith('RETRIEVE bench::k0\r\n')) {
      setImmediate(() => this.deliver(WINDOW_REPLY));
      return;
    }
    if (text.startsWith('RETRIEVE ')) {
      for (let at = 0; at < text.length; ) {
        const end = text.indexOf('\n', at);
        if (text.startsWith('RETRIEVE ', at)) reply += `RETRIEVED ${text.slice(at + 9, end - 1)}=${FAKE_VALUE}\r\n`;
        at = end + 1;
      }
    }
    // Writes carry no reply; a FLUSH ends a burst.
    for (let at = text.indexOf('FLUSH '); at !== -1; at = text.indexOf('FLUSH ', at + 1)) {
      if (at === 0 || text[at - 1] === '\n') reply += `FLUSHED ${text.slice(at + 6, text.indexOf('\r', at))}\r\n`;
    }
    if (reply === '') return;
    const chunk = Buffer.from(reply);
    setImmediate(() => this.deliver(chunk));
  }
}

/** The SDK's side: the Transport interface over a {@link FakeSocket}. */
class FakeTransport implements Transport {
  private readonly socket = new FakeSocket();
  bytesWritten = 0;
  bytesRead = 0;
  readonly bufferedAmount = 0;
  start(handlers: TransportHandlers): void {
    this.socket.on('data', (chunk) => handlers.onData(chunk as Buffer));
    this.socket.on('close', () => handlers.onClose());
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
}

export async function openFakeTransport(): Promise<Transport> {
  return new FakeTransport();
}
