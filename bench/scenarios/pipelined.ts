/**
 * Scenario 1: pipelined RETRIEVE. 100,000 reads, a window of 1,000 in flight
 * through `Promise.all`, over the Unix socket and over TLS.
 * @module
 */
import { connectRaw, connectSdk, ratioOf, type Context, type Row, type Transport } from '../lib/context.js';
import { alternate, sample } from '../lib/stats.js';
import { keyNames, prepareKeys, rawPipelined, sdkPipelined } from '../lib/workloads.js';

/**
 * Over the Unix socket a third runner reads with `{ timeout: Infinity }`: a
 * diagnostic row showing what the per-request timer costs.
 */
export async function pipelinedRetrieve(ctx: Context, transport: Transport): Promise<Row[]> {
  const { pipelinedTotal: total, pipelinedWindow: window } = ctx.sizes;
  const keys = keyNames(window);
  const raw = await connectRaw(ctx.server, transport);
  const sdk = await connectSdk(ctx.server, transport);
  try {
    await prepareKeys(raw, keys);
    if ((await sdk.retrieve(keys[0] as string)) === undefined) throw new Error('pipelined retrieve: the prepared key is missing');
    const runners = {
      raw: () => rawPipelined(raw, keys, total),
      sdk: () => sdkPipelined(sdk, keys, total),
      ...(transport === 'unix' ? { untimed: () => sdkPipelined(sdk, keys, total, { timeout: Infinity }) } : {}),
    };
    const rounds = await alternate<string, number>(ctx.rounds, runners);
    const rawSample = sample(rounds.raw as number[]);
    const sdkSample = sample(rounds.sdk as number[]);
    const ratio = ratioOf(sdkSample, rawSample);
    const rows: Row[] = [];
    rows.push({
      id: `pipelined-retrieve.${transport}`,
      scenario: `1. Pipelined RETRIEVE (${transport === 'unix' ? 'Unix socket' : 'TLS'})`,
      metric: `${total.toLocaleString('en')} reads, ${window.toLocaleString('en')} in flight`,
      unit: 'ops/s',
      better: 'higher',
      raw: rawSample,
      sdk: sdkSample,
      ratio,
      ...(transport === 'unix' ? { target: { text: 'SDK >= 0.8x raw', met: (ratio ?? 0) >= 0.8 } } : {}),
    });
    if (rounds.untimed) {
      const untimed = sample(rounds.untimed);
      rows.push({
        id: 'pipelined-retrieve.unix.untimed',
        scenario: '1. Pipelined RETRIEVE, { timeout: Infinity }',
        metric: 'diagnostic: the same without the per-request timer',
        unit: 'ops/s',
        better: 'higher',
        raw: rawSample,
        sdk: untimed,
        ratio: ratioOf(untimed, rawSample),
      });
    }
    return rows;
  } finally {
    await sdk.close();
    await raw.close();
  }
}
