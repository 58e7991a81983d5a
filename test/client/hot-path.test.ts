/**
 * A full garbage collection between two bursts of reads must not throw away
 * the optimized code of the request path. V8 keeps the hidden class of a
 * request only through weak transitions; with no request alive at the GC it
 * was collected, and every function optimized for it was deoptimized
 * ("weak objects"), which doubled the CPU per read of the next burst. The
 * tracker now keeps one settled request alive (request-tracker.ts). Checked
 * with V8's own optimization status, in a child process with the flags that
 * expose it; no timing is measured.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../helpers/deopt-child.ts', import.meta.url));
/** V8's OptimizationStatus bit for "optimized (TurboFan)". */
const OPTIMIZED = 1 << 4;

describe('the request path after a full GC', () => {
  it('stays optimized when a GC runs while no request is in flight', () => {
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', CHILD], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { before, after, pending } = JSON.parse(run.stdout.trim()) as { before: number; after: number; pending: number };
    expect(pending).toBe(0);
    expect(before & OPTIMIZED, `status before the GC: ${before}`).toBe(OPTIMIZED);
    expect(after & OPTIMIZED, `status after the GC: ${after}`).toBe(OPTIMIZED);
  }, 70_000);
});

describe('a settled request', () => {
  it('lets go of its promise once settled, so that the one the tracker keeps holds nothing of the caller', async () => {
    const { PendingRequest, RequestTracker, replyOf } = await import('../../src/client/request-tracker.js');
    const { noop } = await import('../../src/util/noop.js');
    const tracker = new RequestTracker();
    const request = new PendingRequest('retrieve', 'k');
    const reply = replyOf<string | undefined>(request);
    tracker.track(request);
    expect(request.resolve).not.toBe(noop);
    expect(tracker.answerHead('RETRIEVED k=v')).toBe(true);
    await expect(reply).resolves.toBe('v');
    expect(tracker.keeper).toBe(request);
    expect(request.resolve).toBe(noop);
    expect(request.reject).toBe(noop);
  });
});
