/**
 * The servers' own CPU time per pipelined read: the embedded server (this
 * tree's src/, built with tsup as it ships, in a process of its own) against
 * redis-server (`npm run bench -- --peers` needs it too), through the raw
 * baselines, on the peers benchmark's keys (1,000 names, `bench::k0` …,
 * 32-byte values) in windows of 1,000, the two taking turns round by round.
 *
 *     npx tsx bench/tools/server-cpu-vs-redis.ts [--rounds 6] [--ops 2000000]
 *
 * The embedded server's CPU is `process.cpuUsage()` asked over IPC,
 * redis-server's its utime + stime from /proc (10 ms ticks: keep `--ops`
 * large). The first round is warm-up and not counted. Linux only.
 * @module
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RawClient } from '../lib/raw-client.js';
import { closeRawResp, connectRawResp, findRedisServer, respCommand, startRedis } from '../lib/redis.js';
import { keyNames, VALUE } from '../lib/workloads.js';
const USER = { username: 'bench', password: 'bench-password' };
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, ops: { type: 'string', default: '2000000' } } });
const executable = findRedisServer();
if (executable === undefined) throw new Error('redis-server is not on the PATH (Debian: apt-get install redis-server)');
const here = fileURLToPath(new URL('../../', import.meta.url));
const out = join(here, 'node_modules/.cache/net-clacks-servercpu');
const build = spawnSync(join(here, 'node_modules/.bin/tsup'), ['src/index.ts', 'src/server/index.ts', '--format', 'esm', '--target', 'node20', '--platform', 'node', '--out-dir', out, '--no-config', '--silent'], { cwd: here, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`tsup failed: ${build.stderr}`);
const scratch = mkdtempSync(join(tmpdir(), 'clacks-cpu-vs-redis-'));
const sock = join(scratch, 'clacks.sock');
// server-cpu-ab.ts's child mode: the embedded server, answering `cpu` over IPC.
const child = fork(join(here, 'bench/tools/server-cpu-ab.ts'), ['child', out, sock], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
await new Promise((d) => child.once('message', d));
const embeddedCpu = (): Promise<number> =>
  new Promise((done) => {
    child.once('message', (value) => done(value as number));
    child.send('cpu');
  });
const redis = await startRedis(executable);
/** redis-server's utime + stime in µs (fields 14 and 15 of /proc/PID/stat, in ticks of 10 ms). */
const redisCpu = async (): Promise<number> => {
  const fields = readFileSync(`/proc/${redis.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
};
const keys = keyNames(1000);
const clacks = await RawClient.connect({ kind: 'unix', path: sock, ...USER });
await clacks.roundTrip(`${keys.map((k) => `STORE ${k}=${VALUE}\r\n`).join('')}FLUSH 0\r\n`, 1);
const resp = await connectRawResp(redis.path);
await resp.roundTrip(keys.map((k) => respCommand('SET', k, VALUE)).join(''), keys.length);
const cwin = Buffer.from(keys.map((k) => `RETRIEVE ${k}\r\n`).join(''));
const rwin = Buffer.from(keys.map((k) => respCommand('GET', k)).join(''));
const total = Math.ceil(Number(values.ops) / 1000) * 1000;
const res: Record<string, number[]> = { embedded: [], redis: [] };
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [name, cpu, run] of [
    ['embedded', embeddedCpu, () => clacks.roundTrip(cwin, 1000)],
    ['redis', redisCpu, () => resp.roundTrip(rwin, 2000)],
  ] as const) {
    const cpuBefore = await cpu();
    const started = performance.now();
    for (let done = 0; done < total; done += 1000) await run();
    const seconds = (performance.now() - started) / 1000;
    const ns = (((await cpu()) - cpuBefore) / total) * 1000;
    if (r > 0) res[name]?.push(ns);
    console.log(`${name}: ${ns.toFixed(0)} ns/op server CPU, ${Math.round(total / seconds).toLocaleString('en')} ops/s`);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
console.log(`median server CPU per pipelined read: embedded ${median(res.embedded ?? []).toFixed(0)} ns, redis-server ${median(res.redis ?? []).toFixed(0)} ns`);
await clacks.close();
await closeRawResp(resp);
await redis.close();
child.send('stop');
await new Promise((done) => child.once('exit', done));
rmSync(scratch, { recursive: true, force: true });
process.exit(0);
