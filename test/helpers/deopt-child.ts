/**
 * Run by test/client/hot-path.test.ts in a child process with
 * `--allow-natives-syntax --expose-gc`: optimizes the read reply path of the
 * request tracker, lets every request die, runs a full GC, and prints
 * whether the optimized code survived it (V8's optimization status bits).
 */
import { PendingRequest, RequestTracker, replyOf } from '../../src/client/request-tracker.js';

const natives = (body: string) => new Function('f', body) as (f: unknown) => number;
const status = natives('return %GetOptimizationStatus(f)');
const prepare = natives('%PrepareFunctionForOptimization(f)');
const optimize = natives('%OptimizeFunctionOnNextCall(f)');
const gc = (globalThis as unknown as { gc: () => void }).gc;

const tracker = new RequestTracker();
const answerHead = RequestTracker.prototype.answerHead;

/** A burst of reads, all answered: afterwards no request is left in flight. */
function burst(count: number): void {
  for (let i = 0; i < count; i++) {
    const request = new PendingRequest('retrieve', `k${i}`);
    void replyOf(request);
    tracker.track(request);
  }
  for (let i = 0; i < count; i++) if (!tracker.answerHead(`RETRIEVED k${i}=v`)) throw new Error('not answered');
}

prepare(answerHead);
burst(50);
burst(50);
optimize(answerHead);
burst(50);
const before = status(answerHead);
gc();
gc();
const after = status(answerHead);
process.stdout.write(`${JSON.stringify({ before, after, pending: tracker.size })}\n`);
