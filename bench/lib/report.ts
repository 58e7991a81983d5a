/**
 * The outputs: a table on the terminal, and the JSON document holding every
 * figure of the run and the machine it ran on.
 * @module
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { MemoryReport } from '../memory-child.js';
import type { PeersReport } from '../scenarios/peers.js';
import type { ServerRow } from '../scenarios/servers.js';
import type { Row, Sizes } from './context.js';
import { REPO_ROOT } from './sdk.js';

export interface Environment {
  date: string;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMB: number;
  loadAverage: { start: number[]; end: number[] };
  commit: string | undefined;
  /** Uncommitted changes in src/ when the run started. */
  dirtySource: boolean | undefined;
}

export interface BenchReport {
  kind: 'net-clacks-bench';
  version: 1;
  smoke: boolean;
  environment: Environment;
  settings: { rounds: number; serverMode: string; sdk: string; url: string | undefined; sizes: Sizes };
  durationSeconds: number;
  rows: Row[];
  servers: { transport: string; other: string | undefined; rows: ServerRow[] } | undefined;
  /** `--peers`: redis-server with ioredis and node-redis beside the embedded server, or why the section was skipped. */
  peers?: PeersReport | { skipped: string } | undefined;
  memory: MemoryReport[];
  errors: string[];
}

export function environment(loadAtStart: number[]): Environment {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const status = git('status', '--porcelain', '--', 'src');
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    commit: git('rev-parse', '--short', 'HEAD'),
    dirtySource: status === undefined ? undefined : status !== '',
  };
}

/** 1234567 → `1,234,567`; small figures keep one decimal. */
export function formatFigure(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (unit === 'MB' || unit === 'µs') return value.toLocaleString('en', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return Math.round(value).toLocaleString('en');
}

/** The servers whose raw figures must reach redis-server's (issue 13). */
export const SERVER_TARGETS = new Set(['peers.pipelined', 'peers.fanout']);

function renderPeers(peers: PeersReport | { skipped: string }): string[] {
  if ('skipped' in peers) return [`Peers: SKIPPED, ${peers.skipped}`];
  const lines: string[][] = [];
  for (const workload of peers.workloads) {
    for (const figure of workload.clients) {
      lines.push([
        figure === workload.clients[0] ? workload.workload : '',
        figure.client,
        figure.server === 'redis' ? 'redis-server' : 'embedded',
        `${formatFigure(figure.figure.median, workload.unit)} ${workload.unit}`,
        formatCpu(figure.cpu.median),
      ]);
    }
  }
  const summary = peers.workloads.map((workload) => {
    const server = `embedded/redis-server raw ${formatRatio(workload.serverRatio)}${SERVER_TARGETS.has(workload.id) ? ` (target >= 1.0x: ${workload.serverRatio >= 1 ? 'met' : 'MISSED'})` : ''}`;
    return `  ${workload.workload}: ${server}; net-clacks the least client CPU per op: ${workload.leanest ? 'yes' : 'NO'}`;
  });
  return [
    `Peers: redis-server ${peers.redisVersion} and the embedded Clacks server, each in its own process, Unix sockets; CPU: this (client) process per operation`,
    table(['Workload', 'Client', 'Server', 'Figure', 'CPU µs/op'], lines, new Set([3, 4])),
    ...summary,
  ];
}

/** CPU µs per operation, two decimals. */
export function formatCpu(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(2);
}

function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? '-' : `${ratio.toFixed(2)}x`;
}

function table(header: string[], lines: string[][], rightAligned: Set<number>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)));
  const render = (cells: string[]): string =>
    cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(render)].join('\n');
}

export function renderTable(report: BenchReport): string {
  const env = report.environment;
  const out: string[] = [];
  out.push(
    `net-clacks benchmarks${report.smoke ? ' (smoke run: tiny sizes, figures meaningless)' : ''} - ${env.date} - Node ${env.node} - ${env.cpus} x ${env.cpuModel}`,
    `server: ${report.settings.serverMode}; SDK: ${report.settings.sdk}; ${report.settings.rounds} round${report.settings.rounds === 1 ? '' : 's'}, medians; SDK/raw and SDK/floor of the figure (for µs and MB lower is better); CPU: the benchmark process's, per operation`,
  );
  if (report.rows.length > 0) out.push('');
  if (report.rows.length > 0) out.push(
    table(
      ['Scenario', 'Workload', 'Unit', 'Raw', 'Floor', 'SDK', 'SDK/raw', 'SDK/floor', 'CPU µs/op raw / floor / SDK', 'Target'],
      report.rows.map((row) => [
        row.scenario,
        row.metric,
        row.unit,
        formatFigure(row.raw?.median, row.unit),
        formatFigure(row.floor?.median, row.unit),
        formatFigure(row.sdk?.median, row.unit),
        formatRatio(row.ratio),
        formatRatio(row.ratioFloor),
        row.cpu ? [row.cpu.raw, row.cpu.floor, row.cpu.sdk].map((cpu) => formatCpu(cpu?.median)).join(' / ') : '',
        row.target ? `${row.target.met ? 'met' : 'MISSED'} (${row.target.text})` : '',
      ]),
      new Set([3, 4, 5, 6, 7, 8]),
    ),
  );
  const notes = report.rows.flatMap((row) => (row.notes ?? []).map((note) => `  ${row.scenario}: ${note}`));
  if (notes.length > 0) out.push('', 'Notes:', ...notes);
  if (report.servers) {
    const other = report.servers.other ?? '(no --url given)';
    out.push(
      '',
      `6. Servers: the raw baseline against each, over ${report.servers.transport === 'unix' ? 'a Unix socket' : 'TLS'}`,
      table(
        ['Workload', 'Unit', 'Embedded', other, 'Other/embedded'],
        report.servers.rows.map((row) => [
          row.workload,
          row.unit,
          formatFigure(row.embedded.median, row.unit),
          formatFigure(row.other?.median, row.unit),
          formatRatio(row.ratio),
        ]),
        new Set([2, 3, 4]),
      ),
    );
  }
  if (report.peers) out.push('', ...renderPeers(report.peers));
  if (report.errors.length > 0) out.push('', 'Errors:', ...report.errors.map((error) => `  ${error}`));
  out.push('', `Total time: ${report.durationSeconds.toFixed(1)} s`);
  return out.join('\n');
}
