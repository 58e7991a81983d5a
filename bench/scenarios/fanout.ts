/**
 * Scenario 4: fan-out. One publisher (a raw connection in every case, so only
 * the consumer differs) sends 500,000 SETs; one consumer reads them: the raw
 * baseline counting lines, the floor client and the SDK through
 * `for await … of client.events()`, and the SDK through `subscribe(name)`.
 * The publisher stays at most a few batches ahead of the consumer, so no
 * buffer anywhere overflows; drops are counted and reported all the same.
 * @module
 */
import { connectFloor, connectRaw, connectSdk, throughputRow, type Context, type Row } from '../lib/context.js';
import { alternate } from '../lib/stats.js';
import { FanoutPublisher, rawFanoutRound, sdkEventsRound, sdkSubscribeRound, type FanoutRound } from '../lib/workloads.js';

export async function fanout(ctx: Context): Promise<Row[]> {
  const { fanoutEvents: count, fanoutBatch, fanoutCredit } = ctx.sizes;
  const publisherSocket = await connectRaw(ctx.server);
  const rawConsumer = await connectRaw(ctx.server);
  const floorConsumer = await connectFloor(ctx.server);
  const eventsConsumer = await connectSdk(ctx.server);
  const subscribeConsumer = await connectSdk(ctx.server);
  const publisher = new FanoutPublisher(publisherSocket, fanoutBatch, fanoutCredit);
  try {
    const rounds = await alternate(ctx.rounds, {
      raw: () => rawFanoutRound(publisher, rawConsumer, count),
      floor: () => sdkEventsRound(publisher, floorConsumer, count),
      events: () => sdkEventsRound(publisher, eventsConsumer, count),
      subscribe: () => sdkSubscribeRound(publisher, subscribeConsumer, count),
    });
    const metric = `${publisher.totalFor(count).toLocaleString('en')} SETs, 1 publisher, 1 consumer`;
    const row = (id: string, scenario: string, sdkRounds: FanoutRound[]): Row => {
      const dropped = sdkRounds.reduce((sum, round) => sum + round.dropped, 0);
      const built = throughputRow({
        id,
        scenario,
        metric,
        unit: 'events/s',
        raw: rounds.raw,
        floor: rounds.floor,
        sdk: sdkRounds,
        target: {},
        notes: [`events dropped over all rounds: ${dropped}`, 'CPU per event includes the publisher (the same raw connection for every consumer)'],
      });
      const rate = built.sdk?.median ?? 0;
      built.notes?.push(`>= 1,000,000 events/s (the earlier target): ${rate >= 1_000_000 ? 'met' : 'missed'}`);
      return built;
    };
    return [row('fanout.events', '4. Fan-out, for await events()', rounds.events), row('fanout.subscribe', '4. Fan-out, for await subscribe(name)', rounds.subscribe)];
  } finally {
    await eventsConsumer.close();
    await subscribeConsumer.close();
    await floorConsumer.close();
    await rawConsumer.close();
    await publisherSocket.close();
  }
}
