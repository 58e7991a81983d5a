/**
 * A/B of two builds of the client in one process, against one server in its
 * own process, alternating round by round with the floor client: the way to
 * see a change of a few percent on a noisy machine. Builds the working
 * tree's src/ and the src/ of a git revision (default HEAD) with tsup.
 *
 *     npx tsx bench/tools/ab.ts [--base REV] [--rounds 15] [--only pipelined,store,fanout,subscribe]
 *
 * Prints, per workload, the medians of rate and client CPU µs per op of the
 * floor, the base (B) and the working tree (A), and A/B of both.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type * as ClientModule from '../../src/index.js';
import { connectFloor, connectRaw, type Context } from '../lib/context.js';
import { buildSdk, importFrom, loadSdk, REPO_ROOT } from '../lib/sdk.js';
import { startBenchServer } from '../lib/server.js';
import { alternate, percentile, type Measured } from '../lib/stats.js';
import { FanoutPublisher, keyNames, prepareKeys, sdkEventsRound, sdkPipelined, sdkStoreBurst, sdkSubscribeRound } from '../lib/workloads.js';
import { FULL_SIZES } from '../lib/context.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'HEAD' },
    rounds: { type: 'string', default: '15' },
    only: { type: 'string', default: 'pipelined,store,fanout' },
  },
});
const rounds = Number(values.rounds);
const only = new Set((values.only ?? '').split(','));

// B: the base revision's tree, built with this checkout's node_modules.
const tree = mkdtempSync(join(tmpdir(), 'clacks-ab-'));
execFileSync('sh', ['-c', `git archive ${values.base} src package.json tsconfig.json | tar -x -C ${tree}`], { cwd: REPO_ROOT });
symlinkSync(join(REPO_ROOT, 'node_modules'), join(tree, 'node_modules'));
const outB = join(REPO_ROOT, 'node_modules/.cache/net-clacks-bench/ab-base');
mkdirSync(outB, { recursive: true });
const failure = buildSdk(tree, outB);
if (failure) throw new Error(`building ${values.base}: ${failure}`);
const base = (await importFrom(outB, `tsup build of ${values.base}`)).client as typeof ClientModule;
// A: the working tree (loaded last, so the server child runs it).
const current = (await loadSdk(false)).client;
rmSync(tree, { recursive: true, force: true });

const server = await startBenchServer(true);
const ctx: Context = { server, sizes: FULL_SIZES, rounds, log: () => {} };
const options = { path: server.unix?.path as string, ...server.user, name: 'net-clacks-ab' };
const a = await current.createClient(options);
const b = await base.createClient(options);
const floor = await connectFloor(server);
const raw = await connectRaw(server);
const publisherSocket = await connectRaw(server);
const publisher = new FanoutPublisher(publisherSocket, ctx.sizes.fanoutBatch, ctx.sizes.fanoutCredit);
const keys = keyNames(ctx.sizes.pipelinedWindow);
await prepareKeys(raw, keys);

const report = (name: string, result: Record<'floor' | 'A' | 'B', Measured[]>): void => {
  const med = (list: Measured[], field: 'rate' | 'cpu'): number => percentile(list.map((m) => m[field]), 50);
  const line = (who: 'floor' | 'A' | 'B'): string => `${who.padEnd(5)} ${Math.round(med(result[who], 'rate')).toLocaleString('en').padStart(10)} /s  ${med(result[who], 'cpu').toFixed(3)} µs/op`;
  const ratios = (field: 'rate' | 'cpu'): string => {
    const per = result.A.map((m, i) => m[field] / (result.B[i] as Measured)[field]);
    return `${percentile(per, 50).toFixed(3)} (round by round: ${per.map((r) => r.toFixed(2)).join(' ')})`;
  };
  console.log(`${name}\n  ${line('floor')}\n  ${line('B')}\n  ${line('A')}\n  A/B rate ${ratios('rate')}\n  A/B cpu  ${ratios('cpu')}\n  A/floor rate ${(med(result.A, 'rate') / med(result.floor, 'rate')).toFixed(3)}, cpu ${(med(result.A, 'cpu') / med(result.floor, 'cpu')).toFixed(3)}`);
};

try {
  if (only.has('pipelined')) {
    report('pipelined RETRIEVE', await alternate(rounds, {
      floor: () => sdkPipelined(floor, keys, ctx.sizes.pipelinedTotal),
      A: () => sdkPipelined(a, keys, ctx.sizes.pipelinedTotal),
      B: () => sdkPipelined(b, keys, ctx.sizes.pipelinedTotal),
    }));
  }
  if (only.has('store')) {
    report('STORE burst', await alternate(rounds, {
      floor: () => sdkStoreBurst(floor, ctx.sizes.storeBurst),
      A: () => sdkStoreBurst(a, ctx.sizes.storeBurst),
      B: () => sdkStoreBurst(b, ctx.sizes.storeBurst),
    }));
  }
  if (only.has('fanout')) {
    report('fan-out, for await events()', await alternate(rounds, {
      floor: () => sdkEventsRound(publisher, floor, ctx.sizes.fanoutEvents),
      A: () => sdkEventsRound(publisher, a, ctx.sizes.fanoutEvents),
      B: () => sdkEventsRound(publisher, b, ctx.sizes.fanoutEvents),
    }));
  }
  if (only.has('subscribe')) {
    report('fan-out, for await subscribe()', await alternate(rounds, {
      floor: () => sdkEventsRound(publisher, floor, ctx.sizes.fanoutEvents),
      A: () => sdkSubscribeRound(publisher, a, ctx.sizes.fanoutEvents),
      B: () => sdkSubscribeRound(publisher, b as unknown as typeof a, ctx.sizes.fanoutEvents),
    }));
  }
} finally {
  await Promise.all([a.close(), b.close(), floor.close(), raw.close(), publisherSocket.close()]);
  await server.close();
}
