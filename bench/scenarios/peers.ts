/**
 * The peers side by side (`--peers`): a redis-server of its own on a Unix
 * socket, driven by ioredis (as configured by default, and with
 * `enableAutoPipelining`), node-redis and a raw RESP baseline, beside the
 * raw Clacks baseline and net-clacks against the embedded server, on the
 * same workloads: pipelined GET / RETRIEVE in windows of 1,000, sequential
 * latency, a SET / STORE burst, and PUBLISH / SET fan-out to one
 * subscriber. Every runner of a workload alternates round by round with the
 * others. Figures: each client's rate and this process's CPU per operation
 * (both servers run in processes of their own), and each server's raw
 * throughput (the raw baselines: embedded Clacks against redis-server).
 * @module
 */
import type { RedisClientType } from 'redis';
import { connectRaw, connectSdk, type Context } from '../lib/context.js';
import { closeRawResp, connectRawResp, respCommand, startRedis, type RedisServer } from '../lib/redis.js';
import { alternate, sample, stopwatch, type Measured, type Sample } from '../lib/stats.js';
import {
  END_NAME,
  FANOUT_NAME,
  FANOUT_VALUE,
  FanoutPublisher,
  keyNames,
  latency,
  prepareKeys,
  Progress,
  rawFanoutRound,
  rawPipelined,
  rawSequential,
  rawStoreBurst,
  sdkEventsRound,
  sdkPipelined,
  sdkSequential,
  sdkStoreBurst,
  VALUE,
  type FanoutRound,
  type Latency,
} from '../lib/workloads.js';

/** One client's figures on one workload. */
export interface PeerFigure {
  client: string;
  /** `resp` (redis-server) or `clacks` (the embedded server). */
  server: 'redis' | 'clacks';
  /** ops/s, events/s, or µs (latency). */
  figure: Sample;
  /** CPU of this process per operation, µs. */
  cpu: Sample;
}

export interface PeerWorkload {
  id: string;
  workload: string;
  unit: string;
  better: 'higher' | 'lower';
  clients: PeerFigure[];
  /** The embedded server's raw figure / redis-server's (for `lower` units, redis / embedded): above 1 the embedded server is faster. */
  serverRatio: number;
  /** Whether net-clacks used the least CPU per operation of the clients that have an API (not the raw baselines). */
  leanest: boolean;
}

export interface PeersReport {
  redisVersion: string;
  workloads: PeerWorkload[];
}

const RAW_RESP = 'raw RESP';
const RAW_CLACKS = 'raw Clacks';
const SDK = 'net-clacks';
/** Clients with an API, compared on CPU per operation. */
const API_CLIENTS = new Set(['ioredis', 'ioredis (autoPipelining)', 'node-redis', SDK]);
/** LF bytes per reply: `$32\r\n<value>\r\n`, `+OK\r\n`, a pub/sub message `*3 $7 message $n channel $n payload`. */
const LF_PER_GET = 2;
const LF_PER_MESSAGE = 7;

export async function peers(ctx: Context, executable: string): Promise<PeersReport> {
  const { sizes } = ctx;
  // Six clients on four workloads: at most 5 rounds, so that the section stays within a few minutes.
  const peerRounds = Math.min(ctx.rounds, 5);
  const keys = keyNames(sizes.pipelinedWindow);
  const [firstKey] = keys as [string, ...string[]];
  const redis: RedisServer = await startRedis(executable);
  ctx.log(`peers: redis-server ${redis.version} on ${redis.path}`);
  const { Redis } = await import('ioredis');
  const { createClient } = await import('redis');
  const closers: Array<() => Promise<unknown> | void> = [];
  try {
    // redis-server: the raw baseline (a command connection, a publisher, a subscriber) and the clients.
    const respRaw = await connectRawResp(redis.path);
    const respPublisherSocket = await connectRawResp(redis.path);
    const respSubscriber = await connectRawResp(redis.path);
    closers.push(() => closeRawResp(respRaw), () => closeRawResp(respPublisherSocket), () => closeRawResp(respSubscriber));
    const ioredis = new Redis({ path: redis.path, lazyConnect: true });
    const ioredisAuto = new Redis({ path: redis.path, lazyConnect: true, enableAutoPipelining: true });
    const ioredisSub = new Redis({ path: redis.path, lazyConnect: true });
    await Promise.all([ioredis.connect(), ioredisAuto.connect(), ioredisSub.connect()]);
    closers.push(() => ioredis.quit(), () => ioredisAuto.quit(), () => ioredisSub.quit());
    // node-redis gives every command a 5 s deadline by default; a burst of 100,000 SETs on a
    // loaded machine outlasts it. 30 s, as net-clacks's default request deadline.
    const nodeRedis = createClient({ socket: { path: redis.path, tls: false }, commandOptions: { timeout: 30_000 } }) as RedisClientType;
    const nodeRedisSub = nodeRedis.duplicate();
    await Promise.all([nodeRedis.connect(), nodeRedisSub.connect()]);
    closers.push(() => nodeRedis.close(), () => nodeRedisSub.close());
    // The embedded server.
    const clacksRaw = await connectRaw(ctx.server);
    const clacksPublisherSocket = await connectRaw(ctx.server);
    const clacksConsumer = await connectRaw(ctx.server);
    const sdk = await connectSdk(ctx.server);
    closers.push(() => sdk.close(), () => clacksRaw.close(), () => clacksPublisherSocket.close(), () => clacksConsumer.close());

    await respRaw.roundTrip(keys.map((key) => respCommand('SET', key, VALUE)).join(''), keys.length);
    await prepareKeys(clacksRaw, keys);
    if ((await ioredis.get(firstKey)) !== VALUE || (await nodeRedis.get(firstKey)) !== VALUE) throw new Error('peers: the prepared keys are missing');

    type Clients = Record<string, { server: 'redis' | 'clacks'; run: () => Promise<Measured> }>;
    const measure = async (clients: Clients): Promise<Array<{ client: string; server: 'redis' | 'clacks'; rounds: Measured[] }>> => {
      const rounds = await alternate<string, Measured>(peerRounds, Object.fromEntries(Object.entries(clients).map(([name, client]) => [name, client.run])));
      return Object.entries(clients).map(([name, client]) => ({ client: name, server: client.server, rounds: rounds[name] as Measured[] }));
    };

    // ---------------------------------------------------------------- pipelined reads
    const getWindow = Buffer.from(keys.map((key) => respCommand('GET', key)).join(''));
    const pipelinedWith = async (get: (key: string) => Promise<unknown>): Promise<Measured> => {
      const clock = stopwatch();
      for (let done = 0; done < sizes.pipelinedTotal; done += keys.length) await Promise.all(keys.map(get));
      return clock.stop(sizes.pipelinedTotal);
    };
    const pipelined = await measure({
      [RAW_RESP]: {
        server: 'redis',
        run: async () => {
          const clock = stopwatch();
          for (let done = 0; done < sizes.pipelinedTotal; done += keys.length) await respRaw.roundTrip(getWindow, keys.length * LF_PER_GET);
          return clock.stop(sizes.pipelinedTotal);
        },
      },
      ioredis: { server: 'redis', run: () => pipelinedWith((key) => ioredis.get(key)) },
      'ioredis (autoPipelining)': { server: 'redis', run: () => pipelinedWith((key) => ioredisAuto.get(key)) },
      'node-redis': { server: 'redis', run: () => pipelinedWith((key) => nodeRedis.get(key)) },
      [RAW_CLACKS]: { server: 'clacks', run: () => rawPipelined(clacksRaw, keys, sizes.pipelinedTotal) },
      [SDK]: { server: 'clacks', run: () => sdkPipelined(sdk, keys, sizes.pipelinedTotal) },
    });

    // ---------------------------------------------------------------- sequential latency
    const getOne = Buffer.from(respCommand('GET', firstKey));
    const sequentialWith = async (get: () => Promise<unknown>): Promise<Latency> => {
      const times = new Array<number>(sizes.sequentialCount);
      const clock = stopwatch();
      for (let i = 0; i < sizes.sequentialCount; i++) {
        const start = performance.now();
        await get();
        times[i] = performance.now() - start;
      }
      return latency(times, clock.stop(sizes.sequentialCount));
    };
    const sequentialRunners: Record<string, { server: 'redis' | 'clacks'; run: () => Promise<Latency> }> = {
      [RAW_RESP]: { server: 'redis', run: () => sequentialWith(() => respRaw.roundTrip(getOne, LF_PER_GET)) },
      ioredis: { server: 'redis', run: () => sequentialWith(() => ioredis.get(firstKey)) },
      'ioredis (autoPipelining)': { server: 'redis', run: () => sequentialWith(() => ioredisAuto.get(firstKey)) },
      'node-redis': { server: 'redis', run: () => sequentialWith(() => nodeRedis.get(firstKey)) },
      [RAW_CLACKS]: { server: 'clacks', run: () => rawSequential(clacksRaw, firstKey, sizes.sequentialCount) },
      [SDK]: { server: 'clacks', run: () => sdkSequential(sdk, firstKey, sizes.sequentialCount) },
    };
    const sequentialRounds = await alternate<string, Latency>(
      peerRounds,
      Object.fromEntries(Object.entries(sequentialRunners).map(([name, client]) => [name, client.run])),
    );

    // ---------------------------------------------------------------- write burst
    const setNames = keyNames(1000, 'bench::s');
    let setText = '';
    for (let i = 0; i < sizes.storeBurst; i++) setText += respCommand('SET', setNames[i % 1000] as string, VALUE);
    const setBurst = Buffer.from(setText);
    const burstWith = async (set: (key: string, value: string) => Promise<unknown>): Promise<Measured> => {
      const clock = stopwatch();
      const writes = new Array<Promise<unknown>>(sizes.storeBurst);
      for (let i = 0; i < sizes.storeBurst; i++) writes[i] = set(setNames[i % 1000] as string, VALUE);
      await Promise.all(writes);
      return clock.stop(sizes.storeBurst);
    };
    const burst = await measure({
      [RAW_RESP]: {
        server: 'redis',
        run: async () => {
          const clock = stopwatch();
          await respRaw.roundTrip(setBurst, sizes.storeBurst);
          return clock.stop(sizes.storeBurst);
        },
      },
      ioredis: { server: 'redis', run: () => burstWith((key, value) => ioredis.set(key, value)) },
      'ioredis (autoPipelining)': { server: 'redis', run: () => burstWith((key, value) => ioredisAuto.set(key, value)) },
      'node-redis': { server: 'redis', run: () => burstWith((key, value) => nodeRedis.set(key, value)) },
      [RAW_CLACKS]: { server: 'clacks', run: () => rawStoreBurst(clacksRaw, sizes.storeBurst) },
      [SDK]: { server: 'clacks', run: () => sdkStoreBurst(sdk, sizes.storeBurst) },
    });

    // ---------------------------------------------------------------- fan-out to one subscriber
    // Each Redis subscriber has channels of its own, subscribed once, so that
    // none of them hears (and spends this process's CPU on) another's round.
    const channels = (client: string): { fan: string; end: string } => ({ fan: `${FANOUT_NAME}::${client}`, end: `${END_NAME}::${client}` });
    const respPublisherFor = (client: string): FanoutPublisher => {
      const { fan, end } = channels(client);
      return new FanoutPublisher(respPublisherSocket, sizes.fanoutBatch, sizes.fanoutCredit, {
        event: respCommand('PUBLISH', fan, FANOUT_VALUE),
        end: respCommand('PUBLISH', end, 'end'),
      });
    };
    const clacksPublisher = new FanoutPublisher(clacksPublisherSocket, sizes.fanoutBatch, sizes.fanoutCredit);
    // SUBSCRIBE confirms each channel with `*3 $9 subscribe $n channel :n` (6 LF bytes).
    await respSubscriber.roundTrip(respCommand('SUBSCRIBE', channels('raw').fan, channels('raw').end), 12);
    const callbacks: Record<string, (channel: string) => void> = {};
    ioredisSub.on('message', (channel: string) => callbacks.ioredis?.(channel));
    await ioredisSub.subscribe(channels('ioredis').fan, channels('ioredis').end);
    await nodeRedisSub.subscribe([channels('node-redis').fan, channels('node-redis').end], (_message: string, channel: string) => callbacks['node-redis']?.(channel));
    const callbackRound = (client: string): (() => Promise<FanoutRound>) => {
      const publisher = respPublisherFor(client);
      const fan = channels(client).fan;
      return async () => {
        const progress = new Progress(() => 0);
        let finish!: () => void;
        const ended = new Promise<void>((resolve) => (finish = resolve));
        callbacks[client] = (channel) => {
          if (channel === fan) progress.advance();
          else finish();
        };
        return publisher.run(sizes.fanoutEvents, {
          reached: (n) => progress.reached(n),
          finished: async () => {
            await ended;
            progress.release();
            return { received: progress.count, dropped: 0 };
          },
        });
      };
    };
    const rawRespPublisher = respPublisherFor('raw');
    const total = rawRespPublisher.totalFor(sizes.fanoutEvents);
    const fanout = await measure({
      [RAW_RESP]: {
        server: 'redis',
        run: () => {
          const base = respSubscriber.lines;
          return rawRespPublisher.run(sizes.fanoutEvents, {
            reached: (n) => respSubscriber.waitLines(base + n * LF_PER_MESSAGE),
            finished: async () => {
              await respSubscriber.waitLines(base + (total + 1) * LF_PER_MESSAGE);
              return { received: total, dropped: 0 };
            },
          });
        },
      },
      ioredis: { server: 'redis', run: callbackRound('ioredis') },
      'node-redis': { server: 'redis', run: callbackRound('node-redis') },
      [RAW_CLACKS]: { server: 'clacks', run: () => rawFanoutRound(clacksPublisher, clacksConsumer, sizes.fanoutEvents) },
      [SDK]: { server: 'clacks', run: () => sdkEventsRound(clacksPublisher, sdk, sizes.fanoutEvents) },
    });

    const workload = (id: string, name: string, unit: string, better: 'higher' | 'lower', clients: PeerFigure[]): PeerWorkload => {
      const figureOf = (client: string): number => clients.find((figure) => figure.client === client)?.figure.median ?? Number.NaN;
      const ratio = better === 'higher' ? figureOf(RAW_CLACKS) / figureOf(RAW_RESP) : figureOf(RAW_RESP) / figureOf(RAW_CLACKS);
      const withApi = clients.filter((figure) => API_CLIENTS.has(figure.client));
      const ours = withApi.find((figure) => figure.client === SDK)?.cpu.median ?? Infinity;
      const leanest = withApi.every((figure) => figure.client === SDK || figure.cpu.median > ours);
      return { id, workload: name, unit, better, clients, serverRatio: ratio, leanest };
    };
    const throughput = (list: Array<{ client: string; server: 'redis' | 'clacks'; rounds: Measured[] }>): PeerFigure[] =>
      list.map(({ client, server, rounds }) => ({ client, server, figure: sample(rounds.map((r) => r.rate)), cpu: sample(rounds.map((r) => r.cpu)) }));
    const sequentialFigures = (p: 'p50' | 'p99'): PeerFigure[] =>
      Object.entries(sequentialRunners).map(([client, { server }]) => {
        const rounds = sequentialRounds[client] as Latency[];
        return { client, server, figure: sample(rounds.map((r) => r[p])), cpu: sample(rounds.map((r) => r.cpu)) };
      });
    return {
      redisVersion: redis.version,
      workloads: [
        workload('peers.pipelined', `Pipelined GET / RETRIEVE (${sizes.pipelinedWindow.toLocaleString('en')} in flight)`, 'ops/s', 'higher', throughput(pipelined)),
        workload('peers.sequential.p50', 'Sequential GET / RETRIEVE p50', 'µs', 'lower', sequentialFigures('p50')),
        workload('peers.sequential.p99', 'Sequential GET / RETRIEVE p99', 'µs', 'lower', sequentialFigures('p99')),
        workload('peers.burst', `SET / STORE burst (${sizes.storeBurst.toLocaleString('en')})`, 'ops/s', 'higher', throughput(burst)),
        workload('peers.fanout', 'PUBLISH / SET to 1 subscriber', 'events/s', 'higher', throughput(fanout)),
      ],
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
    await redis.close();
  }
}
