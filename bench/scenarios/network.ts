/**
 * Scenario 9: a Clacks network. Three embedded servers, each in its own
 * process as in a deployment: a master and two slaves linked to it over its
 * Unix socket.
 *
 * - Fan-out through a link: the fan-out of scenario 4 (a raw publisher, a raw
 *   consumer counting lines, the publisher a few batches ahead at most) with
 *   the publisher on slave A and the consumer on the master, against both on
 *   the master alone (the "Raw" column here is that single-server baseline).
 *   Target: the link costs less than half, i.e. >= 0.5x.
 * - Replication lag of a STORE: from STORE on slave A until RETRIEVE on
 *   slave B (two links away, through the master) finds the value, p50 and
 *   p99, against STORE and RETRIEVE on one server. Target: p99 < 10 ms.
 * @module
 */
import type { ClacksClient } from '../../src/index.js';
import { connectRaw, connectSdk, ratioOf, type Context, type Row } from '../lib/context.js';
import { startBenchServer, type BenchServer } from '../lib/server.js';
import { alternate, percentile, sample } from '../lib/stats.js';
import { FanoutPublisher, rawFanoutRound, type FanoutRound } from '../lib/workloads.js';

const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 10;

export async function network(ctx: Context): Promise<Row[]> {
  const servers: BenchServer[] = [];
  const close = async (): Promise<void> => void (await Promise.all(servers.map((server) => server.close())));
  try {
    const master = await startBenchServer(true);
    servers.push(master);
    const masterUrl = `clacks+unix://${master.unix?.path}`;
    const slaveA = await startBenchServer(true, { master: masterUrl });
    servers.push(slaveA);
    const slaveB = await startBenchServer(true, { master: masterUrl });
    servers.push(slaveB);
    await linked(slaveA, slaveB);
    return [...(await fanoutRows(ctx, master, slaveA)), ...(await lagRows(ctx, master, slaveA, slaveB))];
  } finally {
    await close();
  }
}

/** Both slaves synced: a STORE on one is found on the other. */
async function linked(a: BenchServer, b: BenchServer): Promise<void> {
  const writer = await connectSdk(a);
  const reader = await connectSdk(b);
  try {
    const deadline = Date.now() + 30_000;
    for (let i = 0; ; i++) {
      await writer.store('bench.network.ready', String(i));
      await writer.flush();
      await new Promise((resolve) => setTimeout(resolve, 50));
      if ((await reader.retrieve('bench.network.ready')) === String(i)) return;
      if (Date.now() > deadline) throw new Error('the slaves did not link within 30 s');
    }
  } finally {
    await writer.close();
    await reader.close();
  }
}

async function fanoutRows(ctx: Context, master: BenchServer, slave: BenchServer): Promise<Row[]> {
  const { networkEvents: count, fanoutBatch, fanoutCredit } = ctx.sizes;
  const onMaster = await connectRaw(master);
  const onSlave = await connectRaw(slave);
  const consumer = await connectRaw(master);
  const local = new FanoutPublisher(onMaster, fanoutBatch, fanoutCredit);
  const remote = new FanoutPublisher(onSlave, fanoutBatch, fanoutCredit);
  try {
    const rounds = await alternate<'single' | 'link', FanoutRound>(ctx.rounds, {
      single: () => rawFanoutRound(local, consumer, count),
      link: () => rawFanoutRound(remote, consumer, count),
    });
    const single = sample(rounds.single.map((round) => round.rate));
    const link = sample(rounds.link.map((round) => round.rate));
    const ratio = ratioOf(link, single);
    return [
      {
        id: 'network.fanout',
        scenario: '9. Fan-out through a link',
        metric: `${local.totalFor(count).toLocaleString('en')} SETs; Raw: publisher and listener on one server, SDK column: publisher on a slave, listener on its master`,
        unit: 'events/s',
        better: 'higher',
        raw: single,
        sdk: link,
        ratio,
        target: { text: `link >= ${TARGET_RATIO}x one server`, met: (ratio ?? 0) >= TARGET_RATIO },
        notes: ['raw clients on both sides; every server in its own process; the link is a Unix socket'],
      },
    ];
  } finally {
    await Promise.all([onMaster.close(), onSlave.close(), consumer.close()]);
  }
}

async function lagRows(ctx: Context, master: BenchServer, slaveA: BenchServer, slaveB: BenchServer): Promise<Row[]> {
  const samples = ctx.sizes.networkLagSamples;
  const localWriter = await connectSdk(master);
  const localReader = await connectSdk(master);
  const writer = await connectSdk(slaveA);
  const reader = await connectSdk(slaveB);
  let serial = 0;
  /** Milliseconds from STORE until RETRIEVE on the reader's server answers the new value, for `samples` keys. */
  const measure = async (from: ClacksClient, to: ClacksClient): Promise<number[]> => {
    const lags: number[] = [];
    for (let i = 0; i < samples; i++) {
      const key = `bench.lag.${serial++}`;
      const start = performance.now();
      await from.store(key, 'x');
      while ((await to.retrieve(key)) === undefined) {
        if (performance.now() - start > 5_000) throw new Error(`${key} did not arrive within 5 s`);
      }
      lags.push(performance.now() - start);
    }
    return lags;
  };
  try {
    const rounds = await alternate<'single' | 'network', number[]>(ctx.rounds, {
      single: () => measure(localWriter, localReader),
      network: () => measure(writer, reader),
    });
    const all = (which: 'single' | 'network') => rounds[which].flat();
    return (['p50', 'p99'] as const).map((p): Row => {
      const q = p === 'p50' ? 50 : 99;
      const single = sample(rounds.single.map((lags) => percentile(lags, q) * 1000));
      const network = sample(rounds.network.map((lags) => percentile(lags, q) * 1000));
      const overall = percentile(all('network'), q);
      return {
        id: `network.lag.${p}`,
        scenario: `9. Replication lag of a STORE, ${p}`,
        metric: `${samples} STOREs a round; Raw: STORE and RETRIEVE on one server, SDK column: STORE on slave A, RETRIEVE on slave B (two links)`,
        unit: 'µs',
        better: 'lower',
        raw: single,
        sdk: network,
        ratio: ratioOf(network, single),
        ...(p === 'p99' ? { target: { text: `p99 < ${TARGET_P99_MS} ms`, met: overall < TARGET_P99_MS } } : {}),
        notes: [`${p} over every sample of every round: ${(overall * 1000).toFixed(0)} µs; max ${(Math.max(...all('network')) * 1000).toFixed(0)} µs`],
      };
    });
  } finally {
    await Promise.all([localWriter.close(), localReader.close(), writer.close(), reader.close()]);
  }
}
