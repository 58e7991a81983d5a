/**
 * Review finding: an iterator that ends with an error (a fatal client
 * error, a slow consumer) delivers that error once, then reports done, as
 * any async iterator does.
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/events/event-queue.js';

describe('EventQueue ending with an error', () => {
  it('delivers the error once to a consumer already waiting, then is done', async () => {
    const queue = new EventQueue<number>();
    const waiting = queue.next();
    const failure = new Error('fatal');
    queue.end(failure);
    await expect(waiting).rejects.toBe(failure);
    await expect(queue.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('delivers the error once after the buffered events when nobody was waiting', async () => {
    const queue = new EventQueue<number>();
    queue.push(1);
    const failure = new Error('fatal');
    queue.end(failure);
    await expect(queue.next()).resolves.toEqual({ value: 1, done: false });
    await expect(queue.next()).rejects.toBe(failure);
    await expect(queue.next()).resolves.toEqual({ value: undefined, done: true });
  });
});
