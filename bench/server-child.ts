/**
 * The embedded server in its own process (the default; `--in-process` runs
 * it in the benchmark's). Prints its addresses as one JSON line when ready;
 * stops when stdin closes. With `--profile`, the benchmark writes
 * `profile-start` and `profile-stop FILE` lines to its stdin around each
 * scenario: the server's own CPU profile, answered by `profiled FILE`.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { importFrom } from './lib/sdk.js';
import { startEmbedded, type ServerSpec } from './lib/server.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
await importFrom(spec.sdkLocation, spec.sdkSource);
const server = await startEmbedded(spec);
process.stdout.write(`${JSON.stringify(server.addresses)}\n`);
let session: Session | undefined;
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  void (async () => {
    if (line === 'profile-start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
      process.stdout.write('profiling\n');
    } else if (line.startsWith('profile-stop ') && session) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      const file = line.slice('profile-stop '.length);
      writeFileSync(file, JSON.stringify(profile));
      process.stdout.write(`profiled ${file}\n`);
    }
  })();
});
commands.on('close', () => {
  void server.close().then(() => process.exit(0));
});
