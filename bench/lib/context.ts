/**
 * What every scenario receives (the server, the sizes, the number of rounds)
 * and what it gives back (rows of SDK-versus-raw figures).
 * @module
 */
import type { ClacksClient, ClientOptions } from '../../src/index.js';
import { sdk } from './sdk.js';
import { FloorClient } from './floor-client.js';
import { RawClient, type RawTarget } from './raw-client.js';
import type { BenchServer } from './server.js';
import { percentile, sample, type Measured, type Sample } from './stats.js';

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

/** One figure, measured with the SDK and with the raw baseline (and, for the throughput rows, the floor client). */
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
  /** The floor client (floor-client.ts): a Promise per call and nothing else. */
  floor?: Sample | undefined;
  /** SDK median / floor median. */
  ratioFloor?: number | undefined;
  /** CPU time of the benchmark (client) process per operation, µs: `process.cpuUsage` around each measured window. */
  cpu?: { raw?: Sample | undefined; floor?: Sample | undefined; sdk?: Sample | undefined };
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

export function connectFloor(server: BenchServer, transport: Transport = 'unix'): Promise<FloorClient> {
  return FloorClient.connect(rawTarget(server, transport));
}

/**
 * The median of the round-by-round ratios `a[i] / b[i]`: each round of one
 * runner against the round of the other run beside it (alternate() runs
 * them back to back), so that the machine's drift between rounds cancels.
 * On a loaded machine a round's rate can move by 2x; this ratio moves far
 * less than the ratio of the two medians.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number | undefined {
  const ratios = a.flatMap((value, i) => (b[i] ? [value / (b[i] as number)] : []));
  return ratios.length > 0 ? percentile(ratios, 50) : undefined;
}

/** Rates and CPU per operation of measured rounds. */
export function rates(rounds: readonly Measured[]): { rate: Sample; cpu: Sample } {
  return { rate: sample(rounds.map((round) => round.rate)), cpu: sample(rounds.map((round) => round.cpu)) };
}

/** The SDK's target against the floor: at least 0.9x its throughput (and, when `cpuLimit` is given, at most that many times its CPU per operation). */
export const FLOOR_TARGET = 0.9;

/**
 * A throughput row from the rounds of the raw baseline, the floor and the
 * SDK: medians, both ratios (round by round, see {@link pairedRatio}), CPU
 * per operation, and the floor target.
 */
export function throughputRow(fields: {
  id: string;
  scenario: string;
  metric: string;
  unit: string;
  raw: readonly Measured[];
  floor: readonly Measured[] | undefined;
  sdk: readonly Measured[];
  /** Set the floor target (SDK >= 0.9x floor), with a CPU bound (SDK CPU <= cpuLimit x floor CPU) when given. */
  target?: { cpuLimit?: number } | undefined;
  notes?: string[];
}): Row {
  const raw = rates(fields.raw);
  const sdk = rates(fields.sdk);
  const floor = fields.floor ? rates(fields.floor) : undefined;
  const ratio = pairedRatio(sdk.rate.rounds, raw.rate.rounds);
  const ratioFloor = floor ? pairedRatio(sdk.rate.rounds, floor.rate.rounds) : undefined;
  const notes = [...(fields.notes ?? []), `SDK >= 0.8x raw (the earlier target): ${(ratio ?? 0) >= 0.8 ? 'met' : 'missed'}`];
  let target: Row['target'];
  if (fields.target && floor) {
    const cpuLimit = fields.target.cpuLimit;
    const cpuRatio = pairedRatio(sdk.cpu.rounds, floor.cpu.rounds) ?? Number.NaN;
    const speedMet = (ratioFloor ?? 0) >= FLOOR_TARGET;
    const cpuMet = cpuLimit === undefined || cpuRatio <= cpuLimit;
    if (cpuLimit !== undefined) notes.push(`SDK CPU per op / floor's: ${cpuRatio.toFixed(2)}x (target <= ${cpuLimit}x)`);
    target = { text: `SDK >= ${FLOOR_TARGET}x floor${cpuLimit === undefined ? '' : `, CPU <= ${cpuLimit}x floor`}`, met: speedMet && cpuMet };
  }
  return {
    id: fields.id,
    scenario: fields.scenario,
    metric: fields.metric,
    unit: fields.unit,
    better: 'higher',
    raw: raw.rate,
    sdk: sdk.rate,
    ratio,
    floor: floor?.rate,
    ratioFloor,
    cpu: { raw: raw.cpu, floor: floor?.cpu, sdk: sdk.cpu },
    ...(target ? { target } : {}),
    notes,
  };
}

function rawUnixPath(server: BenchServer): string {
  if (!server.unix) throw new Error(`the ${server.mode} server has no Unix socket`);
  return server.unix.path;
}

export function ratioOf(sdk: Sample | undefined, raw: Sample | undefined): number | undefined {
  if (!sdk || !raw || raw.median === 0) return undefined;
  return sdk.median / raw.median;
}
