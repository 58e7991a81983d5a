/**
 * What every scenario receives (the server, the sizes, the number of rounds)
 * and what it gives back (rows of SDK-versus-raw figures).
 * @module
 */
import type { ClacksClient, ClientOptions } from '../../src/index.js';
import { sdk } from './sdk.js';
import { RawClient, type RawTarget } from './raw-client.js';
import type { BenchServer } from './server.js';
import type { Sample } from './stats.js';

/** Operation counts; `--smoke` divides them so CI only checks that everything still runs. */
export interface Sizes {
  pipelinedTotal: number;
  pipelinedWindow: number;
  sequentialCount: number;
  storeBurst: number;
  fanoutEvents: number;
  /** SETs the publisher writes at once. */
  fanoutBatch: number;
  /** Batches the publisher may be ahead of the consumer (credit window). */
  fanoutCredit: number;
  memoryEvents: number;
  memoryInFlight: number;
  /** Keys in the cache that scenario 7 saves. */
  persistKeys: number;
  /** SETs per round of the network fan-out (scenario 9). */
  networkEvents: number;
  /** STOREs timed per round from one slave to the other (scenario 9). */
  networkLagSamples: number;
}

export const FULL_SIZES: Sizes = {
  pipelinedTotal: 100_000,
  pipelinedWindow: 1_000,
  sequentialCount: 5_000,
  storeBurst: 100_000,
  fanoutEvents: 500_000,
  fanoutBatch: 10_000,
  fanoutCredit: 4,
  memoryEvents: 1_000_000,
  memoryInFlight: 100_000,
  persistKeys: 1_000_000,
  networkEvents: 200_000,
  networkLagSamples: 500,
};

export const SMOKE_SIZES: Sizes = {
  pipelinedTotal: 2_000,
  pipelinedWindow: 500,
  sequentialCount: 200,
  storeBurst: 2_000,
  fanoutEvents: 5_000,
  fanoutBatch: 1_000,
  fanoutCredit: 4,
  memoryEvents: 5_000,
  memoryInFlight: 2_000,
  persistKeys: 20_000,
  networkEvents: 5_000,
  networkLagSamples: 20,
};

export interface Context {
  readonly server: BenchServer;
  readonly sizes: Sizes;
  readonly rounds: number;
  log(message: string): void;
}

/** One figure, measured with the SDK and with the raw baseline. */
export interface Row {
  /** Stable key, e.g. `pipelined-retrieve.unix`. */
  id: string;
  scenario: string;
  metric: string;
  unit: string;
  /** Whether a bigger figure is better (throughput) or worse (latency, memory). */
  better: 'higher' | 'lower';
  raw: Sample | undefined;
  sdk: Sample | undefined;
  /** SDK median / raw median. */
  ratio: number | undefined;
  /** A target, when the issue sets one, and whether this run met it. */
  target?: { text: string; met: boolean };
  /** What limits the figure, drops seen, and the like. */
  notes?: string[];
}

export type Transport = 'unix' | 'tls';

export function rawTarget(server: BenchServer, transport: Transport = 'unix'): RawTarget {
  if (transport === 'unix') {
    if (!server.unix) throw new Error(`the ${server.mode} server has no Unix socket`);
    return { kind: 'unix', path: server.unix.path, ...server.user };
  }
  if (!server.tls) throw new Error(`the ${server.mode} server has no TLS listener`);
  return { kind: 'tls', host: server.tls.host, port: server.tls.port, ...(server.tls.ca ? { ca: server.tls.ca } : {}), ...server.user };
}

export function connectRaw(server: BenchServer, transport: Transport = 'unix'): Promise<RawClient> {
  return RawClient.connect(rawTarget(server, transport));
}

/** An SDK client with default options (what users get), plus `options`. */
export function connectSdk(server: BenchServer, transport: Transport = 'unix', options: ClientOptions = {}): Promise<ClacksClient> {
  const base: ClientOptions =
    transport === 'unix'
      ? { path: rawUnixPath(server), ...server.user }
      : { host: server.tls?.host, port: server.tls?.port, ...server.user, tls: server.tls?.ca ? { ca: server.tls.ca } : { rejectUnauthorized: false } };
  return sdk().client.createClient({ ...base, name: 'net-clacks-bench-sdk', ...options });
}

function rawUnixPath(server: BenchServer): string {
  if (!server.unix) throw new Error(`the ${server.mode} server has no Unix socket`);
  return server.unix.path;
}

export function ratioOf(sdk: Sample | undefined, raw: Sample | undefined): number | undefined {
  if (!sdk || !raw || raw.median === 0) return undefined;
  return sdk.median / raw.median;
}
