/**
 * Scenario 7: saving a big cache must not stall the server. A server of its
 * own (in this process, sharing the event loop with the clients: the worst
 * case) holds 1,000,000 keys and persists them; while `saveCache()` runs, a
 * raw client and an SDK client each RETRIEVE one key after another, one
 * request in flight each. Figures: RETRIEVE p50, p99 and max during the
 * save (target: p99 < 20 ms), and the save time. The same loops with no
 * save running give the idle baseline (in the notes).
 * @module
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClacksClient } from '../../src/index.js';
import { ratioOf, type Context, type Row } from '../lib/context.js';
import { RawClient } from '../lib/raw-client.js';
import { sdk } from '../lib/sdk.js';
import { BENCH_USER } from '../lib/server.js';
import { now, percentile, sample } from '../lib/stats.js';
import { VALUE } from '../lib/workloads.js';

const TARGET_P99_MS = 20;
/** Keys written per round trip while filling the cache (untimed). */
const FILL_BATCH = 20_000;
/** How long the idle baseline loops run. */
const IDLE_MS = 1500;

interface Round {
  saveMs: number;
  raw: number[];
  sdk: number[];
}

export async function persistSave(ctx: Context): Promise<Row[]> {
  const keys = ctx.sizes.persistKeys;
  const directory = mkdtempSync(join(tmpdir(), 'clacks-bench-persist-'));
  const file = join(directory, 'cache.dat');
  const server = await sdk().server.startServer({
    users: [BENCH_USER],
    socketPath: join(directory, 'clacks.sock'),
    persistFile: file,
    persistInterval: 0, // saves only when this scenario asks
    cacheCleanInterval: 0,
    pingTimeout: 0,
    nopInterval: 0,
  });
  const target = { kind: 'unix' as const, path: join(directory, 'clacks.sock'), ...BENCH_USER };
  const raw = await RawClient.connect(target);
  const client = await sdk().client.createClient({ path: target.path, ...BENCH_USER, name: 'net-clacks-bench-sdk' });
  try {
    ctx.log(`persist: filling the cache with ${keys.toLocaleString('en')} keys`);
    for (let from = 0; from < keys; from += FILL_BATCH) {
      let batch = '';
      for (let i = from; i < Math.min(keys, from + FILL_BATCH); i++) batch += `STORE bench::p${i}=${VALUE}\r\n`;
      await raw.roundTrip(`${batch}FLUSH filled\r\n`, 1);
    }
    const probe = 'bench::p7';
    const idle = await measureWhile(raw, client, probe, idleFor(IDLE_MS));
    const rounds: Round[] = [];
    const count = Math.min(ctx.rounds, 3);
    for (let round = 0; round < count; round++) {
      // A change, so that there is something to save.
      await raw.roundTrip(`STORE bench::round=${round}\r\nFLUSH changed\r\n`, 1);
      const started = now();
      let saved = false;
      const saving = server.saveCache().finally(() => (saved = true));
      const measured = await measureWhile(raw, client, probe, () => !saved);
      await saving;
      rounds.push({ saveMs: now() - started, ...measured });
    }
    const bytes = statSync(file).size;
    return rows(keys, bytes, rounds, idle);
  } finally {
    await client.close();
    await raw.close();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const idleFor = (ms: number): (() => boolean) => {
  const end = now() + ms;
  return () => now() < end;
};

/** Both clients RETRIEVE `key`, one at a time each, while `go()` holds; per-request times in ms. */
async function measureWhile(raw: RawClient, client: ClacksClient, key: string, go: () => boolean): Promise<{ raw: number[]; sdk: number[] }> {
  const line = Buffer.from(`RETRIEVE ${key}\r\n`);
  const rawTimes: number[] = [];
  const sdkTimes: number[] = [];
  const rawLoop = async (): Promise<void> => {
    while (go()) {
      const start = now();
      await raw.roundTrip(line, 1);
      rawTimes.push(now() - start);
    }
  };
  const sdkLoop = async (): Promise<void> => {
    while (go()) {
      const start = now();
      await client.retrieve(key);
      sdkTimes.push(now() - start);
    }
  };
  await Promise.all([rawLoop(), sdkLoop()]);
  return { raw: rawTimes, sdk: sdkTimes };
}

function rows(keys: number, bytes: number, rounds: Round[], idle: { raw: number[]; sdk: number[] }): Row[] {
  const scenario = '7. RETRIEVE during a save';
  const metric = `${keys.toLocaleString('en')} keys (${(bytes / 1024 / 1024).toFixed(0)} MB file)`;
  const figure = (times: number[], p: 'p50' | 'p99' | 'max'): number => (p === 'max' ? Math.max(...times) : percentile(times, p === 'p50' ? 50 : 99)) * 1000;
  const result: Row[] = (['p50', 'p99', 'max'] as const).map((p) => {
    const rawSample = sample(rounds.map((round) => figure(round.raw, p)));
    const sdkSample = sample(rounds.map((round) => figure(round.sdk, p)));
    const worst = Math.max(rawSample.max, sdkSample.max) / 1000;
    return {
      id: `persist-save.retrieve.${p}`,
      scenario: `${scenario} ${p}`,
      metric,
      unit: 'µs',
      better: 'lower',
      raw: rawSample,
      sdk: sdkSample,
      ratio: ratioOf(sdkSample, rawSample),
      ...(p === 'p99' ? { target: { text: `p99 < ${TARGET_P99_MS} ms`, met: worst < TARGET_P99_MS } } : {}),
      notes: [
        `idle (no save): raw ${figure(idle.raw, p).toFixed(1)} µs, SDK ${figure(idle.sdk, p).toFixed(1)} µs`,
        `requests during the saves: raw ${rounds.map((round) => round.raw.length).join('/')}, SDK ${rounds.map((round) => round.sdk.length).join('/')}`,
      ],
    } satisfies Row;
  });
  const saveSample = sample(rounds.map((round) => round.saveMs));
  result.push({
    id: 'persist-save.duration',
    scenario: '7. Save of the whole cache',
    metric,
    unit: 'ms',
    better: 'lower',
    raw: undefined,
    sdk: saveSample,
    ratio: undefined,
    notes: [`${Math.round(keys / (saveSample.median / 1000)).toLocaleString('en')} entries/s; each round: ${rounds.map((round) => round.saveMs.toFixed(0)).join(', ')} ms`],
  });
  return result;
}
