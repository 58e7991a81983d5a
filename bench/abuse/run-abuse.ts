/**
 * `npm run bench -- --abuse`: the attacks of issue 10 at full scale against
 * the embedded server in its own process (default limits), one at a time.
 * For each: the server's RSS growth over a GC'd baseline, the peaks of its
 * own accounting (input and output bytes held), and the p99 / max latency of
 * a legitimate client's RETRIEVE during the attack (bench/abuse/probe-child.ts),
 * plus the attack's own figures. Then the two client attacks. A table on the
 * terminal, the JSON in bench/results/abuse.json. See BENCHMARKS.md.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { environment } from '../lib/report.js';
import { sdk } from '../lib/sdk.js';
import { TLS_CA } from '../lib/server.js';
import { SERVER_ATTACKS, type Attack, type AttackOutcome, type AttackTarget } from './attacks.js';
import { reconnectStorm, slowSubscriber } from './client-attacks.js';
import type { AbuseServerSpec, ProbeReport, ServerReport } from './protocol.js';

const MiB = 1024 * 1024;
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/tls/', import.meta.url));

/** One line of the table. */
export interface AbuseRow {
  id: string;
  title: string;
  server?: {
    baselineRssMiB: number;
    peakRssMiB: number;
    growthMiB: number;
    peakInputMiB: number | null;
    peakOutputMiB: number | null;
    logBytes: number;
    loopDelay: { p99: number; max: number };
    stats: Record<string, unknown>;
  };
  probe?: ProbeReport;
  targets: Array<{ text: string; met: boolean }>;
  notes: string[];
  figures: AttackOutcome['figures'];
  error?: string;
}

/** The abuse server child, driven over stdin/stdout. */
class ServerProcess {
  readonly child: ChildProcess;
  readonly socketPath: string;
  tls = { host: '127.0.0.1', port: 0 };
  private readonly lines: Interface;
  private readonly pending: Array<(line: string) => void> = [];
  exited = false;

  constructor(directory: string) {
    this.socketPath = join(directory, 'abuse.sock');
    const spec: AbuseServerSpec = {
      socketPath: this.socketPath,
      cert: TLS_CA.toString(),
      key: readFileSync(join(FIXTURES, 'key.pem'), 'utf8'),
      sdkLocation: sdk().location,
      sdkSource: sdk().source,
    };
    this.child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('./server-child.ts', import.meta.url)), JSON.stringify(spec)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.once('exit', () => {
      this.exited = true;
      for (const waiter of this.pending.splice(0)) waiter('{"exited":true}');
    });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
  }

  async ready(): Promise<void> {
    const first = JSON.parse(await this.nextLine()) as { ready?: boolean; addresses?: Array<{ kind: string; host?: string; port?: number }> };
    if (!first.ready) throw new Error('the abuse server did not start');
    const tls = first.addresses?.find((address) => address.kind === 'tls');
    this.tls = { host: tls?.host ?? '127.0.0.1', port: tls?.port ?? 0 };
  }

  async command<T>(cmd: 'reset' | 'report'): Promise<T> {
    if (this.exited) throw new Error('the server process has exited');
    const answer = this.nextLine();
    this.child.stdin!.write(`${JSON.stringify({ cmd })}\n`);
    const parsed = JSON.parse(await answer) as T & { exited?: boolean };
    if (parsed.exited) throw new Error('the server process exited (crashed?)');
    return parsed;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.stdin!.end();
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      setTimeout(() => this.child.kill('SIGKILL'), 10_000).unref();
    });
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve) => this.pending.push(resolve));
  }
}

/** Starts the probe and resolves once it is logged in; `stop()` ends it and gives its latencies. */
async function startProbe(socketPath: string): Promise<{ stop(): Promise<ProbeReport | undefined> }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('./probe-child.ts', import.meta.url)), socketPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const received: string[] = [];
  let onLine: (() => void) | undefined;
  lines.on('line', (line) => {
    received.push(line);
    onLine?.();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await Promise.race([new Promise<void>((resolve) => (onLine = () => received.includes('ready') && resolve())), exited]);
  return {
    async stop() {
      child.stdin!.end();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      child.kill('SIGKILL');
      const report = received.filter((line) => line.startsWith('{')).at(-1);
      return report === undefined ? undefined : (JSON.parse(report) as ProbeReport);
    },
  };
}

async function runServerAttack(server: ServerProcess, attack: Attack, log: (message: string) => void): Promise<AbuseRow> {
  const target: AttackTarget = {
    socketPath: server.socketPath,
    tls: server.tls,
    serverRss: async () => (await server.command<ServerReport>('report')).rss,
    serverStats: async () => (await server.command<ServerReport>('report')).stats,
  };
  const row: AbuseRow = { id: attack.id, title: attack.title, targets: [], notes: [], figures: {} };
  try {
    if (attack.prepare) {
      log(`${attack.id}: preparing…`);
      await attack.prepare(target);
    }
    const statsBefore = (await server.command<ServerReport>('report')).stats;
    await server.command('reset');
    const probe = await startProbe(server.socketPath);
    log(`${attack.id}: attacking…`);
    const outcome = await attack.run(target);
    const probeReport = await probe.stop();
    const report = await server.command<ServerReport>('report');
    const growth = (report.peakRss - report.baselineRss) / MiB;
    row.server = {
      baselineRssMiB: report.baselineRss / MiB,
      peakRssMiB: report.peakRss / MiB,
      growthMiB: growth,
      peakInputMiB: report.peakInput === null ? null : report.peakInput / MiB,
      peakOutputMiB: report.peakOutput === null ? null : report.peakOutput / MiB,
      logBytes: report.log.bytes,
      loopDelay: report.loopDelay,
      stats: difference(report.stats, statsBefore),
    };
    row.probe = probeReport;
    row.notes = outcome.notes;
    row.figures = outcome.figures;
    row.targets.push({ text: 'RSS growth < 256 MiB', met: growth < 256 });
    if (probeReport) row.targets.push({ text: 'RETRIEVE p99 < 50 ms', met: probeReport.p99 < 50 && !probeReport.disconnected });
    if (typeof outcome.figures.sustainedPerSecond === 'number') {
      row.targets.push({ text: '≤ 10 guesses/s per source, sustained', met: outcome.figures.sustainedPerSecond <= 10 });
    }
    if (attack.id === 'log-flood') row.notes.push(`the server logged ${report.log.lines} lines, ${(report.log.bytes / 1024).toFixed(1)} KiB`);
    if (attack.cleanUp) await attack.cleanUp(target);
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
    log(`${attack.id} FAILED: ${row.error}`);
  }
  return row;
}

/** Counters that moved during the attack. */
function difference(after: Record<string, unknown>, before: Record<string, unknown>): Record<string, unknown> {
  const moved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (typeof value === 'number' && typeof old === 'number') {
      if (value !== old) moved[key] = value - old;
    } else if (value !== null && typeof value === 'object' && old !== null && typeof old === 'object') {
      const inner = difference(value as Record<string, unknown>, old as Record<string, unknown>);
      if (Object.keys(inner).length > 0) moved[key] = inner;
    }
  }
  return moved;
}

const fmt = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

function renderAbuseTable(rows: readonly AbuseRow[]): string {
  const out = [
    '',
    '| Attack | Server RSS: baseline → peak (growth), MiB | Accounted peak in / out, MiB | RETRIEVE p99 / max, ms | Server loop delay p99 / max, ms | Targets | Notes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const server = row.server ? `${fmt(row.server.baselineRssMiB, 0)} → ${fmt(row.server.peakRssMiB, 0)} (+${fmt(row.server.growthMiB, 0)})` : '-';
    const accounted = row.server ? `${fmt(row.server.peakInputMiB)} / ${fmt(row.server.peakOutputMiB)}` : '-';
    const probe = row.probe ? `${fmt(row.probe.p99)} / ${fmt(row.probe.max)}${row.probe.timeouts > 0 ? ` (${row.probe.timeouts} timeouts)` : ''}${row.probe.disconnected ? ' (probe disconnected)' : ''}` : '-';
    const targets = row.targets.map((target) => `${target.text}: ${target.met ? 'met' : '**missed**'}`).join('; ') || '-';
    const notes = [...row.notes, ...(row.error ? [`error: ${row.error}`] : [])].join('; ');
    const loop = row.server ? `${fmt(row.server.loopDelay.p99)} / ${fmt(row.server.loopDelay.max)}` : '-';
    out.push(`| ${row.title} | ${server} | ${accounted} | ${probe} | ${loop} | ${targets} | ${notes} |`);
  }
  return out.join('\n');
}

/** Runs every attack (or those in `only`); returns the exit code. */
export async function runAbuse(options: { only: Set<string> | undefined; outDir: string; log: (message: string) => void }): Promise<number> {
  const { only, outDir, log } = options;
  const wanted = (id: string): boolean => only === undefined || only.has(id);
  const started = performance.now();
  const loadAtStart = os.loadavg();
  const directory = mkdtempSync(join(tmpdir(), 'clacks-abuse-'));
  const rows: AbuseRow[] = [];
  let server: ServerProcess | undefined;
  const freshServer = async (): Promise<ServerProcess> => {
    await server?.stop();
    server = new ServerProcess(directory);
    await server.ready();
    return server;
  };
  try {
    for (const attack of SERVER_ATTACKS) {
      if (!wanted(attack.id)) continue;
      // A fresh server for each attack: one attack's leftovers never count against the next.
      const current = await freshServer();
      rows.push(await runServerAttack(current, attack, log));
    }
    if (wanted('slow-subscriber')) {
      log('slow-subscriber: 400 SETs of 15 MiB…');
      const current = await freshServer();
      const target: AttackTarget = {
        socketPath: current.socketPath,
        tls: current.tls,
        serverRss: async () => (await current.command<ServerReport>('report')).rss,
        serverStats: async () => (await current.command<ServerReport>('report')).stats,
      };
      const row: AbuseRow = { id: 'slow-subscriber', title: 'client: a slow subscriber (1 event/s) while a writer sends 400 SETs of 15 MiB', targets: [], notes: [], figures: {} };
      try {
        const outcome = await slowSubscriber(target);
        row.notes = outcome.notes;
        row.figures = outcome.figures;
        const peak = typeof outcome.figures.peakRss === 'number' ? outcome.figures.peakRss / MiB : undefined;
        row.targets.push({ text: 'subscriber RSS < 256 MiB', met: peak !== undefined && peak < 256 });
      } catch (error) {
        row.error = error instanceof Error ? error.message : String(error);
      }
      rows.push(row);
    }
    if (wanted('reconnect-storm')) {
      log('reconnect-storm: a server that logs in and drops, 15 s…');
      const row: AbuseRow = { id: 'reconnect-storm', title: 'client: a server that logs clients in and drops them (5 clients, 15 s)', targets: [], notes: [], figures: {} };
      try {
        const outcome = await reconnectStorm(directory);
        row.notes = outcome.notes;
        row.figures = outcome.figures;
        row.targets.push({ text: '≤ 2 reconnects/s per client after 10 s', met: outcome.perClientPerSecond <= 2 });
      } catch (error) {
        row.error = error instanceof Error ? error.message : String(error);
      }
      rows.push(row);
    }
  } finally {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
  const report = {
    kind: 'net-clacks-bench-abuse',
    version: 1,
    environment: environment(loadAtStart),
    sdk: sdk().source,
    durationSeconds: (performance.now() - started) / 1000,
    rows,
  };
  console.log(renderAbuseTable(rows));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'abuse.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nWrote ${join(outDir, 'abuse.json')}`);
  return rows.some((row) => row.error !== undefined) ? 1 : 0;
}
