/**
 * The liveness verdict as pure logic: LivenessMonitor decides from a
 * connection's counters and the clock it is given, so the times here are
 * explicit. (The whole path, with real servers that freeze or stop reading,
 * is in test/client/faults/liveness.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { LivenessMonitor } from '../../src/connection/liveness.js';

/** The counters LivenessMonitor reads, set by the test. */
class Counters {
  isClosed = false;
  socketBuffered = 0;
  bytesWritten = 0;
  lastReceivedAt = 0;
  destroyedWith: Error | undefined;
  destroy(error: Error): void {
    this.destroyedWith = error;
    this.isClosed = true;
  }
}

const INTERVAL = 1000;
const TIMEOUT = 1000;

function monitor(start: number): { counters: Counters; probes: number[]; live: LivenessMonitor; answer: (at: number) => void } {
  const counters = new Counters();
  counters.lastReceivedAt = start;
  const probes: number[] = [];
  let outstanding: number | undefined;
  let clock = start;
  const live = new LivenessMonitor(counters as unknown as Connection, INTERVAL, TIMEOUT, {
    send: () => {
      outstanding = clock;
      probes.push(clock);
    },
    outstandingSince: () => outstanding,
  });
  const check = live.check.bind(live);
  live.check = (now = Date.now()) => {
    clock = now;
    check(now);
  };
  return {
    counters,
    probes,
    live,
    answer: (at) => {
      outstanding = undefined;
      counters.lastReceivedAt = at;
    },
  };
}

describe('LivenessMonitor', () => {
  it('declares a server dead when a probe gets nothing for the timeout, checked on time', () => {
    const start = 1_000_000;
    const { counters, probes, live } = monitor(start);
    expect(live.tick).toBe(500);
    for (let t = start + 500; t <= start + 1000; t += 500) live.check(t);
    expect(probes).toEqual([start + 1000]);
    live.check(start + 1500);
    expect(counters.destroyedWith).toBeUndefined();
    live.check(start + 2000);
    expect(counters.destroyedWith?.message).toMatch(/stopped responding/);
  });

  it('does not count a stall of its own process against the server: after a late check the server gets a whole timeout', () => {
    const start = 1_000_000;
    const { counters, probes, live, answer } = monitor(start);
    for (let t = start + 500; t <= start + 1000; t += 500) live.check(t);
    expect(probes).toEqual([start + 1000]);
    // This process is blocked for 5 s right after the probe went out; the FLUSHED is waiting unread.
    live.check(start + 6000);
    expect(counters.destroyedWith).toBeUndefined();
    // The reply is read right after the timers: the connection lives on.
    answer(start + 6001);
    live.check(start + 6500);
    expect(counters.destroyedWith).toBeUndefined();
    // A server that really is gone is still found: a probe, then nothing for the timeout.
    live.check(start + 7000);
    live.check(start + 7500);
    expect(probes).toEqual([start + 1000, start + 7500]);
    live.check(start + 8000);
    expect(counters.destroyedWith).toBeUndefined();
    live.check(start + 8500);
    expect(counters.destroyedWith?.message).toMatch(/stopped responding/);
  });

  it('a stall during a write that makes no progress: judged from the end of the stall, not its start', () => {
    const start = 1_000_000;
    const { counters, live } = monitor(start);
    counters.socketBuffered = 8 << 20;
    counters.bytesWritten = 100;
    counters.lastReceivedAt = start;
    live.check(start + 500);
    // Blocked for 5 s: nothing could be written meanwhile.
    live.check(start + 5500);
    expect(counters.destroyedWith).toBeUndefined();
    live.check(start + 6000);
    expect(counters.destroyedWith).toBeUndefined();
    // Still no progress a whole timeout after the stall: the server stopped reading.
    live.check(start + 6500);
    expect(counters.destroyedWith?.message).toMatch(/stopped reading/);
  });
});
