/**
 * `--abuse`: the embedded server in its own process, with default limits,
 * so its memory is its own. It samples its RSS every 10 ms and answers
 * JSON-line commands on stdin: `reset` (GC, then a new baseline and peaks),
 * `report` (RSS baseline and peak, the server's own accounting and stats,
 * what it logged). Its log is counted, not printed. Works against servers
 * without `usage()` (the code before issue 10): accounting is then null.
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { importFrom, sdk } from '../lib/sdk.js';
import { ABUSE_USERS, type AbuseServerSpec, type ServerReport } from './protocol.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const spec = JSON.parse(process.argv[2] ?? '{}') as AbuseServerSpec;
await importFrom(spec.sdkLocation, spec.sdkSource);
const log = { lines: 0, bytes: 0 };
const server = await sdk().server.startServer({
  users: ABUSE_USERS,
  listeners: [{ socketPath: spec.socketPath }, { host: '127.0.0.1', port: 0, tls: { cert: spec.cert, key: spec.key } }],
  // The probe and the attackers never PING; the attacks are about memory, not about idling.
  pingTimeout: 0,
  nopInterval: 0,
  logger: (_level, message) => {
    log.lines++;
    log.bytes += Buffer.byteLength(message) + 1;
  },
});

type Usage = { input: { peakBytes: number }; output: { peakBytes: number } };
const usageOf = (reset: boolean): Usage | null => {
  const usage = (server as { usage?: (options?: { resetPeaks?: boolean }) => Usage }).usage;
  return typeof usage === 'function' ? usage.call(server, { resetPeaks: reset }) : null;
};

// How long the server's own event loop was held up (10 ms resolution): what the server's code costs, apart from the machine.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

let baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10).unref();

const reply = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
reply({ ready: true, addresses: server.addresses });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as { cmd: 'reset' | 'report' };
  if (command.cmd === 'reset') {
    gc();
    usageOf(true);
    baselineRss = process.memoryUsage().rss;
    peakRss = baselineRss;
    log.lines = 0;
    log.bytes = 0;
    loopDelay.reset();
    reply({ ok: true, rss: baselineRss });
  } else {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const usage = usageOf(false);
    const report: ServerReport = {
      baselineRss,
      peakRss,
      rss: process.memoryUsage().rss,
      peakInput: usage?.input.peakBytes ?? null,
      peakOutput: usage?.output.peakBytes ?? null,
      stats: JSON.parse(JSON.stringify(server.stats)) as Record<string, unknown>,
      log: { ...log },
      loopDelay: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    };
    reply(report);
  }
});
lines.on('close', () => void server.close().then(() => process.exit(0)));
