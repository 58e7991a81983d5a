/**
 * One connected client: its socket, its input and output buffers, and the
 * state the protocol keeps about it (login, LISTENs, MONITOR, ping timer).
 *
 * Output is batched and counted in bytes: `send` queues latin1 text or a
 * Buffer (output-queue.ts) and the hub writes each client's queue once per
 * tick, in slices of at most 64 KiB, so a client that reads slowly shows progress
 * with every slice it takes (the stalled-write timeout counts time without
 * progress, not time until the queue is empty). A client whose queue passes
 * `maxOutputBuffer` is dropped.
 *
 * Input can wait: while a reply is being streamed to the client (a long
 * KEYLIST or CLIENTLIST, an interclacks sync dump), while its login waits
 * for the throttle, while more than 1 MiB of output is queued for it, or
 * while our master's sync lock holds the server (every connection but the
 * link to that master), the lines it sends are held in order and its socket
 * is paused; they run once the wait is over, as the rest of the same loop
 * turn (hub.ts), so replies keep the reference's order. An interclacks link
 * is never held for its output, and is read on while its socket is full.
 * @module
 */
import type { Socket } from 'node:net';
import { LineReader } from '../wire/index.js';
import type { Ticket } from './admission.js';
import type { LinkState } from './interclacks/link.js';
import type { ResolvedLimits } from './limits.js';
import { RateWindow } from './log-text.js';
import type { UserAccount } from './options.js';
import { OutputQueue } from './output-queue.js';
import type { ReplyStream } from './reply-stream.js';
import type { ServerStats } from './stats.js';

/** What the connection needs from the server around it. */
export interface ConnectionHost {
  readonly limits: ResolvedLimits;
  /** The server's counters; the connection counts `bytesSent`. */
  readonly stats: ServerStats;
  /** Asks for `flush()` to be called later in this tick. */
  scheduleFlush(client: ClientConnection): void;
  /** Runs one loop turn: a chunk of input (fed to `client.reader`) and everything it causes. */
  receive(client: ClientConnection, chunk: Buffer): void;
  /** Handles one complete line from the client. */
  handleLine(client: ClientConnection, line: string): void;
  /**
   * Handles the line `[start, end)` of a chunk's latin1 text when it is a hot
   * command in the common case, and returns true; otherwise does nothing and
   * returns false (the line then comes to `handleLine`). Slices of `text` go
   * no further than this client's or its listeners' output queues, which
   * write or seal them at their next flush.
   */
  handleText(client: ClientConnection, text: string, start: number, end: number): boolean;
  /** The link whose master holds this server in a sync lock: every other connection's lines wait. */
  readonly syncLock: ClientConnection | undefined;
  /** The client's held lines may run now, as the rest of its interrupted turn. */
  resume(client: ClientConnection): void;
  /** The bytes this client holds changed by `delta` (input: unfinished and held lines; output: queued). */
  inputChanged(client: ClientConnection, delta: number): void;
  outputChanged(client: ClientConnection, delta: number): void;
  /** The connection is gone; `discarded` bytes of output were never written. */
  forget(client: ClientConnection, discarded: number): void;
  /** Its socket has closed: nothing of it is left to account for. */
  release(client: ClientConnection): void;
  /** A client is being dropped, for this reason (counted in the stats). */
  countDrop(kind: DropKind): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/**
 * Why a client was dropped: its own output cap, no progress writing to it,
 * the server's output or input budget, a TLS renegotiation, or an internal error.
 */
export type DropKind = 'outputCap' | 'stalled' | 'outputBudget' | 'inputBudget' | 'renegotiation' | 'error';

/** How a connection is named: `host:port` (CLIENTLIST's HOST and PORT), unless `cid` says otherwise. */
export interface ConnectionIdentity {
  host: string;
  port: string;
  /** What the per-source caps and the login throttle count it as. */
  source: string;
  /** A fixed cid (the link to a master over a Unix socket is `unixdomainsocket:interclacksmaster`). */
  cid?: string;
}

function waitingQueue(): OutputQueue {
  const queue = new OutputQueue();
  queue.waiting = true;
  return queue;
}

/** How long a closing socket may take to hand over its last bytes before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/** Output is handed to the socket in slices of at most this size: each one written is progress. */
const WRITE_SLICE = 64 * 1024;
/** A streamed reply produces its next batch once less than a batch is queued: 64 KiB, or a quarter of `maxOutputBuffer` if less. */
const STREAM_BATCH = 64 * 1024;
/** After this much time spent on one client's input, it gives way to the others for a loop turn. */
const YIELD_AFTER_MS = 4;
/** A client's own lines wait while this much output is queued for it… */
const HOLD_OUTPUT = 1024 * 1024;
/** …until it is below this. */
const RESUME_OUTPUT = 256 * 1024;

export class ClientConnection {
  /** `host:port:n`, e.g. `127.0.0.1:54321:7` or `unixdomainsocket:<epoch>:<n>` (PROTOCOL.md, "Monitor mode"). */
  readonly cid: string;
  readonly host: string;
  /** Everything after `host:` in the cid, as CLIENTLIST shows it. */
  readonly port: string;
  /** What the per-source caps and the login throttle count this client as (admission.ts). */
  readonly source: string;
  readonly reader: LineReader;
  readonly connectedAt = Date.now();
  readonly ticket: Ticket | undefined;

  /** From the client's `CLACKS` line, `;` replaced with `_`. */
  clientInfo = '';
  /** Set once the client has logged in. */
  user: UserAccount | undefined;
  /** Its user's `read` and `write` permissions, for the fast path (commands.ts, handleText): a field, not a Set lookup per line. */
  mayRead = false;
  mayWrite = false;
  monitoring = false;
  /** Names this client LISTENs to. */
  readonly listening = new Set<string>();
  /** What they cost, for `maxListenBytesPerClient` (hub.listen). */
  listenBytes = 0;
  /** The ping timer's start: connect time, then the last PING (PROTOCOL.md, "Keepalive"). */
  lastPingAt = this.connectedAt;
  /** NOPING suspends the ping timeout until the next PING. */
  pingSuspended = false;
  /** When something was last written, for NOP. */
  lastOutputAt = this.connectedAt;
  /** While the socket is full: when it last took a slice of output (else 0). */
  blockedSince = 0;
  /** No more input is handled once the connection is closing, nor once it sent QUIT. */
  closing = false;
  ignoreInput = false;
  /** Its login waits for the throttle (login-throttle.ts). */
  authPending = false;
  /** Rate of its `OVERHEAD E` reports in the log. */
  readonly errorReports = new RateWindow();
  /** End-of-turn deliveries of the turn its waiting interrupted (owned by the hub). */
  suspendedTurn: unknown[] | undefined;
  /** What the hub has counted for this client, in bytes. */
  accountedInput = 0;
  accountedOutput = 0;
  /** Set while the connection is an interclacks link (interclacks/network.ts). */
  link: LinkState | undefined;

  private readonly socket: Socket;
  private readonly owner: ConnectionHost;
  /** Output to write next. */
  private readonly out = new OutputQueue();
  /** While a reply is streamed: everything else sent meanwhile, to follow it. */
  private later: OutputQueue | undefined;
  private stream: ReplyStream | undefined;
  /** Bytes handed to the socket whose write has not completed. */
  private inSocket = 0;
  private waitingForDrain = false;
  private reading = true;
  /** Time spent on its input since it last gave way, and whether it is giving way now (until the next loop turn). */
  private busyMs = 0;
  private yielding = false;
  private readonly endYield = (): void => {
    this.yielding = false;
    this.updateReading();
  };
  private flushScheduled = false;
  private pumpScheduled = false;
  private resumeScheduled = false;
  /** Lines received while the client waits, and how far they have run. */
  private held: string[] | undefined;
  private heldAt = 0;
  private heldBytes = 0;
  /** The peer half-closed while work was waiting: end once it is done. */
  private endWhenDone = false;
  /** Forgotten by the hub (dropped, ended or closed). */
  private gone = false;
  /** Its output no longer counts (dropped, or the socket closed). */
  private outputReleased = false;

  constructor(socket: Socket, owner: ConnectionHost, identity: ConnectionIdentity, ticket?: Ticket) {
    this.socket = socket;
    this.owner = owner;
    this.host = identity.host;
    this.port = identity.port;
    this.source = identity.source;
    this.ticket = ticket;
    this.cid = identity.cid ?? `${identity.host}:${identity.port}`;
    // latin1: one char per byte, so values pass through untouched (PROTOCOL.md, "Transport").
    // Until login only CLACKS and OVERHEAD A count: a short line limit.
    this.reader = new LineReader((line) => this.onLine(line), { encoding: 'latin1', maxLineLength: owner.limits.maxPreAuthLineLength });
    // The hot commands are handled on the chunk's text, without a string per line, when nothing makes them wait.
    this.reader.textHandler = (text, start, end) =>
      !this.closing && !this.ignoreInput && this.held === undefined && !this.mustWait() && owner.handleText(this, text, start, end);
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      const started = performance.now();
      owner.receive(this, chunk);
      // A client that keeps the server busy gives way for a loop turn every few
      // milliseconds: libuv would otherwise hand over up to 32 of its reads in a row.
      this.busyMs += performance.now() - started;
      if (this.busyMs >= YIELD_AFTER_MS && !this.yielding) {
        this.busyMs = 0;
        this.yielding = true;
        this.updateReading();
        setImmediate(this.endYield);
      }
    });
    socket.on('drain', () => this.onDrain());
    // The peer sent FIN (the listeners allow half-open sockets): write what its
    // lines produced, then close. Without this Node ended the socket before our flush.
    socket.on('end', () => {
      this.link?.down('the peer closed the connection');
      if (this.busy) this.endWhenDone = true;
      else this.end();
    });
    socket.on('error', (error: Error & { code?: string }) => this.onError(error));
    socket.on('close', () => this.onClose());
  }

  /** Bytes queued for this client and not yet taken by the kernel. */
  get outputLength(): number {
    return this.out.bytes + (this.later?.bytes ?? 0) + this.inSocket;
  }

  /** Bytes of its input held: the unfinished line and the lines waiting to run. */
  get inputLength(): number {
    return this.reader.bufferedBytes + this.heldBytes;
  }

  /** Its lines are waiting (held) rather than running. */
  get waiting(): boolean {
    return this.held !== undefined && !this.closing;
  }

  /** A reply is being streamed to it. */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  /** The client logged in: the full line limit applies from the next byte. */
  loggedIn(account: UserAccount): void {
    this.user = account;
    this.mayRead = account.permissions.has('read');
    this.mayWrite = account.permissions.has('write');
    this.reader.maxLineLength = this.owner.limits.maxLineLength;
    this.ticket?.authenticated();
  }

  /** Queues text (latin1, CRLF included) or bytes for this client. */
  send(data: string | Buffer): void {
    if (this.closing) return;
    const queue = this.stream === undefined ? this.out : (this.later ??= waitingQueue());
    queue.push(data);
    const { maxOutputBuffer } = this.owner.limits;
    if (this.outputLength > maxOutputBuffer) {
      this.owner.outputChanged(this, data.length);
      this.drop(`more than ${maxOutputBuffer} bytes of output queued (the client does not read)`, 'outputCap');
      return;
    }
    this.owner.outputChanged(this, data.length);
    if (!this.gone) this.scheduleFlush();
  }

  /**
   * Sends a reply produced in batches (KEYLIST, CLIENTLIST). A reply that
   * fits one batch goes out at once; a longer one holds the client's later
   * lines and other output until it is complete.
   */
  sendStream(stream: ReplyStream): void {
    if (this.closing) return stream.close();
    const batch = stream.next(this.batchBytes, () => this.schedulePump());
    if (batch?.done) stream.close();
    else this.stream = stream;
    if (batch !== undefined && batch.text !== '') this.emit(batch.text);
    this.updateReading();
    this.scheduleFlush();
  }

  /** Writes what is queued, unless the socket asked us to wait; then seals it (output-queue.ts: no text is kept past a flush). */
  flush(): void {
    this.flushScheduled = false;
    if (this.gone) return;
    this.later?.seal();
    if (this.waitingForDrain) return this.out.seal();
    let slice = this.out.take(WRITE_SLICE);
    if (slice !== undefined) this.lastOutputAt = Date.now();
    while (slice !== undefined) {
      const length = slice.length;
      // A socket that still writes earlier output keeps what it is handed: as
      // bytes, not as text, which may be built of slices of input chunks (a
      // RETRIEVE reply holds the name, a fanned-out SET the whole line, as the
      // client sent them: commands.ts, handleText).
      if (typeof slice === 'string' && this.socket.writableLength > 0) slice = Buffer.from(slice, 'latin1');
      this.inSocket += length;
      if (!this.socket.write(slice, 'latin1', (error) => this.written(length, error))) {
        this.waitingForDrain = true;
        this.out.waiting = true;
        this.out.seal();
        this.blockedSince = Date.now();
        // Stop reading from a client that does not read its replies: TCP then slows it down.
        this.updateReading();
        return;
      }
      slice = this.out.take(WRITE_SLICE);
    }
    if (this.stream !== undefined) this.schedulePump();
  }

  /** Runs the held lines until they are done or the client must wait again (called by the hub, in a turn). */
  replayHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    while (this.heldAt < held.length && !this.closing && !this.ignoreInput) {
      if (this.mustWait()) return;
      const line = held[this.heldAt] as string;
      held[this.heldAt++] = '';
      this.heldBytes -= line.length;
      this.owner.handleLine(this, line);
    }
    this.held = undefined;
    this.heldAt = 0;
    this.heldBytes = 0;
  }

  /** After input ran (a chunk, or held lines): updates the accounting and whether to read on. */
  afterInput(): void {
    this.accountInput();
    this.updateReading();
    this.maybeResume();
    if (this.endWhenDone && !this.busy) this.end();
  }

  /** Sends what is queued plus `lastWords`, then closes gracefully. */
  end(lastWords = ''): void {
    if (this.closing) return;
    this.closing = true;
    // Whatever it sends now is read and thrown away: reading on is how its FIN
    // is seen, so that a peer that closes too (a link) is gone at once, not
    // when the grace timer cuts it off.
    this.updateReading();
    this.endStream();
    if (lastWords !== '') {
      this.out.push(lastWords);
      this.owner.outputChanged(this, lastWords.length);
    }
    if (!this.gone && !this.outputReleased) {
      const rest = this.out.takeAll();
      if (rest.length > 0) {
        this.inSocket += rest.length;
        this.socket.write(rest, (error) => this.written(rest.length, error));
      }
      this.socket.end();
      // A peer that never reads would keep a half-closed socket forever.
      setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.forget(0);
  }

  /** Closes at once, throwing away whatever is queued. */
  drop(reason: string, kind: DropKind): void {
    if (this.gone) return;
    this.link?.down(reason);
    this.owner.log('info', `dropping client ${this.cid}: ${reason}`);
    this.owner.countDrop(kind);
    const discarded = this.outputLength;
    this.closing = true;
    this.endStream();
    this.out.clear();
    this.later = undefined;
    this.releaseOutput();
    this.socket.destroy();
    this.forget(discarded);
  }

  /** Bytes per batch of a streamed reply (a batch is never dropped for `maxOutputBuffer`). */
  private get batchBytes(): number {
    return Math.max(1024, Math.min(STREAM_BATCH, this.owner.limits.maxOutputBuffer / 4));
  }

  /** The work its input waits for: a streamed reply, a throttled login, or held lines. */
  private get busy(): boolean {
    return this.held !== undefined || this.stream !== undefined || this.authPending;
  }

  private mustWait(): boolean {
    return this.authPending || this.stream !== undefined || (this.outputLength >= HOLD_OUTPUT && this.link === undefined) || this.lockedOut;
  }

  /** A master's sync lock holds this server, and this is not the link to that master. */
  private get lockedOut(): boolean {
    const lock = this.owner.syncLock;
    return lock !== undefined && lock !== this;
  }

  /** Something its held lines waited for may be over (a sync lock lifted): run them when nothing else holds them. */
  wake(): void {
    this.maybeResume();
  }

  private onLine(line: string): void {
    if (this.closing || this.ignoreInput) return;
    if (this.held === undefined && !this.mustWait()) {
      this.owner.handleLine(this, line);
      return;
    }
    (this.held ??= []).push(line);
    this.heldBytes += line.length;
  }

  /** Appends a streamed batch to the output written next. */
  private emit(text: string): void {
    this.out.push(text);
    this.owner.outputChanged(this, text.length);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.owner.scheduleFlush(this);
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stream === undefined) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  /** Produces the next batch of the streamed reply, one batch per event-loop turn. */
  private pump(): void {
    this.pumpScheduled = false;
    const stream = this.stream;
    if (stream === undefined || this.gone || this.waitingForDrain || this.out.bytes >= this.batchBytes) return;
    const batch = stream.next(this.batchBytes, () => this.schedulePump());
    if (batch === undefined) return; // waits for a KEYLIST snapshot; woken later
    if (batch.text !== '') this.emit(batch.text);
    if (batch.done) {
      this.endStream();
      this.afterInput();
    }
    this.flush();
  }

  /** The streamed reply is complete (or abandoned): what was sent meanwhile follows it. */
  private endStream(): void {
    const stream = this.stream;
    if (stream === undefined) return;
    this.stream = undefined;
    stream.close();
    if (this.later !== undefined) this.out.append(this.later);
    this.later = undefined;
  }

  private written(length: number, error: Error | null | undefined): void {
    this.inSocket -= length;
    if (!error) this.owner.stats.bytesSent += length;
    if (this.outputReleased) return;
    this.owner.outputChanged(this, -length);
    // The socket took a slice: the client reads, however slowly.
    if (this.waitingForDrain) this.blockedSince = Date.now();
    this.maybeResume();
  }

  private onDrain(): void {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    this.out.waiting = false;
    this.blockedSince = 0;
    this.updateReading();
    this.flush();
  }

  private onError(error: Error & { code?: string }): void {
    // Node reports a client's TLS renegotiation as an error and keeps the socket: close it.
    if (error.code === 'ERR_TLS_RENEGOTIATION_DISABLED' || error.code === 'ERR_TLS_SESSION_ATTACK') {
      this.drop('it asked for a TLS renegotiation (refused)', 'renegotiation');
      return;
    }
    this.link?.down(error.message);
    this.owner.log('debug', `client ${this.cid}: ${error.message}`);
  }

  private onClose(): void {
    this.forget(0);
    this.releaseOutput();
    this.owner.release(this);
  }

  private releaseOutput(): void {
    if (this.outputReleased) return;
    this.outputReleased = true;
    this.owner.outputChanged(this, -this.accountedOutput);
  }

  /** Reads from the socket only while its lines can run and its output is being taken, or while it closes (to see its FIN). */
  private updateReading(): void {
    // A link is read on while its socket is full: two servers that each
    // waited for the other to read first would wait for ever (its output is
    // still bounded by maxOutputBuffer).
    const read = this.closing || ((!this.waitingForDrain || this.link !== undefined) && !this.busy && !this.yielding);
    if (read === this.reading) return;
    this.reading = read;
    if (read) this.socket.resume();
    else this.socket.pause();
  }

  /** Held lines run again (in a later tick) once nothing keeps them waiting. */
  private maybeResume(): void {
    if (this.held === undefined || this.resumeScheduled || this.closing) return;
    if (this.authPending || this.stream !== undefined || (this.outputLength >= RESUME_OUTPUT && this.link === undefined) || this.lockedOut) return;
    this.resumeScheduled = true;
    setImmediate(() => {
      this.resumeScheduled = false;
      if (this.held !== undefined && !this.closing) this.owner.resume(this);
    });
  }

  private accountInput(): void {
    const now = this.closing ? 0 : this.inputLength;
    if (now !== this.accountedInput) this.owner.inputChanged(this, now - this.accountedInput);
  }

  private forget(discarded: number): void {
    if (this.gone) return;
    this.gone = true;
    this.closing = true;
    this.endStream();
    this.held = undefined;
    this.heldBytes = 0;
    this.reader.reset();
    this.accountInput();
    this.owner.forget(this, discarded);
  }
}
