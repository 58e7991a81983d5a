/**
 * Scenario 3: a burst of 100,000 STOREs, then one FLUSH; the time until
 * FLUSHED, as STOREs per second. The raw baseline writes the burst as one
 * pre-built Buffer; the floor client and the SDK call `store()` 100,000
 * times without awaiting, then `await flush()`.
 * @module
 */
import { connectFloor, connectRaw, connectSdk, throughputRow, type Context, type Row } from '../lib/context.js';
import { alternate } from '../lib/stats.js';
import { rawStoreBurst, sdkStoreBurst } from '../lib/workloads.js';

export async function storeBurst(ctx: Context): Promise<Row> {
  const count = ctx.sizes.storeBurst;
  const raw = await connectRaw(ctx.server);
  const floor = await connectFloor(ctx.server);
  const sdk = await connectSdk(ctx.server);
  try {
    const rounds = await alternate(ctx.rounds, {
      raw: () => rawStoreBurst(raw, count),
      floor: () => sdkStoreBurst(floor, count),
      sdk: () => sdkStoreBurst(sdk, count),
    });
    return throughputRow({
      id: 'store-burst',
      scenario: '3. STORE burst + one FLUSH',
      metric: `${count.toLocaleString('en')} STOREs, then FLUSH`,
      unit: 'ops/s',
      raw: rounds.raw,
      floor: rounds.floor,
      sdk: rounds.sdk,
      target: {},
    });
  } finally {
    await sdk.close();
    await floor.close();
    await raw.close();
  }
}
