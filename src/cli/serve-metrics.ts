/**
 * `clacks serve --metrics HOST:PORT`: the server's Prometheus metrics over
 * HTTP (src/server/metrics/), on loopback unless `--metrics-allow-remote`.
 * @module
 */
import type { Command } from 'commander';
import { checkMetricsOptions, type MetricsServerOptions } from '../server/metrics/metrics-server.js';
import { parseListen } from './gateway.js';
import { UsageError } from './serve-config.js';

export interface MetricsFlags {
  metrics?: { host: string; port: number };
  metricsAllowRemote?: boolean;
}

export function addMetricsOptions(command: Command): Command {
  return command
    .option('--metrics <host:port>', 'serve Prometheus metrics over HTTP at http://HOST:PORT/metrics (port 0 picks a free one); loopback only unless --metrics-allow-remote', parseListen)
    .option('--metrics-allow-remote', 'let --metrics listen on a non-loopback address (the metrics show user names, client counts and traffic, without authentication)');
}

/** The metrics endpoint's options, checked before the server starts; undefined without `--metrics`. */
export function metricsOptionsFrom(flags: MetricsFlags): MetricsServerOptions | undefined {
  if (flags.metrics === undefined) {
    if (flags.metricsAllowRemote) throw new UsageError('--metrics-allow-remote needs --metrics HOST:PORT');
    return undefined;
  }
  const options: MetricsServerOptions = { ...flags.metrics, allowRemote: flags.metricsAllowRemote === true };
  try {
    checkMetricsOptions(options);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new UsageError(
      `--metrics ${flags.metrics.host}:${flags.metrics.port}: ${flags.metrics.host} is not a loopback address; the metrics show user names, client counts and traffic to anyone who can reach it. Add --metrics-allow-remote to listen there anyway`,
    );
  }
  return options;
}
