/**
 * Client attack 10: a slow subscriber, in its own process so its RSS is its
 * own. It subscribes through the SDK with default options and takes one
 * event a second; it samples its RSS every 10 ms and prints the peak (one
 * JSON line) when stdin ends. If it dies first, its parent says so.
 * @module
 */
import { importFrom, sdk } from '../lib/sdk.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as { path: string; username: string; password: string; name: string; sdkLocation: string; sdkSource: string };
await importFrom(spec.sdkLocation, spec.sdkSource);
const baseline = process.memoryUsage().rss;
let peak = baseline;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10).unref();

const client = await sdk().client.createClient({ path: spec.path, username: spec.username, password: spec.password, name: 'abuse-slow-subscriber' });
const subscription = client.subscribe(spec.name);
await subscription.ready;
process.stdout.write('ready\n');
let taken = 0;
process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(`${JSON.stringify({ baseline, peak, taken })}\n`);
  process.exit(0);
});
for await (const _event of subscription) {
  taken++;
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
