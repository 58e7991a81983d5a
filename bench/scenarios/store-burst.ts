/**
 * Scenario 3: a burst of 100,000 STOREs, then one FLUSH; the time until
 * FLUSHED, as STOREs per second.
 * @module
 */
import { connectRaw, connectSdk, ratioOf, type Context, type Row } from '../lib/context.js';
import { alternate, sample } from '../lib/stats.js';
import { rawStoreBurst, sdkStoreBurst } from '../lib/workloads.js';

export async function storeBurst(ctx: Context): Promise<Row> {
  const count = ctx.sizes.storeBurst;
  const raw = await connectRaw(ctx.server);
  const sdk = await connectSdk(ctx.server);
  try {
    const rounds = await alternate(ctx.rounds, {
      raw: () => rawStoreBurst(raw, count),
      sdk: () => sdkStoreBurst(sdk, count),
    });
    const rawSample = sample(rounds.raw);
    const sdkSample = sample(rounds.sdk);
    const ratio = ratioOf(sdkSample, rawSample);
    return {
      id: 'store-burst',
      scenario: '3. STORE burst + one FLUSH',
      metric: `${count.toLocaleString('en')} STOREs, then FLUSH`,
      unit: 'ops/s',
      better: 'higher',
      raw: rawSample,
      sdk: sdkSample,
      ratio,
      target: { text: 'SDK >= 0.8x raw', met: (ratio ?? 0) >= 0.8 },
    };
  } finally {
    await sdk.close();
    await raw.close();
  }
}
