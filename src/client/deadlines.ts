/**
 * The default request deadline for every request, with one timer per client
 * instead of one per request. Requests with the default timeout get their
 * deadlines in increasing order, so only the oldest needs watching.
 *
 * Requests are kept in buckets: one clock reading starts a bucket, and the
 * requests added in the same synchronous run (at most {@link BUCKET_SIZE}
 * of them) share its deadline. A pipelined burst of a thousand reads then
 * reads the clock a few times instead of a thousand (`Date.now()` is about
 * 50 ns, a twentieth of the whole cost of a read), and no request carries a
 * deadline of its own. A request's deadline is counted from when its bucket
 * started: at most the time that {@link BUCKET_SIZE} calls take in one run
 * of the event loop earlier than its own start (well under a millisecond).
 * Settled requests are pruned from the front as replies arrive.
 * @module
 */
import { platform } from '#platform';
import type { PendingRequest } from './request-tracker.js';

/** Most requests sharing one clock reading. */
export const BUCKET_SIZE = 256;

interface Bucket {
  /** When these requests time out (ms since epoch). */
  deadline: number;
  requests: Array<PendingRequest | undefined>;
  /** Requests before this index were settled and let go. */
  head: number;
}

export class DeadlineQueue {
  /** Oldest first; the last one takes new requests while it is open. */
  private buckets: Bucket[] = [];
  private first = 0;
  /** The bucket taking requests in this run of the event loop, if any. */
  private open: Bucket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly close = (): void => {
    this.open = undefined;
  };

  constructor(
    private readonly timeout: number,
    private readonly onExpire: (request: PendingRequest) => void,
  ) {}

  /** Watches `request` until the default timeout from now has passed. */
  add(request: PendingRequest): void {
    let bucket = this.open;
    if (bucket === undefined || bucket.requests.length >= BUCKET_SIZE) {
      if (bucket === undefined) queueMicrotask(this.close);
      bucket = { deadline: Date.now() + this.timeout, requests: [], head: 0 };
      this.open = bucket;
      this.buckets.push(bucket);
    }
    bucket.requests.push(request);
    if (this.timer === undefined) this.arm();
  }

  /** Drops settled requests from the front (cheap; called as replies arrive). */
  prune(): void {
    const buckets = this.buckets;
    for (let bucket = buckets[this.first]; bucket !== undefined; bucket = buckets[this.first]) {
      const requests = bucket.requests;
      let head = bucket.head;
      while (head < requests.length && (requests[head] as PendingRequest).settled) requests[head++] = undefined;
      bucket.head = head;
      // A bucket still taking requests stays, however far it was read.
      if (head < requests.length || bucket === this.open) return;
      this.dropFirst();
    }
  }

  /** Stops watching everything. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.buckets = [];
    this.first = 0;
    this.open = undefined;
  }

  private dropFirst(): void {
    this.buckets[this.first++] = undefined as unknown as Bucket;
    if (this.first === this.buckets.length) {
      this.buckets = [];
      this.first = 0;
    } else if (this.first >= 64 && this.first * 2 >= this.buckets.length) {
      this.buckets = this.buckets.slice(this.first);
      this.first = 0;
    }
  }

  private arm(): void {
    this.prune();
    const bucket = this.buckets[this.first];
    if (bucket === undefined) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, bucket.deadline - Date.now()));
    platform.unref(this.timer);
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (let bucket = this.buckets[this.first]; bucket !== undefined && bucket.deadline <= now; bucket = this.buckets[this.first]) {
      const requests = bucket.requests;
      // Taken out first: onExpire may add requests (a FLUSH probe has no deadline, but a caller's retry may).
      if (bucket === this.open) this.open = undefined;
      this.dropFirst();
      for (let i = bucket.head; i < requests.length; i++) {
        const request = requests[i] as PendingRequest;
        if (!request.settled) this.onExpire(request);
      }
    }
    this.arm();
  }
}
