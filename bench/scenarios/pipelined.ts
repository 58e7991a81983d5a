/**
 * Scenario 1: pipelined RETRIEVE. 100,000 reads in windows of 1,000: the
 * raw baseline writes each window as one pre-built Buffer; the floor client
 * and the SDK call `retrieve()` 1,000 times through `Promise.all`, over the
 * Unix socket and over TLS.
 * @module
 */
import { connectFloor, connectRaw, connectSdk, pairedRatio, rates, throughputRow, type Context, type Row, type Transport } from '../lib/context.js';
import { alternate, type Measured } from '../lib/stats.js';
import { keyNames, prepareKeys, rawPipelined, sdkPipelined } from '../lib/workloads.js';

/** The SDK's CPU per pipelined RETRIEVE may be at most this many times the floor's. */
const CPU_LIMIT = 1.2;

/**
 * Over the Unix socket a fourth runner reads with `{ timeout: Infinity }`: a
 * diagnostic row showing what the per-request deadline costs.
 */
export async function pipelinedRetrieve(ctx: Context, transport: Transport): Promise<Row[]> {
  const { pipelinedTotal: total, pipelinedWindow: window } = ctx.sizes;
  const keys = keyNames(window);
  const raw = await connectRaw(ctx.server, transport);
  const floor = await connectFloor(ctx.server, transport);
  const sdk = await connectSdk(ctx.server, transport);
  try {
    await prepareKeys(raw, keys);
    if ((await sdk.retrieve(keys[0] as string)) === undefined) throw new Error('pipelined retrieve: the prepared key is missing');
    if ((await floor.retrieve(keys[0] as string)) === undefined) throw new Error('pipelined retrieve: the floor client read nothing');
    const runners: Record<string, () => Promise<Measured>> = {
      raw: () => rawPipelined(raw, keys, total),
      floor: () => sdkPipelined(floor, keys, total),
      sdk: () => sdkPipelined(sdk, keys, total),
      ...(transport === 'unix' ? { untimed: () => sdkPipelined(sdk, keys, total, { timeout: Infinity }) } : {}),
    };
    const rounds = await alternate<string, Measured>(ctx.rounds, runners);
    const rows: Row[] = [
      throughputRow({
        id: `pipelined-retrieve.${transport}`,
        scenario: `1. Pipelined RETRIEVE (${transport === 'unix' ? 'Unix socket' : 'TLS'})`,
        metric: `${total.toLocaleString('en')} reads, ${window.toLocaleString('en')} in flight`,
        unit: 'ops/s',
        raw: rounds.raw as Measured[],
        floor: rounds.floor,
        sdk: rounds.sdk as Measured[],
        target: transport === 'unix' ? { cpuLimit: CPU_LIMIT } : undefined,
      }),
    ];
    if (rounds.untimed) {
      const rawFigures = rates(rounds.raw as Measured[]);
      const untimed = rates(rounds.untimed);
      const floorFigures = rates(rounds.floor as Measured[]);
      rows.push({
        id: 'pipelined-retrieve.unix.untimed',
        scenario: '1. Pipelined RETRIEVE, { timeout: Infinity }',
        metric: 'diagnostic: the same without the default deadline',
        unit: 'ops/s',
        better: 'higher',
        raw: rawFigures.rate,
        sdk: untimed.rate,
        ratio: pairedRatio(untimed.rate.rounds, rawFigures.rate.rounds),
        floor: floorFigures.rate,
        ratioFloor: pairedRatio(untimed.rate.rounds, floorFigures.rate.rounds),
        cpu: { raw: rawFigures.cpu, floor: floorFigures.cpu, sdk: untimed.cpu },
      });
    }
    return rows;
  } finally {
    await sdk.close();
    await floor.close();
    await raw.close();
  }
}
