/**
 * A long-running worker: subscribe, handle each job, ride out server
 * restarts, and shut down gracefully on SIGTERM (or Ctrl-C).
 *
 *   npx tsx examples/worker.ts                 # standalone: its own server and a feeder
 *   CLACKS_URL=clacks+unix://user:pw@localhost/run/clacks.sock npx tsx examples/worker.ts
 *
 * Jobs arrive as `SET Jobs::New=<job id>`; for each one the worker stores
 * `Jobs::Result::<id>` and increments `Jobs::Done`, then announces it with
 * `NOTIFY Jobs::Finished`. Try `clacks set Jobs::New 42` from another shell.
 */
import { createClient, type StatusEvent } from '../src/index.js';
import { exampleServer } from './support/example-server.js';

const target = await exampleServer();
const client = await createClient(target.url, {
  name: 'example-worker',
  waitForServer: 30_000, // a worker may start before its server
});
log(`connected to ${client.server} (${client.serverInfo})`);

// Connection changes, for the log. The client reconnects on its own.
client.on('status', (event: StatusEvent) => {
  if (event.type === 'disconnected') log(`connection lost: ${event.reason.message}`);
  else if (event.type === 'reconnecting') log(`reconnecting (attempt ${event.attempt}, in ${event.delay} ms)`);
  else if (event.type === 'reconnected') log('reconnected');
});
// Refused commands (OVERHEAD E …) and fatal errors.
client.on('error', (error) => log(`error ${error.code}: ${error.message}`));

const jobs = client.subscribe('Jobs::New');
await jobs.ready;
await client.flush();
log('waiting for jobs (SET Jobs::New=<id>); SIGTERM or Ctrl-C stops');

// Graceful shutdown: leave the loop (UNLISTEN), finish the job in hand, close.
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: finishing the current job, then stopping`);
  jobs.unsubscribe();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

// Standalone, nobody else sends jobs: feed a few ourselves from a second client.
const feeder = target.embedded ? await startFeeder(target.url) : undefined;

for await (const event of jobs) {
  if (event.type === 'reconnected') {
    // Signals sent while we were away are lost: a real worker would re-read its queue here.
    log('back online; jobs sent while disconnected were missed');
    continue;
  }
  if (event.type !== 'set') continue;
  await handle(event.value);
}

await feeder?.stop();
await client.close();
await target.close();
log('shut down cleanly');

async function handle(id: string): Promise<void> {
  await client.store(`Jobs::Result::${id}`, `done at ${new Date().toISOString()}`);
  await client.increment('Jobs::Done');
  await client.notify('Jobs::Finished');
  log(`handled job ${id}`);
}

/** Sends a job every 500 ms until stopped. */
async function startFeeder(url: string): Promise<{ stop(): Promise<void> }> {
  const producer = await createClient(url, { name: 'example-feeder' });
  let job = 0;
  const timer = setInterval(() => void producer.set('Jobs::New', String(++job)).catch(() => {}), 500);
  return {
    stop() {
      clearInterval(timer);
      return producer.close();
    },
  };
}

function log(message: string): void {
  console.log(`${new Date().toISOString()} worker: ${message}`);
}
