/**
 * One bridged connection: a page's WebSocket and its own connection to the
 * Clacks server. Lines pass through as bytes, one or more per message;
 * line limits hold both ways, tighter before login; each side is paused
 * while the other has more than `highWaterMark` bytes waiting, so a page
 * that does not read (or a server that does not) costs the gateway a
 * bounded amount of memory. Either side ending ends the other.
 * @module
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { certificateProblem, openSocket } from '../connection/node-transport.js';
import { CloseCode } from '../connection/close-codes.js';
import { LineTooLongError } from '../errors.js';
import { decodeAuthToken, encodeAuthToken } from '../wire/client-commands.js';
import { checkLines, LineCutter, loginOutcome, replaceLoginLines } from './lines.js';
import type { GatewayCredentials, GatewayLoginDecision, ResolvedGatewayOptions } from './options.js';

const LF = 0x0a;
const CRLF = Buffer.from('\r\n');
/** How long the server's connection may take to finish after the page left. */
const UPSTREAM_LINGER_MS = 2_000;

/** What a bridge tells the gateway. */
export interface BridgeEvents {
  /** The page logged in (the server said `OVERHEAD O`). */
  onLogin(bridge: Bridge): void;
  /** The server refused the login (`OVERHEAD F`). */
  onLoginFailed(bridge: Bridge): void;
  /** Both sides are gone. */
  onClosed(bridge: Bridge): void;
}

export class Bridge {
  /** Whether the page has logged in. */
  authenticated = false;
  /** Answered the last heartbeat ping. */
  alive = true;
  private upstream: Socket | undefined;
  private readonly abort = new AbortController();
  /** What the page sent before the server's connection was open. */
  private early: Buffer[] = [];
  private preAuthBytes = 0;
  private readonly cutter: LineCutter;
  private upstreamPaused = false;
  private browserPaused = false;
  /** Past the pre-login budget: the page is not read until the server has answered its login. */
  private loginHold = false;
  private authTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** With credentials of the gateway's (the `authorize` hook): the login line that replaces each of the page's, by its token; undefined refuses it. */
  private readonly loginLine: ((token: string) => Buffer | undefined) | undefined;

  constructor(
    readonly ws: WebSocket,
    /** The address the connection counts against. */
    readonly address: string,
    private readonly options: ResolvedGatewayOptions,
    private readonly events: BridgeEvents,
    delay: number,
    login?: GatewayCredentials | GatewayLoginDecision,
  ) {
    this.loginLine =
      login &&
      loginLineFor(login, (error) => this.log('error', `the authorize hook failed at the login of ${address}: ${error instanceof Error ? error.message : String(error)}`));
    this.cutter = new LineCutter(options.maxLineLength);
    setMessageLimit(ws, options.maxPreAuthBytes);
    ws.on('message', (data: Buffer) => this.fromPage(data));
    ws.on('close', () => this.pageClosed());
    ws.on('error', (error) => this.log('debug', `WebSocket error: ${error.message}`));
    ws.on('pong', () => {
      this.alive = true;
    });
    if (options.authTimeout > 0) {
      this.authTimer = setTimeout(() => this.closePage(CloseCode.policy, `not logged in within ${options.authTimeout} ms`), options.authTimeout + delay);
    }
    // A delay (repeated login failures from this address) holds the whole connection back, greeting included.
    if (delay > 0) setTimeout(() => void this.connectUpstream(), delay);
    else void this.connectUpstream();
  }

  /** Bytes this bridge holds: toward the page, toward the server, and an unfinished line. */
  get bufferedBytes(): number {
    return this.ws.bufferedAmount + (this.upstream?.writableLength ?? 0) + this.preAuthPending + this.cutter.bufferedBytes;
  }

  /** Bytes waiting for the page (the WebSocket's buffer). */
  get bufferedToPage(): number {
    return this.ws.bufferedAmount;
  }

  /** Bytes waiting for the server (its socket's buffer, and what came before it was open). */
  get bufferedToServer(): number {
    return (this.upstream?.writableLength ?? 0) + this.preAuthPending;
  }

  /** Whether reading from the server is paused because the page is not keeping up. */
  get isUpstreamPaused(): boolean {
    return this.upstreamPaused;
  }

  /** Whether reading from the page is paused because the server is not keeping up. */
  get isPagePaused(): boolean {
    return this.browserPaused;
  }

  private get preAuthPending(): number {
    let bytes = 0;
    for (const chunk of this.early) bytes += chunk.length;
    return bytes;
  }

  /** Ends the bridge from the gateway's side (shutdown, heartbeat missed). */
  close(code: number, reason: string): void {
    this.closePage(code, reason);
  }

  // ---------------------------------------------------------------- the server

  private async connectUpstream(): Promise<void> {
    if (this.closed) return;
    const { upstream, upstreamDescription, upstreamTls, upstreamConnectTimeout } = this.options;
    let socket: Socket;
    try {
      socket = await openSocket(upstream, {
        where: upstreamDescription,
        tls: upstreamTls,
        connectTimeout: upstreamConnectTimeout,
        tlsHandshakeTimeout: upstreamConnectTimeout,
        keepAlive: 30_000,
        signal: this.abort.signal,
      });
    } catch (error) {
      if (this.closed) return;
      this.log('warn', `cannot reach the Clacks server for ${this.address}: ${upstreamProblem(error, upstreamDescription)}`);
      this.closePage(CloseCode.badGateway, 'the Clacks server is unreachable');
      return;
    }
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.upstream = socket;
    socket.on('data', (chunk: Buffer) => this.fromServer(chunk));
    socket.on('drain', () => {
      if (this.browserPaused) {
        this.browserPaused = false;
        if (!this.loginHold) this.ws.resume();
      }
    });
    socket.on('end', () => this.closePage(CloseCode.normal, 'the Clacks server closed the connection'));
    socket.on('error', (error) => {
      this.log('debug', `connection to the Clacks server failed for ${this.address}: ${error.message}`);
      this.closePage(CloseCode.badGateway, 'the connection to the Clacks server failed');
    });
    socket.on('close', () => this.closePage(CloseCode.badGateway, 'the connection to the Clacks server was lost'));
    const early = this.early;
    this.early = [];
    for (const chunk of early) this.toServer(chunk);
  }

  private fromServer(chunk: Buffer): void {
    if (this.closed) return;
    let lines: Buffer | undefined;
    try {
      lines = this.cutter.cut(chunk);
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      this.log('warn', `the Clacks server sent ${this.address} a line over ${this.options.maxLineLength} bytes; connection closed`);
      this.closePage(CloseCode.tooBig, `the server sent a line over ${this.options.maxLineLength} bytes`);
      return;
    }
    if (!lines) return;
    if (!this.authenticated) {
      const outcome = loginOutcome(lines);
      if (outcome === 'welcome') {
        this.authenticated = true;
        clearTimeout(this.authTimer);
        setMessageLimit(this.ws, messageLimit(this.options.maxLineLength));
        if (this.loginHold) {
          this.loginHold = false;
          if (!this.browserPaused) this.ws.resume();
        }
        this.events.onLogin(this);
      } else if (outcome === 'failed') this.events.onLoginFailed(this);
    }
    this.ws.send(lines, { binary: true }, this.sent);
    // Backpressure: a page that does not read stops us reading from the server.
    if (!this.upstreamPaused && this.ws.bufferedAmount > this.options.highWaterMark) {
      this.upstreamPaused = true;
      this.upstream?.pause();
    }
  }

  /** After each message to the page has gone out: resume the server's side once the page has caught up. */
  private readonly sent = (): void => {
    if (this.upstreamPaused && !this.closed && this.ws.bufferedAmount <= this.options.highWaterMark / 2) {
      this.upstreamPaused = false;
      this.upstream?.resume();
    }
  };

  // ---------------------------------------------------------------- the page

  /**
   * A message from the page: one or more lines; its end ends its last line.
   * Before login, with credentials of the gateway's, the page's login lines
   * are replaced with the gateway's.
   */
  private fromPage(message: Buffer): void {
    let data = message;
    if (this.closed) return;
    try {
      if (this.authenticated) checkLines(data, 0, data.length, this.options.maxLineLength);
      else {
        checkLines(data, 0, data.length, this.options.maxPreAuthLineLength);
        // Past the budget the page waits for the server's answer to its login: a client that
        // reconnects pipelines a LISTEN per name behind it. One that never logs in is closed by authTimeout.
        this.preAuthBytes += data.length;
        if (this.preAuthBytes > this.options.maxPreAuthBytes && !this.loginHold) {
          this.loginHold = true;
          this.ws.pause();
        }
        if (this.loginLine) {
          const replaced = replaceLoginLines(data, this.loginLine);
          if (!replaced) {
            this.log('warn', `refused a login from ${this.address}: not authorized`);
            this.events.onLoginFailed(this); // throttled as a wrong password is
            this.closePage(CloseCode.unauthorized, 'this connection is not authorized');
            return;
          }
          data = replaced;
        }
      }
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      const limit = this.authenticated ? this.options.maxLineLength : this.options.maxPreAuthLineLength;
      this.closePage(this.authenticated ? CloseCode.tooBig : CloseCode.policy, `a line over ${limit} bytes${this.authenticated ? '' : ' before login'}`);
      return;
    }
    const whole = data.length > 0 && data[data.length - 1] === LF ? data : Buffer.concat([data, CRLF]);
    if (this.upstream) this.toServer(whole);
    else this.early.push(whole);
  }

  private toServer(bytes: Buffer): void {
    const upstream = this.upstream;
    if (!upstream || upstream.destroyed) return;
    // Backpressure: a server that does not read stops us reading from the page.
    if (!upstream.write(bytes) && !this.browserPaused && upstream.writableLength > this.options.highWaterMark) {
      this.browserPaused = true;
      this.ws.pause();
    }
  }

  // ---------------------------------------------------------------- ending

  private pageClosed(): void {
    if (!this.closed) this.finish();
    else this.events.onClosed(this);
  }

  /** Closes the page's side with a code and reason it can read; the server's side follows. */
  private closePage(code: number, reason: string): void {
    if (this.closed) return;
    this.finish();
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      this.ws.terminate();
    }
    // A page that never answers the close frame is cut off.
    setTimeout(() => this.ws.terminate(), UPSTREAM_LINGER_MS).unref();
  }

  private finish(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    this.abort.abort();
    this.early = [];
    const upstream = this.upstream;
    if (upstream && !upstream.destroyed) {
      // What the page sent still reaches the server (a QUIT among it), then the connection ends.
      upstream.end();
      setTimeout(() => upstream.destroy(), UPSTREAM_LINGER_MS).unref();
    }
    if (this.ws.readyState === this.ws.CLOSED) this.events.onClosed(this);
  }

  private log(level: 'debug' | 'warn' | 'error', message: string): void {
    this.options.logger(level, message);
  }
}

/** What replaces the page's login lines: always the same line, or the decision's for each token (undefined: refused). */
function loginLineFor(login: GatewayCredentials | GatewayLoginDecision, failed: (error: unknown) => void): (token: string) => Buffer | undefined {
  const lineOf = (credentials: GatewayCredentials): Buffer => Buffer.from(`OVERHEAD A ${encodeAuthToken(credentials.username, credentials.password)}\r\n`, 'utf8');
  if (typeof login !== 'function') {
    const line = lineOf(login);
    return () => line;
  }
  return (token) => {
    const page = decodeAuthToken(token);
    let decided: GatewayCredentials | false = false;
    try {
      if (page) decided = login(page);
    } catch (error) {
      failed(error);
    }
    return decided ? lineOf(decided) : undefined;
  };
}

/** The most bytes of a close frame's reason (RFC 6455: 125 bytes of payload, two for the code); `ws` throws past it. */
const MAX_REASON_BYTES = 123;

/** `reason` cut to fit a close frame, in UTF-8 bytes (a reason quoting a page's Origin may hold any character). */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let cut = reason.slice(0, MAX_REASON_BYTES - 3);
  while (Buffer.byteLength(cut) > MAX_REASON_BYTES - 3) cut = cut.slice(0, -1);
  // Not half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/** The largest message from a logged-in page: a line at the limit, with room for more lines. */
export function messageLimit(maxLineLength: number): number {
  return maxLineLength + 1024 * 1024;
}

/**
 * Gives one connection its own message limit. `ws` has one per server and
 * buffers a whole message before handing it over, so without this a page
 * not logged in could make the gateway hold a 17 MiB message; with it, a
 * frame over the limit is refused (1009) from its header, before its
 * payload is read. The receiver's field is internal to `ws` 8: without it
 * (another version), the server-wide limit holds, and the pre-login
 * budget still stops reading the page after a message that goes over it.
 */
function setMessageLimit(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

/**
 * Why the upstream could not be reached. A certificate problem is put in the
 * gateway's words: its option is `upstreamTls` (the CLI's `--upstream-ca`,
 * `--upstream-insecure`), not the client's `tls`.
 */
function upstreamProblem(error: unknown, where: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = certificateProblem(error);
  if (code === undefined) return message;
  const detail = `(${code}: ${(error as Error & { cause: Error }).cause.message})`;
  const skip = 'or skip verification with upstreamTls: { rejectUnauthorized: false } (--upstream-insecure)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS certificate of ${where} does not name that host ${detail}: name the upstream by a name it holds, ${skip}`;
  return `TLS certificate of ${where} was not accepted ${detail}: trust it with upstreamTls: { ca } (clacks gateway: --upstream-ca FILE), ${skip}`;
}
