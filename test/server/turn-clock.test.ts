/** The cache's clock: one reading per loop turn, a fresh one outside turns. */
import { describe, expect, it } from 'vitest';
import { TurnClock } from '../../src/server/clock.js';

function countingSource(): { source: () => number; readings: () => number } {
  let count = 0;
  return { source: () => 1796115537.25 + ++count, readings: () => count };
}

describe('TurnClock', () => {
  it('reads its source once per turn, at the first call, and answers that reading for the rest of the turn', () => {
    const { source, readings } = countingSource();
    const clock = new TurnClock(source);
    clock.begin();
    expect(readings()).toBe(0); // nothing read until someone asks
    const first = clock.now();
    expect(clock.now()).toBe(first);
    expect(clock.now()).toBe(first);
    expect(readings()).toBe(1);
    clock.end();
    clock.begin();
    const second = clock.now();
    expect(second).toBeGreaterThan(first);
    expect(clock.now()).toBe(second);
    expect(readings()).toBe(2);
    clock.end();
  });

  it('reads its source on every call outside a turn', () => {
    const { source, readings } = countingSource();
    const clock = new TurnClock(source);
    const now = clock.now; // handed over unbound, as the cache takes it
    const a = now();
    const b = now();
    expect(b).toBeGreaterThan(a);
    clock.begin();
    const inTurn = now();
    clock.end();
    expect(now()).toBeGreaterThan(inTurn);
    expect(readings()).toBe(4);
  });

  it('defaults to epoch seconds', () => {
    const clock = new TurnClock();
    clock.begin();
    expect(Math.abs(clock.now() - Date.now() / 1000)).toBeLessThan(1);
    clock.end();
  });
});
