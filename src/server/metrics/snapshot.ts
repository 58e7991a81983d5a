/**
 * Gathers a running server's {@link MetricsSnapshot} at scrape time, and
 * writes the whole exposition (the server's families, then the process's).
 * @module
 */
import { VERSION } from '../../version.js';
import type { Hub } from '../hub.js';
import type { ServerUsage } from '../stats.js';
import { formatExposition } from './exposition.js';
import { processFamilies, type ProcessFigures } from './process-metrics.js';
import { serverFamilies, type LinkMetrics, type MetricsSnapshot } from './server-metrics.js';

/**
 * The figures of `hub` now. `links` is the extension point for interclacks:
 * the server passes a provider of its links' state, and the link metrics
 * follow (without one, there are none).
 */
export function takeSnapshot(hub: Hub, usage: ServerUsage, startedAt: number, links?: () => readonly LinkMetrics[]): MetricsSnapshot {
  let subscriptions = 0;
  for (const listeners of hub.subscriptions.values()) subscriptions += listeners.size;
  return {
    version: VERSION,
    serverInfo: hub.options.serverInfo,
    startTimeSeconds: startedAt / 1000,
    stats: hub.stats,
    usage,
    users: [...hub.options.users.keys()],
    commands: hub.commandCounts,
    cache: hub.cache.figures,
    subscriptions: { names: hub.subscriptions.size, total: subscriptions },
    monitors: hub.monitors.size,
    ...(links === undefined ? {} : { links: links() }),
  };
}

/** The exposition text of a snapshot and the process's figures (pure). */
export function formatMetrics(snapshot: MetricsSnapshot, process: ProcessFigures): string {
  return formatExposition([...serverFamilies(snapshot), ...processFamilies(process)]);
}
