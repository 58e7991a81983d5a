/**
 * The server's own CPU time per operation, for two source trees side by
 * side: this one (or `--against DIR`) and `--base DIR` (another checkout,
 * e.g. from `git archive`).
 *
 *     npx tsx bench/tools/server-cpu-ab.ts --base /tmp/baseline --rounds 20
 *
 * Each tree's src/ is built with tsup as it ships; each server runs in its
 * own process for the whole run, and the rounds alternate between them
 * (the order flips every round). Workloads, through the raw client:
 * pipelined RETRIEVE (batches of 1,000 in flight) and SET fan-out from one
 * publisher to one listener. The figure is the server process's user +
 * system CPU time per operation (`process.cpuUsage()` in the server,
 * asked over IPC before and after each workload): on a machine shared with
 * other work, wall-clock throughput moves by ±10 % from one run to the
 * next, CPU time per operation much less. Wall-clock rates are printed too.
 * @module
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RawClient } from '../lib/raw-client.js';

const USER = { username: 'bench', password: 'bench-password' };
const BATCH = 1000;
/** Rounds run by one pair of server processes. */
const ROUNDS_PER_EPOCH = 4;

interface Side {
  name: string;
  child: ChildProcess;
  socketPath: string;
  cpu(): Promise<number>;
}

if (process.argv[2] === 'child') await child(process.argv[3] as string, process.argv[4] as string);
else await main();

async function child(buildDir: string, socketPath: string): Promise<void> {
  const { startServer } = (await import(pathToFileURL(join(buildDir, 'server', 'index.js')).href)) as typeof import('../../src/server/index.js');
  const server = await startServer({ users: [USER], socketPath, pingTimeout: 0, nopInterval: 0 });
  process.on('message', (message) => {
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.(usage.user + usage.system);
    } else if (message === 'stop') void server.close().then(() => process.exit(0));
  });
  process.send?.('ready');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { base: { type: 'string' }, against: { type: 'string' }, rounds: { type: 'string', default: '20' }, ops: { type: 'string', default: '200000' } },
  });
  if (!values.base) throw new Error('usage: server-cpu-ab.ts --base DIR [--against DIR (default: this tree)] [--rounds N] [--ops N]');
  const rounds = Number(values.rounds);
  const ops = Math.ceil(Number(values.ops) / BATCH) * BATCH;
  const scratch = mkdtempSync(join(tmpdir(), 'clacks-cpu-ab-'));
  const here = fileURLToPath(new URL('../../', import.meta.url));
  let sides: Side[] = [];
  try {
    const builds: Array<[name: string, out: string]> = [];
    for (const [name, tree] of [
      ['base', resolve(values.base)],
      ['this', resolve(values.against ?? here)],
    ] as const) {
      // Inside this tree's node_modules, so that the builds find their dependencies.
      const out = join(here, 'node_modules/.cache/net-clacks-cpu-ab', name);
      rmSync(out, { recursive: true, force: true });
      const tsup = join(here, 'node_modules/.bin/tsup');
      const build = spawnSync(tsup, ['src/index.ts', 'src/server/index.ts', '--format', 'esm', '--target', 'node20', '--platform', 'node', '--out-dir', out, '--no-config', '--silent'], {
        cwd: tree,
        encoding: 'utf8',
      });
      if (build.status !== 0) throw new Error(`tsup failed in ${tree}: ${build.stderr}`);
      builds.push([name, out]);
    }
    const results = new Map<string, { cpu: number[]; rate: number[] }>();
    const record = (key: string, cpuNs: number, rate: number): void => {
      const entry = results.get(key) ?? { cpu: [], rate: [] };
      entry.cpu.push(cpuNs);
      entry.rate.push(rate);
      results.set(key, entry);
    };
    // A server process is faster or slower than another running the same code by a few
    // percent (code and heap layout): fresh processes every few rounds average that out.
    const epochs = Math.max(1, Math.round(rounds / ROUNDS_PER_EPOCH));
    let round = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      sides = [];
      for (const [name, out] of epoch % 2 === 0 ? builds : [...builds].reverse()) sides.push(await startSide(name, out, join(scratch, `${name}.sock`)));
      sides.sort((a, b) => (a.name < b.name ? -1 : 1));
      const inEpoch = Math.round((rounds * (epoch + 1)) / epochs) - Math.round((rounds * epoch) / epochs);
      for (let index = -1; index < inEpoch; index++) {
        const order = (round + index) % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          for (const [workload, run] of [
            ['pipelined RETRIEVE', pipelined],
            ['SET fan-out', fanout],
          ] as const) {
            const before = await side.cpu();
            const started = performance.now();
            await run(side.socketPath, ops);
            const seconds = (performance.now() - started) / 1000;
            const cpu = (await side.cpu()) - before;
            // The first round of each pair of servers warms them up and is not counted.
            if (index >= 0) record(`${workload}\t${side.name}`, (cpu * 1000) / ops, ops / seconds);
          }
        }
      }
      round += inEpoch;
      await stopSides(sides);
      sides = [];
      process.stderr.write(`${round}/${rounds} rounds\n`);
    }
    console.log(`${ops.toLocaleString('en')} operations per workload and round, ${rounds} rounds; server CPU ns/op (median, quartiles) and wall-clock ops/s (median)`);
    for (const workload of ['pipelined RETRIEVE', 'SET fan-out']) {
      const base = results.get(`${workload}\tbase`);
      const mine = results.get(`${workload}\tthis`);
      if (!base || !mine) continue;
      for (const [name, entry] of [
        ['base', base],
        ['this', mine],
      ] as const) {
        const [q1, median, q3] = quartiles(entry.cpu);
        console.log(`${workload.padEnd(20)} ${name}: ${median.toFixed(0)} ns/op (${q1.toFixed(0)}–${q3.toFixed(0)}), ${Math.round(quartiles(entry.rate)[1]).toLocaleString('en')} ops/s`);
      }
      const ratio = quartiles(mine.cpu)[1] / quartiles(base.cpu)[1];
      const paired = quartiles(mine.cpu.map((value, index) => value / (base.cpu[index] as number)))[1];
      console.log(`${workload.padEnd(20)} this/base CPU per op: ${ratio.toFixed(3)} (median of per-round ratios ${paired.toFixed(3)})`);
    }
  } finally {
    await stopSides(sides);
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function stopSides(sides: readonly Side[]): Promise<void> {
  for (const side of sides) side.child.send('stop');
  await Promise.all(sides.map((side) => new Promise((done) => (side.child.exitCode !== null ? done(undefined) : side.child.once('exit', done)))));
}

async function startSide(name: string, buildDir: string, socketPath: string): Promise<Side> {
  const child = fork(fileURLToPath(import.meta.url), ['child', buildDir, socketPath], { execArgv: process.execArgv, stdio: 'inherit' });
  await new Promise<void>((done, fail) => {
    child.once('message', () => done());
    child.once('exit', (code) => fail(new Error(`the ${name} server exited (${code})`)));
  });
  const cpu = (): Promise<number> =>
    new Promise((done) => {
      child.once('message', (value) => done(value as number));
      child.send('cpu');
    });
  return { name, child, socketPath, cpu };
}

/** RETRIEVE of one key, a batch of 1,000 in flight at a time. */
async function pipelined(socketPath: string, ops: number): Promise<void> {
  const client = await RawClient.connect({ kind: 'unix', path: socketPath, ...USER });
  await client.roundTrip('STORE bench:key=some value of a realistic length\r\nFLUSH 0\r\n', 1);
  const batch = Buffer.from('RETRIEVE bench:key\r\n'.repeat(BATCH), 'latin1');
  for (let done = 0; done < ops; done += BATCH) await client.roundTrip(batch, BATCH);
  await client.close();
}

/** SETs from one publisher to one listener, a batch of 1,000 at a time. */
async function fanout(socketPath: string, ops: number): Promise<void> {
  const listener = await RawClient.connect({ kind: 'unix', path: socketPath, ...USER });
  const publisher = await RawClient.connect({ kind: 'unix', path: socketPath, ...USER });
  await listener.roundTrip('LISTEN bench:events\r\nFLUSH 0\r\n', 1);
  const batch = Buffer.from('SET bench:events=some value of a realistic length\r\n'.repeat(BATCH), 'latin1');
  for (let done = 0; done < ops; done += BATCH) {
    const target = listener.lines + BATCH;
    publisher.write(batch);
    await listener.waitLines(target);
  }
  await publisher.close();
  await listener.close();
}

function quartiles(values: readonly number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (position - low);
  };
  return [at(0.25), at(0.5), at(0.75)];
}
