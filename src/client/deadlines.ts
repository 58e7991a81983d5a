/**
 * The default request deadline for every request, with one timer per client
 * instead of one per request. Requests with the default timeout get their
 * deadlines in increasing order, so only the head needs watching; settled
 * requests are pruned from the head as replies arrive.
 * @module
 */
import { platform } from '#platform';
import { Fifo } from '../util/fifo.js';
import type { PendingRequest } from './request-tracker.js';

export class DeadlineQueue {
  private readonly queue = new Fifo<PendingRequest>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onExpire: (request: PendingRequest) => void) {}

  /** Watches `request` until `deadline` (ms since epoch). */
  add(request: PendingRequest, deadline: number): void {
    request.deadline = deadline;
    this.queue.push(request);
    if (!this.timer) this.arm();
  }

  /** Drops settled requests from the head (cheap; called as replies arrive). */
  prune(): void {
    while (this.queue.peek()?.settled) this.queue.shift();
  }

  /** Stops watching everything. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.clear();
  }

  private arm(): void {
    this.prune();
    const head = this.queue.peek();
    if (!head) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, head.deadline - Date.now()));
    platform.unref(this.timer);
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (let head = this.queue.peek(); head && (head.settled || head.deadline <= now); head = this.queue.peek()) {
      this.queue.shift();
      if (!head.settled) this.onExpire(head);
    }
    this.arm();
  }
}
