/**
 * A CPU profile of one client alone on one workload (the server in its own
 * process, nothing else measured in the window), with its hot functions:
 * what `--profile` shows mixed with the baselines, separated.
 *
 *     npx tsx bench/tools/profile-client.ts pipelined|store|fanout|subscribe [--client sdk|floor] [--rounds 20] [--out FILE]
 * @module
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { connectFloor, connectRaw, connectSdk, FULL_SIZES } from '../lib/context.js';
import { loadSdk } from '../lib/sdk.js';
import { startBenchServer } from '../lib/server.js';
import { collectGarbage, percentile, type Measured } from '../lib/stats.js';
import { FanoutPublisher, keyNames, prepareKeys, sdkEventsRound, sdkPipelined, sdkStoreBurst, sdkSubscribeRound } from '../lib/workloads.js';
import { formatHotFunctions, hotFunctions, type Profile } from './cpuprofile-top.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { client: { type: 'string', default: 'sdk' }, rounds: { type: 'string', default: '20' }, out: { type: 'string' }, top: { type: 'string', default: '30' } },
});
const workload = positionals[0] ?? 'pipelined';
await loadSdk(false);
const server = await startBenchServer(true);
const sizes = FULL_SIZES;
const raw = await connectRaw(server);
const client = values.client === 'floor' ? await connectFloor(server) : await connectSdk(server);
const publisherSocket = await connectRaw(server);
const publisher = new FanoutPublisher(publisherSocket, sizes.fanoutBatch, sizes.fanoutCredit);
const keys = keyNames(sizes.pipelinedWindow);
await prepareKeys(raw, keys);
const run = (): Promise<Measured> => {
  switch (workload) {
    case 'pipelined':
      return sdkPipelined(client, keys, sizes.pipelinedTotal);
    case 'store':
      return sdkStoreBurst(client, sizes.storeBurst);
    case 'fanout':
      return sdkEventsRound(publisher, client, sizes.fanoutEvents);
    case 'subscribe':
      if (!('subscribe' in client)) throw new Error('the floor has no subscribe(): profile it with fanout');
      return sdkSubscribeRound(publisher, client, sizes.fanoutEvents);
    default:
      throw new Error(`unknown workload ${workload}`);
  }
};
for (let i = 0; i < 3; i++) await run(); // warm-up
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
const measured: Measured[] = [];
await session.post('Profiler.start');
for (let i = 0; i < Number(values.rounds); i++) {
  collectGarbage();
  measured.push(await run());
}
const { profile } = await session.post('Profiler.stop');
session.disconnect();
if (values.out) writeFileSync(values.out, JSON.stringify(profile));
console.log(
  `${values.client} ${workload}: ${Math.round(percentile(measured.map((m) => m.rate), 50)).toLocaleString('en')} /s, ${percentile(measured.map((m) => m.cpu), 50).toFixed(3)} µs/op (profiled)`,
);
console.log(formatHotFunctions(hotFunctions(profile as Profile).slice(0, Number(values.top))));
await client.close();
await raw.close();
await publisherSocket.close();
await server.close();
