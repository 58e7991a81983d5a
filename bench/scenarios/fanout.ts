/**
 * Scenario 4: fan-out. One publisher (a raw connection in every case, so only
 * the consumer differs) sends 500,000 SETs; one consumer reads them: the raw
 * baseline counting lines, the SDK through `for await … of client.events()`
 * and through `subscribe(name)`. The publisher stays at most a few batches
 * ahead of the consumer, so no buffer anywhere overflows; drops are counted
 * and reported all the same.
 * @module
 */
import { connectRaw, connectSdk, ratioOf, type Context, type Row } from '../lib/context.js';
import { alternate, sample } from '../lib/stats.js';
import { FanoutPublisher, rawFanoutRound, sdkEventsRound, sdkSubscribeRound, type FanoutRound } from '../lib/workloads.js';

export async function fanout(ctx: Context): Promise<Row[]> {
  const { fanoutEvents: count, fanoutBatch, fanoutCredit } = ctx.sizes;
  const publisherSocket = await connectRaw(ctx.server);
  const rawConsumer = await connectRaw(ctx.server);
  const eventsConsumer = await connectSdk(ctx.server);
  const subscribeConsumer = await connectSdk(ctx.server);
  const publisher = new FanoutPublisher(publisherSocket, fanoutBatch, fanoutCredit);
  try {
    const rounds = await alternate(ctx.rounds, {
      raw: () => rawFanoutRound(publisher, rawConsumer, count),
      events: () => sdkEventsRound(publisher, eventsConsumer, count),
      subscribe: () => sdkSubscribeRound(publisher, subscribeConsumer, count),
    });
    const rawSample = sample(rounds.raw.map((round) => round.rate));
    const metric = `${publisher.totalFor(count).toLocaleString('en')} SETs, 1 publisher, 1 consumer`;
    const row = (id: string, scenario: string, sdkRounds: FanoutRound[], target: boolean): Row => {
      const sdkSample = sample(sdkRounds.map((round) => round.rate));
      const ratio = ratioOf(sdkSample, rawSample);
      const dropped = sdkRounds.reduce((sum, round) => sum + round.dropped, 0);
      const targets = [`SDK >= 0.8x raw: ${(ratio ?? 0) >= 0.8 ? 'met' : 'missed'}`];
      if (target) targets.push(`>= 1,000,000 events/s: ${sdkSample.median >= 1_000_000 ? 'met' : 'missed'}`);
      return {
        id,
        scenario,
        metric,
        unit: 'events/s',
        better: 'higher',
        raw: rawSample,
        sdk: sdkSample,
        ratio,
        target: {
          text: target ? 'SDK >= 0.8x raw and >= 1M events/s' : 'SDK >= 0.8x raw',
          met: (ratio ?? 0) >= 0.8 && (!target || sdkSample.median >= 1_000_000),
        },
        notes: [`events dropped over all rounds: ${dropped}`, ...targets],
      };
    };
    return [
      row('fanout.events', '4. Fan-out, for await events()', rounds.events, true),
      row('fanout.subscribe', '4. Fan-out, for await subscribe(name)', rounds.subscribe, false),
    ];
  } finally {
    await eventsConsumer.close();
    await subscribeConsumer.close();
    await rawConsumer.close();
    await publisherSocket.close();
  }
}
