/**
 * The default request deadline (src/client/deadlines.ts): requests share one
 * timer, and the requests of one run of the event loop (up to 256) share one
 * clock reading. Pure code: fake timers, no server.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUCKET_SIZE, DeadlineQueue } from '../../src/client/deadlines.js';
import { PendingRequest, replyOf } from '../../src/client/request-tracker.js';

function request(key: string): PendingRequest {
  const pending = new PendingRequest('retrieve', key);
  replyOf(pending).catch(() => {});
  return pending;
}

/** Lets queued microtasks run (the end of a run of the event loop). */
const endOfRun = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('DeadlineQueue', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('expires every request of a run at the timeout counted from the run, however many there are', async () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue(1000, (pending) => expired.push(pending.key));
    const count = BUCKET_SIZE * 2 + 10;
    for (let i = 0; i < count; i++) queue.add(request(`k${i}`));
    await endOfRun();
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toHaveLength(count);
    expect(expired[0]).toBe('k0');
    expect(expired.at(-1)).toBe(`k${count - 1}`);
  });

  it('gives a request of a later run its own, later deadline', async () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue(1000, (pending) => expired.push(pending.key));
    queue.add(request('early'));
    await endOfRun();
    vi.advanceTimersByTime(400);
    queue.add(request('late'));
    await endOfRun();
    vi.advanceTimersByTime(600);
    expect(expired).toEqual(['early']);
    vi.advanceTimersByTime(399);
    expect(expired).toEqual(['early']);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['early', 'late']);
  });

  it('reads the clock once per bucket of requests, not once per request', async () => {
    const queue = new DeadlineQueue(1000, () => {});
    const now = vi.spyOn(Date, 'now');
    for (let i = 0; i < BUCKET_SIZE * 2 + 1; i++) queue.add(request(`k${i}`));
    await endOfRun();
    queue.add(request('next run'));
    // Three buckets in the first run, one in the next, and one reading to aim the timer.
    expect(now.mock.calls.length).toBe(5);
    now.mockRestore();
  });

  it('never expires a settled request, and lets settled requests go as they are pruned', async () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue(1000, (pending) => expired.push(pending.key));
    const answered = request('answered');
    const waiting = request('waiting');
    queue.add(answered);
    queue.add(waiting);
    await endOfRun();
    answered.complete('value');
    queue.prune();
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['waiting']);
  });

  it('stops everything on clear()', async () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue(1000, (pending) => expired.push(pending.key));
    queue.add(request('k'));
    queue.clear();
    vi.advanceTimersByTime(5000);
    expect(expired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
