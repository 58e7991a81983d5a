/**
 * The demo that `npm start` runs: an embedded server, a worker that
 * subscribes and counts in the cache, a producer, and a server restart that
 * the clients ride out by themselves.
 *
 *   npx tsx examples/demo.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCache, createClient, startServer, type ClacksClient, type ServerOptions } from '../src/index.js';
import { exitIfStuck } from './support/example-server.js';

exitIfStuck(30_000, 'The demo');

const dir = mkdtempSync(path.join(tmpdir(), 'clacks-demo-'));
const socketPath = path.join(dir, 'clacks.sock');
const serverOptions: ServerOptions = {
  socketPath,
  users: [{ username: 'demo', password: 'demo' }],
  // The server saves its cache when it shuts down and loads it when it starts.
  persistFile: path.join(dir, 'cache.json'),
};
const url = `clacks+unix://demo:demo@localhost${socketPath}`;

/** Counts what the worker has seen, so the demo can wait for it instead of sleeping. */
class Progress {
  private readonly counts = new Map<string, number>();
  private readonly waiters: Array<() => void> = [];
  add(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
    for (const wake of this.waiters.splice(0)) wake();
  }
  async until(what: string, count: number): Promise<void> {
    while ((this.counts.get(what) ?? 0) < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
const progress = new Progress();

// 1. A server ----------------------------------------------------------------
let server = await startServer(serverOptions);
console.log(`1. Started an embedded Clacks server on ${socketPath}`);

// 2. A worker ----------------------------------------------------------------
const worker = await createClient(url, { name: 'demo-worker' });
const cache = createCache(worker); // shares the worker's connection
const jobs = worker.subscribe(['Demo::Job', 'Demo::Ping']);
await jobs.ready;
await worker.flush(); // the server has processed LISTEN
console.log('2. The worker is connected and listens to Demo::Job and Demo::Ping (with `for await`).');

const workerDone = (async () => {
  for await (const event of jobs) {
    if (event.type === 'set') {
      const done = await cache.incr('demo::jobs-done');
      console.log(`   worker: handled ${event.value} (jobs done, counted in the cache: ${done})`);
      progress.add('job');
    } else if (event.type === 'notify') {
      console.log(`   worker: ${event.name} was notified`);
      progress.add('ping');
    } else {
      // A gap marker: LISTEN was already sent again by the client; signals sent meanwhile were missed.
      await worker.flush();
      console.log('   worker: reconnected; the subscription is back without calling listen() again');
      progress.add('reconnected');
    }
  }
})();

// 3. A producer --------------------------------------------------------------
const producer = await createClient(url, { name: 'demo-producer' });
console.log('3. The producer sends three jobs (SET), a NOTIFY, and counts them with INCREMENT.');
for (let job = 1; job <= 3; job++) {
  await producer.set('Demo::Job', `job-${job}`);
  await producer.increment('demo::jobs-sent');
}
await producer.notify('Demo::Ping');
await progress.until('job', 3);
await progress.until('ping', 1);

// 4. A server restart ----------------------------------------------------------
console.log('4. Restarting the server. It sends QUIT to every client; they reconnect by themselves.');
const producerBack = reconnected(producer);
await server.close();
console.log('   server: stopped (its cache was saved to disk)');
server = await startServer(serverOptions);
console.log('   server: started again on the same socket (and loaded the cache)');
await producerBack;
console.log('   producer: reconnected');
await progress.until('reconnected', 1);

// 5. Business as usual --------------------------------------------------------
console.log('5. The producer sends two more jobs; the worker receives them.');
for (let job = 4; job <= 5; job++) {
  await producer.set('Demo::Job', `job-${job}`);
  await producer.increment('demo::jobs-sent');
}
await progress.until('job', 5);
console.log(`   cache: demo::jobs-sent = ${await producer.retrieve('demo::jobs-sent')}, demo::jobs-done = ${await cache.get('demo::jobs-done')}`);

// 6. A clean shutdown ------------------------------------------------------------
console.log('6. Shutting down: unsubscribe (UNLISTEN), close both clients (QUIT), stop the server.');
jobs.unsubscribe();
await workerDone;
await Promise.all([worker.close(), producer.close()]);
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log('Done. Read examples/README.md for more examples.');

/** Resolves when `client` reports that it is connected again. */
function reconnected(client: ClacksClient): Promise<void> {
  return new Promise((resolve) => {
    const onStatus = (event: { type: string }) => {
      if (event.type !== 'reconnected') return;
      client.off('status', onStatus);
      resolve();
    };
    client.on('status', onStatus);
  });
}
