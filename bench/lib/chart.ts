/**
 * A hand-written SVG chart of the run: for every scenario, the floor's and
 * the SDK's figures relative to the raw baseline measured beside them
 * (raw = 1.0, longer is better), the SDK relative to the floor (target
 * 0.9x), the client CPU per operation, memory growth in MB against its
 * limit; and, when present, the other server relative to the embedded one
 * and the peers (redis-server). No dependency: strings in, one SVG out.
 * @module
 */
import { pairedRatio, type Row } from './context.js';
import { formatCpu, formatFigure, type BenchReport } from './report.js';

interface Bar {
  name: string;
  /** Length on the panel's scale. */
  value: number;
  /** Printed at the bar's end. */
  text: string;
  color: string;
}

interface Group {
  label: string;
  sublabel: string;
  bars: Bar[];
}

interface Panel {
  title: string;
  groups: Group[];
  reference?: { value: number; label: string };
  /** Axis caption. */
  axis: string;
}

const COLORS = { raw: '#9aa5b1', floor: '#56b37f', sdk: '#2f6fdf', events: '#2f6fdf', other: '#d97706' } as const;
const WIDTH = 960;
const LABEL_WIDTH = 300;
const BAR_HEIGHT = 16;
const BAR_GAP = 4;
const GROUP_GAP = 14;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - 150;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Speed relative to raw: > 1 is faster, whichever way the unit points (the row's own ratio: round by round where it has one). */
function relative(row: Row): number | undefined {
  if (!row.raw || !row.sdk || row.raw.median === 0 || row.sdk.median === 0) return undefined;
  const ratio = row.ratio ?? row.sdk.median / row.raw.median;
  return row.better === 'higher' ? ratio : 1 / ratio;
}

/** The SDK relative to the floor: > 1 is faster (the row's round-by-round ratio). */
function relativeToFloor(row: Row): number | undefined {
  if (!row.floor || !row.sdk || row.floor.median === 0 || row.sdk.median === 0) return undefined;
  const ratio = row.ratioFloor ?? row.sdk.median / row.floor.median;
  return row.better === 'higher' ? ratio : 1 / ratio;
}

function speedPanel(rows: Row[]): Panel {
  return {
    title: 'Speed relative to the raw baseline, same server, same run (raw = 1.0; longer is better; round by round); SDK/floor beside SDK/raw',
    axis: 'relative speed',
    reference: { value: 0.8, label: '0.8x raw' },
    groups: rows
      .filter((row) => relative(row) !== undefined)
      .map((row) => {
        const speed = relative(row) as number;
        const toFloor = relativeToFloor(row);
        const bars: Bar[] = [{ name: 'raw', value: 1, text: `raw ${formatFigure(row.raw?.median, row.unit)} ${row.unit}`, color: COLORS.raw }];
        if (row.floor && row.raw) {
          const floorRatio = pairedRatio(row.floor.rounds, row.raw.rounds) ?? row.floor.median / row.raw.median;
          const floorSpeed = row.better === 'higher' ? floorRatio : 1 / floorRatio;
          bars.push({ name: 'floor', value: floorSpeed, text: `floor ${formatFigure(row.floor.median, row.unit)} ${row.unit} (${floorSpeed.toFixed(2)}x raw)`, color: COLORS.floor });
        }
        bars.push({
          name: 'SDK',
          value: speed,
          text: `SDK ${formatFigure(row.sdk?.median, row.unit)} ${row.unit} (${speed.toFixed(2)}x raw${toFloor === undefined ? '' : `, ${toFloor.toFixed(2)}x floor`})`,
          color: COLORS.sdk,
        });
        return { label: row.scenario, sublabel: row.metric, bars };
      }),
  };
}

/** The SDK against the floor client, with the 0.9x target. */
function floorPanel(rows: Row[]): Panel {
  return {
    title: 'SDK relative to the floor client (a Promise per call and nothing else; floor = 1.0; longer is better)',
    axis: 'relative speed',
    reference: { value: 0.9, label: 'target 0.9x floor' },
    groups: rows
      .filter((row) => relativeToFloor(row) !== undefined)
      .map((row) => ({
        label: row.scenario,
        sublabel: row.metric,
        bars: [
          { name: 'floor', value: 1, text: `floor ${formatFigure(row.floor?.median, row.unit)} ${row.unit}`, color: COLORS.floor },
          { name: 'SDK', value: relativeToFloor(row) as number, text: `SDK ${(relativeToFloor(row) as number).toFixed(2)}x floor`, color: COLORS.sdk },
        ],
      })),
  };
}

/** Client CPU per operation of each runner (shorter is better). */
function cpuPanel(rows: Row[]): Panel {
  const withCpu = rows.filter((row) => row.cpu?.sdk && row.cpu.raw);
  return {
    title: 'Client process CPU per operation, µs (server in its own process; shorter is better)',
    axis: 'µs',
    groups: withCpu.map((row) => {
      const cpu = row.cpu as NonNullable<Row['cpu']>;
      const bars: Bar[] = [{ name: 'raw', value: cpu.raw?.median ?? 0, text: `raw ${formatCpu(cpu.raw?.median)} µs`, color: COLORS.raw }];
      if (cpu.floor) bars.push({ name: 'floor', value: cpu.floor.median, text: `floor ${formatCpu(cpu.floor.median)} µs`, color: COLORS.floor });
      bars.push({ name: 'SDK', value: cpu.sdk?.median ?? 0, text: `SDK ${formatCpu(cpu.sdk?.median)} µs`, color: COLORS.sdk });
      return { label: row.scenario, sublabel: row.metric, bars };
    }),
  };
}

function memoryPanel(rows: Row[]): Panel {
  return {
    title: 'Memory: peak growth over a GC’d baseline, client process only (MB; shorter is better)',
    axis: 'MB',
    reference: { value: 50, label: 'limit 50 MB' },
    groups: rows.map((row) => ({
      label: row.scenario,
      sublabel: row.metric,
      bars: [
        { name: 'raw', value: Math.max(0, row.raw?.median ?? 0), text: `raw ${formatFigure(row.raw?.median, 'MB')} MB`, color: COLORS.raw },
        ...(row.floor ? [{ name: 'floor', value: Math.max(0, row.floor.median), text: `floor ${formatFigure(row.floor.median, 'MB')} MB`, color: COLORS.floor }] : []),
        { name: 'SDK', value: Math.max(0, row.sdk?.median ?? 0), text: `SDK ${formatFigure(row.sdk?.median, 'MB')} MB`, color: COLORS.sdk },
      ],
    })),
  };
}

function serverPanel(report: BenchReport): Panel | undefined {
  const servers = report.servers;
  if (!servers || !servers.other) return undefined;
  return {
    title: `Servers: raw baseline against ${servers.other} relative to the embedded server (embedded = 1.0; longer is better)`,
    axis: 'relative speed',
    groups: servers.rows.map((row) => {
      const speed = row.other ? (row.better === 'higher' ? row.other.median / row.embedded.median : row.embedded.median / row.other.median) : 0;
      return {
        label: row.workload,
        sublabel: row.unit,
        bars: [
          { name: 'embedded', value: 1, text: `embedded ${formatFigure(row.embedded.median, row.unit)} ${row.unit}`, color: COLORS.raw },
          { name: 'other', value: speed, text: `other ${formatFigure(row.other?.median, row.unit)} ${row.unit} (${speed.toFixed(2)}x)`, color: COLORS.other },
        ],
      };
    }),
  };
}

/** The peers: each client's CPU per operation on each workload (shorter is better). */
function peersPanel(report: BenchReport): Panel | undefined {
  const peers = report.peers;
  if (!peers || 'skipped' in peers) return undefined;
  const colors: Record<string, string> = { 'net-clacks': COLORS.sdk, 'raw Clacks': COLORS.raw, 'raw RESP': '#cbd2d9' };
  return {
    title: `Peers: client CPU per operation, µs, against redis-server ${peers.redisVersion} and the embedded server (shorter is better)`,
    axis: 'µs',
    groups: peers.workloads
      .filter((workload) => workload.id !== 'peers.sequential.p99')
      .map((workload) => ({
        label: workload.workload.replace(/ p50$/, ''),
        sublabel: `server raw: embedded ${workload.serverRatio.toFixed(2)}x redis-server`,
        bars: workload.clients.map((figure) => ({
          name: figure.client,
          value: figure.cpu.median,
          text: `${figure.client} ${formatCpu(figure.cpu.median)} µs`,
          color: colors[figure.client] ?? COLORS.other,
        })),
      })),
  };
}

function drawPanel(panel: Panel, top: number): { svg: string; height: number } {
  const parts: string[] = [];
  const max = Math.max(panel.reference?.value ?? 0, ...panel.groups.flatMap((group) => group.bars.map((bar) => bar.value))) * 1.08 || 1;
  const x = (value: number): number => LABEL_WIDTH + (value / max) * PLOT_WIDTH;
  parts.push(`<text x="16" y="${top + 16}" class="title">${escape(panel.title)}</text>`);
  let y = top + 32;
  const plotTop = y;
  for (const group of panel.groups) {
    const groupHeight = group.bars.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
    parts.push(`<text x="${LABEL_WIDTH - 10}" y="${y + groupHeight / 2 - 2}" class="label" text-anchor="end">${escape(group.label)}</text>`);
    parts.push(`<text x="${LABEL_WIDTH - 10}" y="${y + groupHeight / 2 + 11}" class="sublabel" text-anchor="end">${escape(group.sublabel)}</text>`);
    for (const bar of group.bars) {
      const width = Math.max(1, x(bar.value) - LABEL_WIDTH);
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.color}" rx="2"/>`);
      parts.push(`<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 4}" class="value">${escape(bar.text)}</text>`);
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += GROUP_GAP;
  }
  const plotBottom = y - GROUP_GAP + 4;
  parts.push(`<line x1="${LABEL_WIDTH}" y1="${plotTop - 4}" x2="${LABEL_WIDTH}" y2="${plotBottom}" class="axis"/>`);
  if (panel.reference) {
    const rx = x(panel.reference.value).toFixed(1);
    parts.push(`<line x1="${rx}" y1="${plotTop - 4}" x2="${rx}" y2="${plotBottom}" class="reference"/>`);
    parts.push(`<text x="${rx}" y="${plotBottom + 12}" class="sublabel" text-anchor="middle">${escape(panel.reference.label)}</text>`);
  }
  return { svg: parts.join('\n'), height: plotBottom + 24 - top };
}

export function renderChart(report: BenchReport): string {
  const env = report.environment;
  const panels = [
    speedPanel(report.rows.filter((row) => row.unit !== 'MB')),
    floorPanel(report.rows.filter((row) => row.unit !== 'MB')),
    // Throughput rows only: a sequential read costs tens of µs of wake-ups, which would flatten the rest.
    cpuPanel(report.rows.filter((row) => row.better === 'higher' && report.settings.serverMode !== 'in-process')),
    memoryPanel(report.rows.filter((row) => row.unit === 'MB')),
    serverPanel(report),
    peersPanel(report),
  ].filter((panel): panel is Panel => panel !== undefined && panel.groups.length > 0);
  const body: string[] = [];
  let top = 44;
  for (const panel of panels) {
    const drawn = drawPanel(panel, top);
    body.push(drawn.svg);
    top += drawn.height + 12;
  }
  const subtitle = `${env.date.slice(0, 16).replace('T', ' ')} UTC · Node ${env.node} · ${env.cpus} × ${env.cpuModel} · server ${report.settings.serverMode} · medians of ${report.settings.rounds} rounds${report.smoke ? ' · SMOKE RUN' : ''}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
  .title { font-size: 13px; font-weight: 600; fill: #1f2933; }
  .label { font-size: 12px; fill: #1f2933; }
  .sublabel { font-size: 10px; fill: #616e7c; }
  .value { font-size: 11px; fill: #1f2933; }
  .axis { stroke: #52606d; stroke-width: 1; }
  .reference { stroke: #c81e1e; stroke-width: 1; stroke-dasharray: 4 3; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="16" y="22" font-size="16" font-weight="700" fill="#1f2933">net-clacks benchmarks: SDK vs raw baseline and floor client</text>
<text x="16" y="38" class="sublabel">${escape(subtitle)}</text>
${body.join('\n')}
</svg>
`;
}
