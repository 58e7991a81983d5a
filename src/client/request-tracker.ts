/**
 * Request matching: which reply line answers which request.
 *
 * - `RETRIEVED name=…` / `NOTRETRIEVED name`: the oldest RETRIEVE of that name.
 * - `KEYLISTSTART … KEYLISTEND`, `CLIENTLISTSTART … CLIENTLISTEND`: the oldest
 *   request of that kind (the server answers in order).
 * - `FLUSHED id`: the FLUSH with that id.
 *
 * A refused read gets `OVERHEAD E permission_denied`, which names no command
 * and is written after the direct replies (PROTOCOL.md, "Session start",
 * ordering caveat). But the server answers in order, so when `FLUSHED id`
 * arrives every read written before that FLUSH has had its reply; a read
 * still waiting then was refused. The client sends a FLUSH probe when a
 * denial arrives so that this happens promptly.
 * @module
 */
import { PermissionDeniedError } from '../errors.js';
import type { ServerLine } from '../wire/server-lines.js';
import type { OutboundEntry } from '../connection/connection.js';
import { Fifo } from '../util/fifo.js';

/** Requests that expect a reply. */
export type RequestKind = 'retrieve' | 'keylist' | 'clientlist' | 'flush';

/** A request waiting for its reply. */
export interface PendingRequest extends OutboundEntry {
  readonly kind: RequestKind;
  /** RETRIEVE: the name; FLUSH: the id. */
  readonly key: string;
  /** An internal FLUSH (liveness or permission probe), never seen by the caller. */
  readonly internal: boolean;
  /** Set once the caller's promise settled (reply, timeout, abort): a late reply is then consumed and dropped. */
  settled: boolean;
  /** When the line was written (for probes). */
  sentAt: number;
  complete(value: unknown): void;
  fail(error: Error): void;
}

export class RequestTracker {
  /** Every request written on the current connection, in write order. */
  private readonly inFlight = new Set<PendingRequest>();
  private readonly retrieves = new Map<string, Fifo<PendingRequest>>();
  private readonly keylists = new Fifo<PendingRequest>();
  private readonly clientlists = new Fifo<PendingRequest>();
  private readonly flushes = new Map<string, PendingRequest>();
  private keys: string[] | undefined;
  private clients: Array<Record<string, string>> | undefined;

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.inFlight.size;
  }

  /** Highest seq among waiting reads (0 when none): tells whether a new probe would cover anything. */
  get newestReadSeq(): number {
    let newest = 0;
    for (const request of this.inFlight) if (request.kind !== 'flush' && request.seq > newest) newest = request.seq;
    return newest;
  }

  /** Registers a request as it is written. */
  track(request: PendingRequest): void {
    this.inFlight.add(request);
    switch (request.kind) {
      case 'retrieve': {
        let queue = this.retrieves.get(request.key);
        if (!queue) this.retrieves.set(request.key, (queue = new Fifo()));
        queue.push(request);
        break;
      }
      case 'keylist':
        this.keylists.push(request);
        break;
      case 'clientlist':
        this.clientlists.push(request);
        break;
      case 'flush':
        this.flushes.set(request.key, request);
        break;
    }
  }

  /** Offers a line; returns true when it was a reply (consumed). */
  handle(line: ServerLine): boolean {
    switch (line.type) {
      case 'retrieved':
        return this.answerRetrieve(line.name, line.value);
      case 'notretrieved':
        return this.answerRetrieve(line.name, undefined);
      case 'keyliststart':
        if (this.keylists.length === 0) return false;
        this.keys = [];
        return true;
      case 'key':
        if (!this.keys) return false;
        this.keys.push(line.name);
        return true;
      case 'keylistend': {
        const keys = this.keys;
        this.keys = undefined;
        const request = keys ? this.keylists.shift() : undefined;
        if (!request) return false;
        this.finish(request, keys);
        return true;
      }
      case 'clientliststart':
        if (this.clientlists.length === 0) return false;
        this.clients = [];
        return true;
      case 'client':
        if (!this.clients) return false;
        this.clients.push(line.fields);
        return true;
      case 'clientlistend': {
        const clients = this.clients;
        this.clients = undefined;
        const request = clients ? this.clientlists.shift() : undefined;
        if (!request) return false;
        this.finish(request, clients);
        return true;
      }
      case 'flushed': {
        const request = this.flushes.get(line.id);
        if (!request) return false;
        this.flushes.delete(line.id);
        this.refuseReadsBefore(request.seq);
        this.finish(request, undefined);
        return true;
      }
      default:
        return false;
    }
  }

  /** Empties the tracker (the connection is gone) and returns what was waiting, in write order. */
  takeAll(): PendingRequest[] {
    const all = [...this.inFlight];
    this.inFlight.clear();
    this.retrieves.clear();
    this.keylists.clear();
    this.clientlists.clear();
    this.flushes.clear();
    this.keys = undefined;
    this.clients = undefined;
    return all;
  }

  private answerRetrieve(name: string, value: string | undefined): boolean {
    const queue = this.retrieves.get(name);
    const request = queue?.shift();
    if (!queue || !request) return false;
    if (queue.length === 0) this.retrieves.delete(name);
    this.finish(request, value);
    return true;
  }

  private finish(request: PendingRequest, value: unknown): void {
    this.inFlight.delete(request);
    request.complete(value);
  }

  /** Every read written before the FLUSH with this seq and still waiting was refused. */
  private refuseReadsBefore(seq: number): void {
    for (const request of this.inFlight) {
      if (request.seq >= seq) break;
      if (request.kind === 'flush') continue;
      this.inFlight.delete(request);
      if (request.kind === 'retrieve') {
        const queue = this.retrieves.get(request.key);
        queue?.remove((queued) => queued === request);
        if (queue && queue.length === 0) this.retrieves.delete(request.key);
      } else {
        (request.kind === 'keylist' ? this.keylists : this.clientlists).remove((queued) => queued === request);
      }
      request.fail(new PermissionDeniedError(`the server refused ${request.line.trimEnd()}: permission denied`, request.line.trimEnd()));
    }
  }
}
