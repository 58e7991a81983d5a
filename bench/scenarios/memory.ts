/**
 * Scenario 5: memory. RSS and heap growth (peak over a GC'd baseline) of a
 * process consuming 1,000,000 events through `for await … of events()`, and
 * of one with 100,000 RETRIEVEs in flight at once. Each measurement runs in
 * a fresh child process (bench/memory-child.ts), so the figures are the
 * client's alone whichever way the server runs.
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rawTarget, type Context, type Row } from '../lib/context.js';
import { sdk } from '../lib/sdk.js';
import { sample } from '../lib/stats.js';
import type { MemoryMode, MemoryReport, MemorySpec } from '../memory-child.js';

const MB = 1024 * 1024;
const LIMIT_MB = 50;
const IN_FLIGHT_HEAP_LIMIT_MB = 40;

export async function memory(ctx: Context): Promise<{ rows: Row[]; reports: MemoryReport[] }> {
  const reports: MemoryReport[] = [];
  const rows: Row[] = [];
  const cases = [
    { key: 'events', count: ctx.sizes.memoryEvents, what: 'events consumed via for await events()' },
    { key: 'inflight', count: ctx.sizes.memoryInFlight, what: 'RETRIEVEs in flight at once' },
  ] as const;
  for (const { key, count, what } of cases) {
    // The SDK first, in a fresh process each, then the floor and the raw baseline.
    const sdkReport = await measure(ctx, `sdk-${key}`, count);
    const floorReport = await measure(ctx, `floor-${key}`, count);
    const rawReport = await measure(ctx, `raw-${key}`, count);
    reports.push(sdkReport, floorReport, rawReport);
    for (const [field, label] of [
      ['rss', 'RSS'],
      ['heapUsed', 'heap'],
    ] as const) {
      const growth = (report: MemoryReport): number => (report.peak[field] - report.baseline[field]) / MB;
      const sdkGrowth = growth(sdkReport);
      rows.push({
        id: `memory.${key}.${field}`,
        scenario: `5. Memory, peak ${label} growth`,
        metric: `${count.toLocaleString('en')} ${what}`,
        unit: 'MB',
        better: 'lower',
        raw: sample([growth(rawReport)]),
        sdk: sample([sdkGrowth]),
        ratio: undefined,
        floor: sample([growth(floorReport)]),
        ...limitOf(key, field, sdkGrowth),
        notes: [
          `retained after GC: SDK ${((sdkReport.afterGc[field] - sdkReport.baseline[field]) / MB).toFixed(1)} MB, floor ${((floorReport.afterGc[field] - floorReport.baseline[field]) / MB).toFixed(1)} MB, raw ${((rawReport.afterGc[field] - rawReport.baseline[field]) / MB).toFixed(1)} MB`,
          ...(key === 'events' ? [`events dropped: ${sdkReport.dropped}`] : []),
        ],
      });
    }
  }
  return { rows, reports };
}

/** The bounds: heap growth with 100,000 requests in flight at most 40 MB (issue 13), every other growth under 50 MB. */
function limitOf(key: 'events' | 'inflight', field: 'rss' | 'heapUsed', growth: number): Pick<Row, 'target'> {
  const limit = key === 'inflight' && field === 'heapUsed' ? IN_FLIGHT_HEAP_LIMIT_MB : LIMIT_MB;
  return { target: { text: `SDK growth ${limit === LIMIT_MB ? '<' : '<='} ${limit} MB`, met: limit === LIMIT_MB ? growth < limit : growth <= limit } };
}

function measure(ctx: Context, mode: MemoryMode, count: number): Promise<MemoryReport> {
  const target = rawTarget(ctx.server, 'unix');
  if (target.kind !== 'unix') throw new Error('memory: needs the Unix socket');
  const spec: MemorySpec = {
    mode,
    target,
    count,
    fanoutBatch: ctx.sizes.fanoutBatch,
    fanoutCredit: ctx.sizes.fanoutCredit,
    sdkLocation: sdk().location,
    sdkSource: sdk().source,
  };
  const script = fileURLToPath(new URL('../memory-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') return reject(new Error(`memory measurement ${mode} failed (exit code ${code})`));
      resolve(JSON.parse(line) as MemoryReport);
    });
  });
}
