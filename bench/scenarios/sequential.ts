/**
 * Scenario 2: sequential RETRIEVE latency. 5,000 reads, each awaited before
 * the next; p50 and p99 per round, medians over the rounds.
 * @module
 */
import { connectRaw, connectSdk, ratioOf, type Context, type Row } from '../lib/context.js';
import { alternate, sample } from '../lib/stats.js';
import { keyNames, prepareKeys, rawSequential, sdkSequential } from '../lib/workloads.js';

export async function sequentialRetrieve(ctx: Context): Promise<Row[]> {
  const count = ctx.sizes.sequentialCount;
  const [key] = keyNames(1) as [string];
  const raw = await connectRaw(ctx.server);
  const sdk = await connectSdk(ctx.server);
  try {
    await prepareKeys(raw, [key]);
    const rounds = await alternate(ctx.rounds, {
      raw: () => rawSequential(raw, key, count),
      sdk: () => sdkSequential(sdk, key, count),
    });
    return (['p50', 'p99'] as const).map((p) => {
      const rawSample = sample(rounds.raw.map((round) => round[p]));
      const sdkSample = sample(rounds.sdk.map((round) => round[p]));
      return {
        id: `sequential-retrieve.${p}`,
        scenario: `2. Sequential RETRIEVE latency ${p}`,
        metric: `${count.toLocaleString('en')} reads, one at a time`,
        unit: 'µs',
        better: 'lower',
        raw: rawSample,
        sdk: sdkSample,
        ratio: ratioOf(sdkSample, rawSample),
        cpu: { raw: sample(rounds.raw.map((round) => round.cpu)), sdk: sample(rounds.sdk.map((round) => round.cpu)) },
      } satisfies Row;
    });
  } finally {
    await sdk.close();
    await raw.close();
  }
}
