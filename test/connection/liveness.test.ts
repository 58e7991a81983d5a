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
/** Where each test's clock starts. */
const START = 1_000_000;

/** A monitor on fresh counters; `check(...offsets)` runs a check at each START + offset, in order. */
function monitor(): { counters: Counters; probes: number[]; live: LivenessMonitor; check: (...offsets: number[]) => void; answer: (offset: number) => void } {
  const counters = new Counters();
  counters.lastReceivedAt = START;
  const probes: number[] = [];
  let outstanding: number | undefined;
  let clock = START;
  const live = new LivenessMonitor(counters as unknown as Connection, INTERVAL, TIMEOUT, {
    send: () => {
      outstanding = clock;
      probes.push(clock - START);
    },
    outstandingSince: () => outstanding,
  });
  return {
    counters,
    probes,
    live,
    check: (...offsets) => {
      for (const offset of offsets) {
        clock = START + offset;
        live.check(clock);
      }
    },
    answer: (offset) => {
      outstanding = undefined;
      counters.lastReceivedAt = START + offset;
    },
  };
}

describe('LivenessMonitor', () => {
  it('declares a server dead when a probe gets nothing for the timeout, checked on time', () => {
    const { counters, probes, live, check } = monitor();
    expect(live.tick).toBe(500);
    check(500, 1000);
    expect(probes).toEqual([1000]);
    check(1500);
    expect(counters.destroyedWith).toBeUndefined();
    check(2000);
    expect(counters.destroyedWith?.message).toMatch(/stopped responding/);
  });

  it('does not count a stall of its own process against the server: after a late check the server gets a whole timeout', () => {
    const { counters, probes, check, answer } = monitor();
    check(500, 1000);
    expect(probes).toEqual([1000]);
    // This process is blocked for 5 s right after the probe went out; the FLUSHED is waiting unread.
    check(6000);
    expect(counters.destroyedWith).toBeUndefined();
    // The reply is read right after the timers: the connection lives on.
    answer(6001);
    check(6500);
    expect(counters.destroyedWith).toBeUndefined();
    // A server that really is gone is still found: a probe, then nothing for the timeout.
    check(7000, 7500);
    expect(probes).toEqual([1000, 7500]);
    check(8000);
    expect(counters.destroyedWith).toBeUndefined();
    check(8500);
    expect(counters.destroyedWith?.message).toMatch(/stopped responding/);
  });

  it('a stall during a write that makes no progress: judged from the end of the stall, not its start', () => {
    const { counters, check } = monitor();
    counters.socketBuffered = 8 << 20;
    counters.bytesWritten = 100;
    check(500);
    // Blocked for 5 s: nothing could be written meanwhile.
    check(5500);
    expect(counters.destroyedWith).toBeUndefined();
    check(6000);
    expect(counters.destroyedWith).toBeUndefined();
    // Still no progress a whole timeout after the stall: the server stopped reading.
    check(6500);
    expect(counters.destroyedWith?.message).toMatch(/stopped reading/);
  });
});
