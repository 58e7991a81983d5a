/**
 * One connected client: its socket, its output buffer, and the state the
 * protocol keeps about it (login, LISTENs, MONITOR, ping timer).
 *
 * Output is batched: `send` only appends to a string, and the hub writes each
 * client's string once per tick. A socket that stops taking data
 * (`write()` returning false) parks the client until `drain`, and stops
 * reading from it meanwhile; a client whose queue passes `maxOutputBuffer`
 * is dropped, so one peer that never reads cannot eat the server's memory.
 * @module
 */
import type { Socket } from 'node:net';
import { LineReader } from '../wire/index.js';
import type { UserAccount } from './options.js';

/** What the connection needs from the server around it. */
export interface ConnectionHost {
  readonly maxLineLength: number;
  readonly maxOutputBuffer: number;
  /** Asks for `flush()` to be called later in this tick. */
  scheduleFlush(client: ClientConnection): void;
  /** Runs one loop turn: a chunk of input (fed to `client.reader`) and everything it causes. */
  receive(client: ClientConnection, chunk: Buffer): void;
  /** Handles one complete line from the client. */
  handleLine(client: ClientConnection, line: string): void;
  /** The connection is gone; `discarded` bytes of output were never written. */
  forget(client: ClientConnection, discarded: number): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** How long a closing socket may take to hand over its last bytes before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

export class ClientConnection {
  /** `host:port:n`, e.g. `127.0.0.1:54321:7` or `unixdomainsocket:<epoch>:<n>` (PROTOCOL.md, "Monitor mode"). */
  readonly cid: string;
  readonly host: string;
  /** Everything after `host:` in the cid, as CLIENTLIST shows it. */
  readonly port: string;
  readonly reader: LineReader;
  readonly connectedAt = Date.now();

  /** From the client's `CLACKS` line, `;` replaced with `_`. */
  clientInfo = '';
  /** Set once the client has logged in. */
  user: UserAccount | undefined;
  monitoring = false;
  /** Names this client LISTENs to. */
  readonly listening = new Set<string>();
  /** The ping timer's start: connect time, then the last PING (PROTOCOL.md, "Keepalive"). */
  lastPingAt = this.connectedAt;
  /** NOPING suspends the ping timeout until the next PING. */
  pingSuspended = false;
  /** When something was last written, for NOP. */
  lastOutputAt = this.connectedAt;
  /** When the socket last refused more output; 0 while it takes everything. */
  blockedSince = 0;
  /** No more input is handled once the connection is closing, nor once it sent QUIT. */
  closing = false;
  ignoreInput = false;

  private readonly socket: Socket;
  private readonly owner: ConnectionHost;
  private pending = '';
  private flushScheduled = false;
  private gone = false;

  constructor(socket: Socket, owner: ConnectionHost, identity: { host: string; port: string }) {
    this.socket = socket;
    this.owner = owner;
    this.host = identity.host;
    this.port = identity.port;
    this.cid = `${identity.host}:${identity.port}`;
    // latin1: one char per byte, so values pass through untouched (PROTOCOL.md, "Transport").
    this.reader = new LineReader((line) => {
      if (!this.closing && !this.ignoreInput) owner.handleLine(this, line);
    }, { encoding: 'latin1', maxLineLength: owner.maxLineLength });
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => owner.receive(this, chunk));
    socket.on('drain', () => this.onDrain());
    // The peer sent FIN (the listeners allow half-open sockets): write what its
    // lines produced, then close. Without this Node ended the socket before our flush.
    socket.on('end', () => this.end());
    socket.on('error', (error: Error) => owner.log('debug', `client ${this.cid}: ${error.message}`));
    socket.on('close', () => this.forget(0));
  }

  /** Bytes queued for this client and not yet taken by the kernel. */
  get outputLength(): number {
    return this.pending.length + (this.gone ? 0 : this.socket.writableLength);
  }

  /** Queues text (latin1, CRLF included) for this client. */
  send(text: string): void {
    if (this.closing) return;
    this.pending += text;
    if (this.pending.length > this.owner.maxOutputBuffer) {
      this.drop(`more than ${this.owner.maxOutputBuffer} bytes of output queued (the client does not read)`);
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.owner.scheduleFlush(this);
    }
  }

  /** Writes what is queued, unless the socket asked us to wait. */
  flush(): void {
    this.flushScheduled = false;
    if (this.gone || this.blockedSince !== 0 || this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.lastOutputAt = Date.now();
    if (!this.socket.write(text, 'latin1')) {
      this.blockedSince = this.lastOutputAt;
      // Stop reading from a client that does not read its replies: TCP then slows it down.
      this.socket.pause();
      if (this.socket.writableLength > this.owner.maxOutputBuffer) {
        this.drop(`more than ${this.owner.maxOutputBuffer} bytes of output queued (the client does not read)`);
      }
    }
  }

  /** Sends what is queued plus `lastWords`, then closes gracefully. */
  end(lastWords = ''): void {
    if (this.closing) return;
    this.pending += lastWords;
    this.closing = true;
    if (!this.gone) {
      if (this.pending !== '') this.socket.write(this.pending, 'latin1');
      this.pending = '';
      this.socket.end();
      // A peer that never reads would keep a half-closed socket forever.
      setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.forget(0);
  }

  /** Closes at once, throwing away whatever is queued. */
  drop(reason: string): void {
    if (this.gone) return;
    this.owner.log('info', `dropping client ${this.cid}: ${reason}`);
    const discarded = this.outputLength;
    this.closing = true;
    this.pending = '';
    this.socket.destroy();
    this.forget(discarded);
  }

  private onDrain(): void {
    if (this.blockedSince === 0) return;
    this.blockedSince = 0;
    if (!this.closing) this.socket.resume();
    this.flush();
  }

  private forget(discarded: number): void {
    if (this.gone) return;
    this.gone = true;
    this.closing = true;
    this.owner.forget(this, discarded);
  }
}
