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
 *
 * A list block is collected within bounds (entries and bytes): past them, or
 * once its request has settled (timed out, aborted), the request no longer
 * collects, and the rest of the block is read and discarded up to its END,
 * which still answers the request, so the replies after it match.
 * @module
 */
import { PermissionDeniedError, ProtocolError, ReplyTooLargeError } from '../errors.js';
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

/** Bounds of a KEYLIST or CLIENTLIST reply. */
export interface ListLimits {
  /** Most entries (KEY or CLIENT lines). */
  maxEntries: number;
  /** Most bytes: the entries' length on the wire. */
  maxBytes: number;
}

/** A KEYLIST or CLIENTLIST block being read. */
interface ListBlock {
  kind: 'keylist' | 'clientlist';
  request: PendingRequest;
  /** What was collected so far; `undefined` once the rest is being discarded. */
  entries: unknown[] | undefined;
  bytes: number;
}

export class RequestTracker {
  /** Every request written on the current connection and not yet answered, in write order. */
  private readonly queue = new Fifo<PendingRequest>();
  private readonly flushes = new Map<string, PendingRequest>();
  private list: ListBlock | undefined;
  private answered = 0;

  constructor(private readonly limits: ListLimits = { maxEntries: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY }) {}

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.queue.length;
  }

  /** Replies matched to a request so far (a list block counts once). */
  get replies(): number {
    return this.answered;
  }

  /** A request settled early (timed out, aborted): a list block it was collecting is dropped now; the rest of the block is discarded. */
  abandon(request: PendingRequest): void {
    if (this.list?.request === request) this.list.entries = undefined;
  }

  /** Bytes held by a list block being collected. */
  get listBytes(): number {
    return this.list?.entries ? this.list.bytes : 0;
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
        return this.startList('keylist');
      case 'key':
        return this.collect('keylist', line.name, line.name.length + 6);
      case 'keylistend':
        return this.endList('keylist');
      case 'clientliststart':
        return this.startList('clientlist');
      case 'client':
        return this.collect('clientlist', line.fields, clientLineLength(line.fields));
      case 'clientlistend':
        return this.endList('clientlist');
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
    this.list = undefined;
    return all;
  }

  private startList(kind: 'keylist' | 'clientlist'): boolean {
    const request = this.find(kind, '');
    if (!request) return false;
    this.list = { kind, request, entries: request.settled ? undefined : [], bytes: 0 };
    return true;
  }

  /** One entry of a block: kept within the bounds, discarded past them or once the request settled. */
  private collect(kind: 'keylist' | 'clientlist', entry: unknown, size: number): boolean {
    const list = this.list;
    if (!list || list.kind !== kind) return false;
    if (!list.entries) return true;
    if (list.request.settled) {
      list.entries = undefined;
      return true;
    }
    list.entries.push(entry);
    list.bytes += size;
    const { maxEntries, maxBytes } = this.limits;
    const over = list.entries.length > maxEntries ? 'entries' : list.bytes > maxBytes ? 'bytes' : undefined;
    if (over) {
      const what = kind === 'keylist' ? 'KEYLIST' : 'CLIENTLIST';
      const bound = over === 'entries' ? maxEntries : maxBytes;
      list.entries = undefined;
      list.request.fail(
        new ReplyTooLargeError(
          `the ${what} reply is larger than ${bound} ${over === 'entries' ? 'entries' : 'bytes'} (the client's ${over === 'entries' ? 'maxListEntries' : 'maxListBytes'}); the rest of it is discarded`,
          over,
          bound,
        ),
      );
    }
    return true;
  }

  /** The block's END: answers its request (with nothing, when it no longer collects). */
  private endList(kind: 'keylist' | 'clientlist'): boolean {
    const list = this.list;
    if (!list || list.kind !== kind) return false;
    this.list = undefined;
    return this.answer(kind, '', list.entries);
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
    this.answered++;
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
    this.answered++;
    flush.complete(undefined);
    return true;
  }

  private dropAnsweredHead(): void {
    while (this.queue.peek()?.answered) this.queue.shift();
  }
}

/** The length of a `CLIENT k=v;k=v;…;` line on the wire. */
function clientLineLength(fields: Record<string, string>): number {
  let length = 9;
  for (const key in fields) length += key.length + (fields[key] as string).length + 2;
  return length;
}
