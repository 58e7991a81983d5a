/**
 * The micro benchmark's measured program (bundled by ../micro.ts with
 * `#platform` pointing at platform.ts): the SDK's `createClient` and the
 * floor client, each against the in-memory fake server, alternating.
 * @module
 */
import { createClient } from '../../../src/index.js';
import { FloorClient } from '../../lib/floor-client.js';
import { FakeSocket } from './fake-server.js';

const [workload = 'pipelined', roundsText = '15', which = 'both'] = process.argv.slice(2);
const rounds = Number(roundsText);
const WINDOW = 1000;
const TOTAL = 100_000;
const keys = Array.from({ length: WINDOW }, (_, i) => `bench::k${i}`);
const VALUE = 'value-0123456789abcdef0123456789';

interface Reader {
  retrieve(name: string): Promise<string | undefined>;
  store(name: string, value: string): Promise<void>;
  flush(): Promise<void>;
}

async function pipelined(client: Reader): Promise<number> {
  const cpu = process.cpuUsage();
  for (let done = 0; done < TOTAL; done += WINDOW) await Promise.all(keys.map((key) => client.retrieve(key)));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / TOTAL;
}

async function store(client: Reader): Promise<number> {
  const cpu = process.cpuUsage();
  const writes = new Array<Promise<void>>(TOTAL);
  for (let i = 0; i < TOTAL; i++) writes[i] = client.store(keys[i % WINDOW] as string, VALUE);
  const written = Promise.all(writes);
  await client.flush();
  await written;
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / TOTAL;
}

const sdk = await createClient({ path: '/fake', username: 'u', password: 'p' });
const floor = FloorClient.fromSocket(new FakeSocket() as never);
const run = workload === 'store' ? store : pipelined;
const clients: Record<string, Reader> = which === 'both' ? { floor, sdk } : which === 'sdk' ? { sdk } : { floor };
const results: Record<string, number[]> = {};
for (const name of Object.keys(clients)) {
  results[name] = [];
  for (let i = 0; i < 3; i++) await run(clients[name] as Reader);
}
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(clients)) (results[name] as number[]).push(await run(clients[name] as Reader));
}
const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
const line = Object.entries(results).map(([name, list]) => `${name} ${median(list).toFixed(3)} µs/op`);
if (results.sdk && results.floor) line.push(`sdk/floor ${(median(results.sdk) / median(results.floor)).toFixed(3)}`);
console.log(`${workload}: ${line.join('  ')}`);
sdk.destroy();
process.exit(0);
