/**
 * `--profile`: a V8 CPU profile of each scenario alone (not of start-up and
 * the build), written as `profile-<scenario>.cpuprofile` beside the results
 * (open it in Chrome DevTools, or summarise it with bench/tools/cpuprofile-top.ts).
 * With the server in this process its work shows too; add `--server-process`
 * to see the client alone.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { formatHotFunctions, hotFunctions, type Profile } from '../tools/cpuprofile-top.js';

export async function profiled(name: string, outDir: string, run: () => Promise<void>, log: (message: string) => void): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = join(outDir, `profile-${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    log(`${name}: CPU profile in ${file}; hottest functions (percent of busy time):\n${formatHotFunctions(hotFunctions(profile as Profile).slice(0, 15))}`);
  }
}
