/**
 * Scenario 6: the servers themselves. The raw baseline runs the same
 * workloads against the embedded server and against another server given
 * with `--url` (a Perl Net::Clacks server, say), alternating between the two
 * round by round, over the transport the URL names.
 * @module
 */
import { connectRaw, type Context, type Transport } from '../lib/context.js';
import type { BenchServer } from '../lib/server.js';
import { sdk } from '../lib/sdk.js';
import { alternate, sample, type Sample } from '../lib/stats.js';
import { FanoutPublisher, keyNames, prepareKeys, rawFanoutRound, rawPipelined, rawSequential, rawStoreBurst } from '../lib/workloads.js';

/** One workload on both servers. */
export interface ServerRow {
  id: string;
  workload: string;
  unit: string;
  better: 'higher' | 'lower';
  embedded: Sample;
  other: Sample | undefined;
  /** other / embedded. */
  ratio: number | undefined;
}

/** A server named by `--url`. */
export function externalServer(url: string): BenchServer {
  const target = sdk().client.parseClacksUrl(url);
  const user = { username: target.username, password: target.password };
  if (target.kind === 'ws') throw new Error('--url: the server comparison needs a clacks:// or clacks+unix:// URL');
  return target.kind === 'unix'
    ? { mode: 'external', user, unix: { path: target.path }, tls: undefined, close: async () => {} }
    : { mode: 'external', user, unix: undefined, tls: { host: target.host, port: target.port, ca: undefined }, close: async () => {} };
}

export async function compareServers(ctx: Context, other: BenchServer | undefined): Promise<{ transport: Transport; rows: ServerRow[] }> {
  const transport: Transport = other && !other.unix ? 'tls' : 'unix';
  const servers = other ? { embedded: ctx.server, other } : { embedded: ctx.server };
  const { sizes } = ctx;
  const keys = keyNames(sizes.pipelinedWindow);
  const [firstKey] = keys as [string, ...string[]];
  const sessions = await Promise.all(
    Object.entries(servers).map(async ([name, server]) => {
      const [client, publisherSocket, consumer] = await Promise.all([connectRaw(server, transport), connectRaw(server, transport), connectRaw(server, transport)]);
      await prepareKeys(client, keys);
      return { name, client, publisherSocket, consumer, publisher: new FanoutPublisher(publisherSocket, sizes.fanoutBatch, sizes.fanoutCredit) };
    }),
  );
  const runners = <T>(run: (session: (typeof sessions)[number]) => Promise<T>): Record<string, () => Promise<T>> =>
    Object.fromEntries(sessions.map((session) => [session.name, () => run(session)]));
  try {
    const pipelined = await alternate(ctx.rounds, runners((s) => rawPipelined(s.client, keys, sizes.pipelinedTotal)));
    const sequential = await alternate(ctx.rounds, runners((s) => rawSequential(s.client, firstKey, sizes.sequentialCount)));
    const stores = await alternate(ctx.rounds, runners((s) => rawStoreBurst(s.client, sizes.storeBurst)));
    const fanout = await alternate(ctx.rounds, runners((s) => rawFanoutRound(s.publisher, s.consumer, sizes.fanoutEvents).then((r) => r.rate)));
    const row = (id: string, workload: string, unit: string, better: 'higher' | 'lower', figures: Record<string, number[]>): ServerRow => {
      const embedded = sample(figures.embedded as number[]);
      const otherSample = figures.other ? sample(figures.other) : undefined;
      return { id, workload, unit, better, embedded, other: otherSample, ratio: otherSample ? otherSample.median / embedded.median : undefined };
    };
    const pick = (rounds: Record<string, Array<{ p50: number; p99: number }>>, p: 'p50' | 'p99'): Record<string, number[]> =>
      Object.fromEntries(Object.entries(rounds).map(([name, list]) => [name, list.map((round) => round[p])]));
    return {
      transport,
      rows: [
        row('servers.pipelined-retrieve', `Pipelined RETRIEVE (${sizes.pipelinedWindow} in flight)`, 'ops/s', 'higher', pipelined),
        row('servers.sequential.p50', 'Sequential RETRIEVE p50', 'µs', 'lower', pick(sequential, 'p50')),
        row('servers.sequential.p99', 'Sequential RETRIEVE p99', 'µs', 'lower', pick(sequential, 'p99')),
        row('servers.store-burst', 'STORE burst + FLUSH', 'ops/s', 'higher', stores),
        row('servers.fanout', 'Fan-out SET to 1 listener', 'events/s', 'higher', fanout),
      ],
    };
  } finally {
    for (const session of sessions) await Promise.all([session.client.close(), session.publisherSocket.close(), session.consumer.close()]);
  }
}
