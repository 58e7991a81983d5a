/**
 * The traffic plot: events and commands per second over the last five
 * minutes, drawn by uPlot (a small canvas charting library, bundled into
 * the console's script: nothing is fetched at run time).
 * @module
 */
import uPlot from 'uplot';
import { h } from '../dom.js';
import type { RateWindow } from '../model/rates.js';

export type Series = 'events' | 'commands';

/** An axis tick: `14:03:30` (local time). */
function clock(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

const HEIGHT = 190;

function color(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export class RateChart {
  readonly element = h('div', { class: 'chart', id: 'traffic-chart' });
  private plot: uPlot | undefined;
  private readonly started = Date.now();

  constructor(private readonly rates: RateWindow<Series>) {
    const observer = new ResizeObserver(() => this.resize());
    observer.observe(this.element);
    setInterval(() => this.update(), 1000);
  }

  private create(width: number): void {
    const grid = color('--grid', '#e6e9ef');
    const axis = color('--muted', '#6b7785');
    const font = `11px ${color('--font', 'system-ui, sans-serif')}`;
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font };
    this.plot = new uPlot(
      {
        width,
        height: HEIGHT,
        padding: [8, 24, 0, 0],
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        legend: { show: true, live: true },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
        series: [
          { label: 'time', value: (_u, v) => (v == null ? '' : clock(v)) },
          { label: 'events/s', stroke: color('--accent', '#2f6fed'), fill: color('--accent-fill', 'rgba(47,111,237,0.12)'), width: 2, points: { show: false } },
          { label: 'commands/s', stroke: color('--green', '#1a9e5b'), width: 2, points: { show: false } },
        ],
        axes: [{ ...axisStyle, values: (_u, splits) => splits.map(clock) }, { ...axisStyle, size: 44 }],
      },
      this.data(),
      this.element,
    );
  }

  /** Seconds shown: since the page started (at least one minute), up to the window's five minutes. */
  private data(): uPlot.AlignedData {
    const seconds = Math.min(this.rates.length, Math.max(60, Math.ceil((Date.now() - this.started) / 1000)));
    // Up to the last complete second: the one under way would show as a dip.
    const { times, values } = this.rates.snapshot(Date.now() - 1000, seconds);
    return [times, values.events, values.commands];
  }

  private resize(): void {
    const width = Math.floor(this.element.clientWidth);
    if (width <= 0) return;
    if (!this.plot) this.create(width);
    else this.plot.setSize({ width, height: HEIGHT });
  }

  private update(): void {
    this.plot?.setData(this.data());
  }
}
