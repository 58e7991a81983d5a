/**
 * The process metrics node exporters usually give (the names prom-client
 * and the Prometheus client libraries use, so existing dashboards work):
 * CPU time, resident memory, start time, open file descriptors (Linux), the
 * V8 heap, and the event loop's delay.
 *
 * The event loop delay is sampled by `perf_hooks.monitorEventLoopDelay`
 * (a libuv timer every {@link LOOP_SAMPLE_MS} ms, which does not keep the
 * process alive) from the first scrape on; each scrape reports the delays
 * since the previous one, beyond the sampling interval itself.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { MetricFamily } from './exposition.js';

/** How often the event loop delay is sampled, in milliseconds. */
export const LOOP_SAMPLE_MS = 20;

/** The figures {@link processFamilies} writes, read from the process by {@link ProcessMetrics}. */
export interface ProcessFigures {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  startTimeSeconds: number;
  residentBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** Linux only (from /proc/self). */
  openFds?: number;
  maxFds?: number;
  nodeVersion: string;
  /** Event loop delays beyond the sampling interval, in seconds; absent before the first samples. */
  loopDelay?: { min: number; max: number; mean: number; stddev: number; p50: number; p90: number; p99: number };
}

/**
 * Reads the process's figures; samples the event loop delay from its
 * construction until `close()`, unless made with `sampleLoop` false (then
 * it reads no loop delay at all).
 */
export class ProcessMetrics {
  private readonly histogram: IntervalHistogram | undefined;

  constructor(sampleLoop = true) {
    if (!sampleLoop) return;
    this.histogram = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    this.histogram.enable();
  }

  /** The figures now; the event loop delays since the previous call. */
  read(): ProcessFigures {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const figures: ProcessFigures = {
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      startTimeSeconds: Math.round(performance.timeOrigin) / 1000,
      residentBytes: memory.rss,
      heapTotalBytes: memory.heapTotal,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      nodeVersion: process.versions.node,
      ...fileDescriptors(),
    };
    const histogram = this.histogram;
    if (histogram && histogram.count > 0) {
      const beyond = (nanoseconds: number): number => Math.max(0, nanoseconds / 1e6 - LOOP_SAMPLE_MS) / 1000;
      figures.loopDelay = {
        min: beyond(histogram.min),
        max: beyond(histogram.max),
        mean: beyond(histogram.mean),
        stddev: histogram.stddev / 1e9,
        p50: beyond(histogram.percentile(50)),
        p90: beyond(histogram.percentile(90)),
        p99: beyond(histogram.percentile(99)),
      };
      histogram.reset();
    }
    return figures;
  }

  close(): void {
    this.histogram?.disable();
  }
}

/** Open and allowed file descriptors, where /proc tells them. */
function fileDescriptors(): { openFds?: number; maxFds?: number } {
  if (process.platform !== 'linux') return {};
  try {
    // The listing itself holds one descriptor while it runs.
    const openFds = readdirSync('/proc/self/fd').length - 1;
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return limit ? { openFds, maxFds: Number(limit[1]) } : { openFds };
  } catch {
    return {};
  }
}

/** The families of the figures: pure. */
export function processFamilies(figures: ProcessFigures): MetricFamily[] {
  const gauge = (name: string, help: string, value: number | undefined): MetricFamily => ({ name, help, type: 'gauge', samples: value === undefined ? [] : [{ value }] });
  const counter = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', samples: [{ value }] });
  const [major = '', minor = '', patch = ''] = figures.nodeVersion.split('.');
  const delay = figures.loopDelay;
  const delays: Array<[keyof NonNullable<ProcessFigures['loopDelay']>, string]> = [
    ['min', 'The shortest'],
    ['max', 'The longest'],
    ['mean', 'The mean'],
    ['stddev', 'The standard deviation of the'],
    ['p50', 'The median'],
    ['p90', 'The 90th percentile of the'],
    ['p99', 'The 99th percentile of the'],
  ];
  return [
    counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.', figures.cpuUserSeconds),
    counter('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.', figures.cpuSystemSeconds),
    counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', figures.cpuUserSeconds + figures.cpuSystemSeconds),
    gauge('process_start_time_seconds', 'When the process started, in seconds since the epoch.', figures.startTimeSeconds),
    gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.', figures.residentBytes),
    gauge('process_open_fds', 'Open file descriptors.', figures.openFds),
    gauge('process_max_fds', 'The most file descriptors the process may open.', figures.maxFds),
    gauge('nodejs_heap_size_total_bytes', 'V8 heap size, in bytes.', figures.heapTotalBytes),
    gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', figures.heapUsedBytes),
    gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects (Buffers among them), in bytes.', figures.externalBytes),
    ...delays.map(([key, what]) =>
      gauge(`nodejs_eventloop_lag_${key}_seconds`, `${what} event loop delay since the previous scrape, beyond the ${LOOP_SAMPLE_MS} ms sampling interval, in seconds.`, delay?.[key]),
    ),
    { name: 'nodejs_version_info', help: 'The Node.js version (the value is always 1).', type: 'gauge', samples: [{ labels: { version: `v${figures.nodeVersion}`, major, minor, patch }, value: 1 }] },
  ];
}
