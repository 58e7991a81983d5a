/**
 * `--profile`: a V8 CPU profile of each scenario alone (not of start-up and
 * the build), written as `profile-<scenario>.cpuprofile` beside the results
 * (open it in Chrome DevTools, or summarise it with bench/tools/cpuprofile-top.ts).
 * With the server in its own process (the default) it is profiled too, in a
 * file of its own; with `--in-process` its work shows in the one profile.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { formatHotFunctions, hotFunctions, type Profile } from '../tools/cpuprofile-top.js';
import type { BenchServer } from './server.js';

/**
 * Profiles `run` in this process, and in the server's when it has its own
 * (`profile-<name>.server.cpuprofile`): where the server's time goes.
 */
export async function profiled(
  name: string,
  outDir: string,
  run: () => Promise<void>,
  log: (message: string) => void,
  server?: BenchServer,
): Promise<void> {
  const stopServer = await server?.profile?.();
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
    if (stopServer) {
      const serverFile = join(outDir, `profile-${name}.server.cpuprofile`);
      await stopServer(serverFile);
      const serverProfile = JSON.parse(readFileSync(serverFile, 'utf8')) as Profile;
      log(`${name}: the server's CPU profile in ${serverFile}; hottest functions:\n${formatHotFunctions(hotFunctions(serverProfile).slice(0, 15))}`);
    }
  }
}
