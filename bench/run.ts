/**
 * `npm run bench`: every scenario, the SDK beside a raw baseline against the
 * same server in the same run; a table on the terminal, and a JSON file and
 * an SVG chart in bench/results/. See BENCHMARKS.md.
 *
 *     npm run bench                          # full run, about 1-2 minutes
 *     npm run bench -- --smoke               # a few thousand operations (CI)
 *     npm run bench -- --in-process          # the server in the benchmark's process
 *     npm run bench -- --url clacks://user:pw@host:49888   # compare servers
 *     npm run bench -- --abuse               # the attacks of issue 10 (bench/abuse/), about 5 minutes
 *     npm run bench -- --browser             # also a page in headless Chromium, through the gateway
 *     npm run bench -- --only network        # a master and two slaves (interclacks), each in its own process
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart } from './lib/chart.js';
import { FULL_SIZES, SMOKE_SIZES, type Context, type Row } from './lib/context.js';
import { environment, renderTable, type BenchReport } from './lib/report.js';
import { profiled } from './lib/profile.js';
import { loadSdk } from './lib/sdk.js';
import { startBenchServer } from './lib/server.js';
import type { MemoryReport } from './memory-child.js';
import { browserScenario } from './scenarios/browser.js';
import { chromiumPath } from './lib/browser-page.js';
import { fanout } from './scenarios/fanout.js';
import { memory } from './scenarios/memory.js';
import { network } from './scenarios/network.js';
import { persistSave } from './scenarios/persist.js';
import { peers } from './scenarios/peers.js';
import { findRedisServer } from './lib/redis.js';
import { pipelinedRetrieve } from './scenarios/pipelined.js';
import { sequentialRetrieve } from './scenarios/sequential.js';
import { compareServers, externalServer } from './scenarios/servers.js';
import { storeBurst } from './scenarios/store-burst.js';
import { SERVER_ATTACKS } from './abuse/attacks.js';
import { runAbuse } from './abuse/run-abuse.js';

const ABUSE_IDS = [...SERVER_ATTACKS.map((attack) => attack.id), 'slow-subscriber', 'reconnect-storm'];

const SCENARIOS = ['pipelined', 'tls', 'sequential', 'store', 'fanout', 'memory', 'servers', 'persist', 'network', 'browser', 'peers'] as const;
/** Scenarios a run includes only when asked for (by name in --only, or by their own flag). */
const OPT_IN = new Set<string>(['browser', 'peers']);

const USAGE = `usage: npm run bench -- [options]
  --smoke             tiny sizes, one round: checks that everything runs (CI)
  --rounds N          measured rounds per scenario (default 9; smoke 1)
  --in-process        run the embedded server in the benchmark's process (default: its own
                      process, so that CPU per operation is the client's alone)
  --server-process    the default (kept for old command lines)
  --url URL           also run the raw baseline against this server (scenario 6)
  --browser           also scenario 7: pipelined RETRIEVE and fan-out in a page in headless
                      Chromium, through the gateway, against the Node SDK direct
  --peers             also the peers: a redis-server of its own (when on the PATH) with ioredis,
                      node-redis and a raw RESP baseline, beside the embedded server
  --only LIST         comma-separated subset of: ${SCENARIOS.join(', ')}
  --source            measure src/ through tsx instead of a tsup build of it
  --profile           write a CPU profile of each scenario and print its hot spots
  --out DIR           where to write the JSON and SVG (default bench/results)
  --abuse             instead: the attacks of issue 10 at full scale against the server in its own
                      process (--only takes attack ids: ${ABUSE_IDS.join(', ')})`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'server-process': { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      url: { type: 'string' },
      only: { type: 'string' },
      source: { type: 'boolean', default: false },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      abuse: { type: 'boolean', default: false },
      browser: { type: 'boolean', default: false },
      peers: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const outDirectory = resolve(values.out ?? join(import.meta.dirname, 'results'));
  if (values.abuse) {
    const ids = values.only ? new Set(values.only.split(',').map((name) => name.trim())) : undefined;
    for (const id of ids ?? []) if (!ABUSE_IDS.includes(id)) throw new Error(`unknown attack ${id}\n${USAGE}`);
    const sdkLoaded = await loadSdk(values.source, (message) => void process.stderr.write(`[bench] ${message}\n`));
    process.stderr.write(`[bench] SDK: ${sdkLoaded.source}\n`);
    return runAbuse({ only: ids, outDir: outDirectory, log: (message) => void process.stderr.write(`[bench] ${message}\n`) });
  }
  const only = new Set<string>(values.only ? values.only.split(',').map((name) => name.trim()) : SCENARIOS.filter((name) => !OPT_IN.has(name)));
  if (values.browser) only.add('browser');
  if (values.peers) only.add('peers');
  for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name}\n${USAGE}`);
  const smoke = values.smoke;
  const rounds = Number(values.rounds ?? (smoke ? 1 : 9));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const outDir = outDirectory;
  const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

  const started = performance.now();
  const loadAtStart = os.loadavg();
  const sdk = await loadSdk(values.source, log);
  log(`SDK: ${sdk.source}`);
  if (values['in-process'] && values['server-process']) throw new Error('--in-process and --server-process exclude each other');
  const server = await startBenchServer(!values['in-process']);
  log(`server: embedded, ${server.mode}`);
  const ctx: Context = { server, sizes: smoke ? SMOKE_SIZES : FULL_SIZES, rounds, log };
  const rows: Row[] = [];
  const errors: string[] = [];
  let memoryReports: MemoryReport[] = [];
  let servers: BenchReport['servers'];
  let peerReport: BenchReport['peers'];

  const step = async (name: (typeof SCENARIOS)[number], run: () => Promise<void>): Promise<void> => {
    if (!only.has(name)) return;
    log(`${name}…`);
    const t0 = performance.now();
    try {
      if (values.profile) {
        mkdirSync(outDir, { recursive: true });
        await profiled(name, outDir, run, log, server);
      } else await run();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      errors.push(`${name}: ${message.split('\n').slice(0, 3).join(' | ')}`);
      log(`${name} FAILED: ${message}`);
    }
    log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };

  try {
    await step('pipelined', async () => void rows.push(...(await pipelinedRetrieve(ctx, 'unix'))));
    await step('tls', async () => void rows.push(...(await pipelinedRetrieve(ctx, 'tls'))));
    await step('sequential', async () => void rows.push(...(await sequentialRetrieve(ctx))));
    await step('store', async () => void rows.push(await storeBurst(ctx)));
    await step('fanout', async () => void rows.push(...(await fanout(ctx))));
    await step('memory', async () => {
      const result = await memory(ctx);
      rows.push(...result.rows);
      memoryReports = result.reports;
    });
    await step('servers', async () => {
      const other = values.url ? externalServer(values.url) : undefined;
      const result = await compareServers(ctx, other);
      servers = { transport: result.transport, other: values.url ? redact(values.url) : undefined, rows: result.rows };
    });
    await step('persist', async () => void rows.push(...(await persistSave(ctx))));
    await step('network', async () => void rows.push(...(await network(ctx))));
    await step('browser', async () => {
      const executable = chromiumPath();
      if (!executable) {
        log('browser: SKIPPED, Chromium is not installed (apt-get install -y chromium)');
        return;
      }
      rows.push(...(await browserScenario(ctx, executable)));
    });
    await step('peers', async () => {
      const executable = findRedisServer();
      if (!executable) {
        peerReport = { skipped: 'redis-server is not on the PATH (apt-get install -y redis-server)' };
        log(`peers: ${peerReport.skipped}`);
        return;
      }
      peerReport = await peers(ctx, executable);
    });
  } finally {
    await server.close();
  }

  const report: BenchReport = {
    kind: 'net-clacks-bench',
    version: 1,
    smoke,
    environment: environment(loadAtStart),
    settings: { rounds, serverMode: server.mode, sdk: sdk.source, url: values.url ? redact(values.url) : undefined, sizes: ctx.sizes },
    durationSeconds: (performance.now() - started) / 1000,
    rows,
    servers,
    peers: peerReport,
    memory: memoryReports,
    errors,
  };
  console.log(renderTable(report));
  mkdirSync(outDir, { recursive: true });
  const base = smoke ? 'smoke' : 'latest';
  writeFileSync(join(outDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, `${base}.svg`), renderChart(report));
  console.log(`\nWrote ${join(outDir, `${base}.json`)} and ${base}.svg`);
  return errors.length > 0 ? 1 : 0;
}

/** A URL without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
