/**
 * Scenario 5, one measurement in a fresh process, so that the figures are
 * this consumer's alone (the server runs elsewhere): RSS and heap before,
 * at their peak, and after a full GC at the end. Prints one JSON line.
 * @module
 */
import { FloorClient } from './lib/floor-client.js';
import { RawClient, type RawTarget } from './lib/raw-client.js';
import { importFrom, sdk } from './lib/sdk.js';
import { collectGarbage } from './lib/stats.js';
import { FanoutPublisher, keyNames, prepareKeys, rawFanoutRound, sdkEventsRound } from './lib/workloads.js';

export type MemoryMode = 'sdk-events' | 'floor-events' | 'raw-events' | 'sdk-inflight' | 'floor-inflight' | 'raw-inflight';

export interface MemorySpec {
  mode: MemoryMode;
  target: Extract<RawTarget, { kind: 'unix' }>;
  count: number;
  fanoutBatch: number;
  fanoutCredit: number;
  sdkLocation: string;
  sdkSource: string;
}

export interface MemoryReport {
  mode: MemoryMode;
  count: number;
  /** Bytes. */
  baseline: { rss: number; heapUsed: number };
  peak: { rss: number; heapUsed: number };
  afterGc: { rss: number; heapUsed: number };
  seconds: number;
  dropped: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as MemorySpec;
await importFrom(spec.sdkLocation, spec.sdkSource);

const publisherSocket = await RawClient.connect(spec.target);
const rawConsumer = spec.mode.startsWith('raw') ? await RawClient.connect(spec.target) : undefined;
const floorClient = spec.mode.startsWith('floor') ? await FloorClient.connect(spec.target) : undefined;
const sdkClient = spec.mode.startsWith('sdk')
  ? await sdk().client.createClient({ path: spec.target.path, username: spec.target.username, password: spec.target.password })
  : undefined;
const keys = keyNames(1000);
await prepareKeys(publisherSocket, keys);
const rawWindow = spec.mode === 'raw-inflight' ? Buffer.from(Array.from({ length: spec.count }, (_, i) => `RETRIEVE ${keys[i % 1000]}\r\n`).join('')) : undefined;

collectGarbage();
const baseline = process.memoryUsage();
const peak = { rss: baseline.rss, heapUsed: baseline.heapUsed };
const sampleNow = (): void => {
  const usage = process.memoryUsage();
  peak.rss = Math.max(peak.rss, usage.rss);
  peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
};
const sampler = setInterval(sampleNow, 5);
const started = performance.now();
let dropped = 0;

const publisher = new FanoutPublisher(publisherSocket, spec.fanoutBatch, spec.fanoutCredit);
switch (spec.mode) {
  case 'sdk-events':
  case 'floor-events':
    dropped = (await sdkEventsRound(publisher, (sdkClient ?? floorClient)!, spec.count)).dropped;
    break;
  case 'raw-events':
    await rawFanoutRound(publisher, rawConsumer!, spec.count);
    break;
  case 'sdk-inflight':
  case 'floor-inflight': {
    const client = (sdkClient ?? floorClient)!;
    const replies = new Array<Promise<string | undefined>>(spec.count);
    for (let i = 0; i < spec.count; i++) replies[i] = client.retrieve(keys[i % 1000] as string);
    sampleNow();
    await Promise.all(replies);
    break;
  }
  case 'raw-inflight':
    await rawConsumer!.roundTrip(rawWindow!, spec.count);
    sampleNow();
    break;
}
sampleNow();
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
collectGarbage();
const after = process.memoryUsage();
const report: MemoryReport = {
  mode: spec.mode,
  count: spec.count,
  baseline: { rss: baseline.rss, heapUsed: baseline.heapUsed },
  peak,
  afterGc: { rss: after.rss, heapUsed: after.heapUsed },
  seconds,
  dropped,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await sdkClient?.close();
await floorClient?.close();
await rawConsumer?.close();
await publisherSocket.close();
process.exit(0);
