/**
 * Request matching: which reply line answers which request.
 *
 * The server answers in the order it reads (PROTOCOL.md, "Commands"), so the
 * requests waiting for a reply sit in one queue in write order and a reply
 * normally answers the head:
 *
 * - `RETRIEVED name=…` / `NOTRETRIEVED name`: the oldest RETRIEVE of that name.
 * - `KEYLISTSTART … KEYLISTEND`, `CLIENTLISTSTART … CLIENTLISTEND`: the oldest
 *   request of that kind.
 * - `FLUSHED id`: the FLUSH with that id.
 *
 * A refused read gets `OVERHEAD E permission_denied`, which names no command
 * and is written after the direct replies (PROTOCOL.md, "Session start",
 * ordering caveat). So a reply may skip over refused requests; it is then
 * matched further down the queue and the requests it skipped stay until a
 * `FLUSHED` arrives: every read written before that FLUSH has had its reply,
 * so a read still waiting was refused. The client sends a FLUSH probe when a
 * denial arrives so that this happens promptly.
 * @module
 */
import { PermissionDeniedError, ProtocolError } from '../errors.js';
import type { ServerLine } from '../wire/server-lines.js';
import type { OutboundEntry } from '../connection/connection.js';
import { Fifo } from '../util/fifo.js';

/** Requests that expect a reply. */
export type RequestKind = 'retrieve' | 'keylist' | 'clientlist' | 'flush';

/**
 * A request waiting for its reply. One object per request, no closures: its
 * promise's resolve/reject and its deadline are fields.
 */
export class PendingRequest implements OutboundEntry {
  seq = 0;
  /** Set once the caller's promise settled (reply, timeout, abort): a late reply is then consumed and dropped. */
  settled = false;
  /** Answered out of order, still in the queue: skipped when it reaches the head. */
  answered = false;
  /** When the default deadline passes (ms since epoch), or 0 for none. */
  deadline = 0;
  /** Cleanup run once the request settles (an abort listener). */
  onSettle: (() => void) | undefined = undefined;

  constructor(
    readonly kind: RequestKind,
    /** RETRIEVE: the name; FLUSH: the id. */
    readonly key: string,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: Error) => void,
    /** An internal FLUSH (liveness or permission probe), never seen by a caller. */
    readonly internal = false,
  ) {}

  /**
   * The encoded line, CRLF included. Built when written rather than kept:
   * with 100,000 requests in flight every byte per request counts.
   */
  get line(): string {
    switch (this.kind) {
      case 'retrieve':
        return `RETRIEVE ${this.key}\r\n`;
      case 'flush':
        return `FLUSH ${this.key}\r\n`;
      case 'keylist':
        return 'KEYLIST\r\n';
      case 'clientlist':
        return 'CLIENTLIST\r\n';
    }
  }

  /** Nothing to do when written: a request settles with its reply (called unbound). */
  written(): void {}

  /** Resolves the caller's promise (once). */
  complete(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettle?.();
    this.resolve(value);
  }

  /** Rejects the caller's promise (once). */
  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettle?.();
    this.reject(error);
  }
}

export class RequestTracker {
  /** Every request written on the current connection and not yet answered, in write order. */
  private readonly queue = new Fifo<PendingRequest>();
  private readonly flushes = new Map<string, PendingRequest>();
  private keys: string[] | undefined;
  private clients: Array<Record<string, string>> | undefined;

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.queue.length;
  }

  /** Whether a read written after `seq` still waits (so a new probe would cover it). */
  hasReadsAfter(seq: number): boolean {
    for (const request of this.queue.reversed()) {
      if (request.seq <= seq) return false;
      if (request.kind !== 'flush' && !request.answered) return true;
    }
    return false;
  }

  /** Registers a request as it is written. */
  track(request: PendingRequest): void {
    this.queue.push(request);
    if (request.kind === 'flush') this.flushes.set(request.key, request);
  }

  /** Offers a line; returns true when it was a reply (consumed). */
  handle(line: ServerLine): boolean {
    switch (line.type) {
      case 'retrieved':
        return this.answer('retrieve', line.name, line.value);
      case 'notretrieved':
        return this.answer('retrieve', line.name, undefined);
      case 'keyliststart':
        if (!this.find('keylist', '')) return false;
        this.keys = [];
        return true;
      case 'key':
        if (!this.keys) return false;
        this.keys.push(line.name);
        return true;
      case 'keylistend': {
        const keys = this.keys;
        this.keys = undefined;
        return keys !== undefined && this.answer('keylist', '', keys);
      }
      case 'clientliststart':
        if (!this.find('clientlist', '')) return false;
        this.clients = [];
        return true;
      case 'client':
        if (!this.clients) return false;
        this.clients.push(line.fields);
        return true;
      case 'clientlistend': {
        const clients = this.clients;
        this.clients = undefined;
        return clients !== undefined && this.answer('clientlist', '', clients);
      }
      case 'flushed':
        return this.answerFlush(line.id);
      default:
        return false;
    }
  }

  /** Empties the tracker (the connection is gone) and returns what was waiting, in write order. */
  takeAll(): PendingRequest[] {
    const all = this.queue.drain().filter((request) => !request.answered);
    this.flushes.clear();
    this.keys = undefined;
    this.clients = undefined;
    return all;
  }

  /** The oldest unanswered request of this kind and key. */
  private find(kind: RequestKind, key: string): PendingRequest | undefined {
    for (const request of this.queue) {
      if (!request.answered && request.kind === kind && request.key === key) return request;
    }
    return undefined;
  }

  private answer(kind: RequestKind, key: string, value: unknown): boolean {
    this.dropAnsweredHead();
    const head = this.queue.peek();
    let request: PendingRequest | undefined;
    if (head && head.kind === kind && head.key === key) {
      // The usual case: replies come in write order.
      request = this.queue.shift();
    } else {
      // A refused request before it is still waiting for its FLUSHED sweep.
      request = this.find(kind, key);
      if (request) request.answered = true;
    }
    if (!request) return false;
    request.complete(value);
    return true;
  }

  /** `FLUSHED id`: completes the FLUSH; every read still waiting before it was refused. */
  private answerFlush(id: string): boolean {
    const flush = this.flushes.get(id);
    if (!flush) return false;
    this.flushes.delete(id);
    for (let head = this.queue.peek(); head && head.seq <= flush.seq; head = this.queue.peek()) {
      this.queue.shift();
      if (head === flush || head.answered) continue;
      if (head.kind === 'flush') {
        this.flushes.delete(head.key);
        head.fail(new ProtocolError(`the server answered a later FLUSH but never ${head.line.trimEnd()}`));
      } else {
        head.fail(new PermissionDeniedError(`the server refused ${head.line.trimEnd()}: permission denied`, head.line.trimEnd()));
      }
    }
    flush.complete(undefined);
    return true;
  }

  private dropAnsweredHead(): void {
    while (this.queue.peek()?.answered) this.queue.shift();
  }
}
