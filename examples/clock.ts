/**
 * A clock, after the clock example of the Perl distribution: one client
 * sends the time every second (SETANDSTORE, so a newcomer can also read the
 * current value from the cache), another prints it as it arrives.
 *
 *   npx tsx examples/clock.ts                # both, on an embedded server; Ctrl-C stops
 *   npx tsx examples/clock.ts --count 3      # stop after three ticks
 *   CLACKS_URL=... npx tsx examples/clock.ts tick    # only the clock
 *   CLACKS_URL=... npx tsx examples/clock.ts show    # only the display
 */
import { parseArgs } from 'node:util';
import { createClient } from '../src/index.js';
import { exampleServer } from './support/example-server.js';

const CHANNEL = 'Clock::Time';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { count: { type: 'string' } },
});
const mode = positionals[0] ?? 'both';
if (!['both', 'tick', 'show'].includes(mode)) {
  console.error('usage: clock.ts [both|tick|show] [--count N]');
  process.exit(1);
}
const count = args.count === undefined ? Infinity : Number(args.count);

const target = await exampleServer();
const stopper = new AbortController();
process.once('SIGINT', () => stopper.abort());
process.once('SIGTERM', () => stopper.abort());

const display = mode === 'tick' ? undefined : await startDisplay();
const clock = mode === 'show' ? undefined : await startClock();

await Promise.all([display?.done, clock?.done]);
await target.close();
console.log('clock: stopped');

/** Sends the time at every full second, `count` times or until stopped. */
async function startClock(): Promise<{ done: Promise<void> }> {
  const client = await createClient(target.url, { name: 'example-clock' });
  console.log(`clock: sending the time to ${CHANNEL} every second`);
  const done = (async () => {
    for (let ticks = 0; ticks < count && !stopper.signal.aborted; ticks++) {
      await sleepUntilNextSecond(stopper.signal);
      if (stopper.signal.aborted) break;
      const now = new Date().toTimeString().slice(0, 8);
      await client.setAndStore(CHANNEL, now);
      if (mode === 'tick') console.log(`clock: ${now}`);
    }
    // Make sure the last tick reached the server before leaving.
    await client.flush();
    await client.close();
  })();
  return { done };
}

/** Prints the time as it arrives, `count` times or until stopped. */
async function startDisplay(): Promise<{ done: Promise<void> }> {
  const client = await createClient(target.url, { name: 'example-clock-display' });
  const ticks = client.subscribe(CHANNEL);
  await ticks.ready;
  const current = await client.retrieve(CHANNEL); // also: the server has processed LISTEN
  console.log(`display: listening to ${CHANNEL}${current ? ` (last known time ${current})` : ''}`);
  stopper.signal.addEventListener('abort', () => ticks.unsubscribe());
  const done = (async () => {
    let seen = 0;
    for await (const event of ticks) {
      if (event.type === 'set') console.log(`display: the time is ${event.value}`);
      if (event.type === 'set' && ++seen >= count) break;
    }
    await client.close();
  })();
  return { done };
}

function sleepUntilNextSecond(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, 1000 - (Date.now() % 1000));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
