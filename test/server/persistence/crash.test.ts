/**
 * kill -9 at any moment leaves a file that loads: a child server saves
 * every 10 ms while its cache keeps changing, and is killed at random
 * moments; each time the next server starts from the main file with every
 * key, and removes the temporary file the killed save left behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readEntries, removeScratchDirectories, scratchDirectory } from '../../helpers/persistence.js';
import { startTestServer, stopTestServers } from '../../helpers/server.js';

const CHILD = fileURLToPath(new URL('../../helpers/saving-server.ts', import.meta.url));

/** Runs the saving server until it has saved, lets it run `ms` more, and kills it with SIGKILL. */
async function killWhileSaving(file: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('saving\n')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the saving server did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill('SIGKILL');
  await exited;
}

describe('a crash while saving', () => {
  afterEach(async () => {
    await stopTestServers();
    removeScratchDirectories();
  });

  it('kill -9 at random moments always leaves a main file that loads with every key', async () => {
    const directory = scratchDirectory();
    const file = join(directory, 'p.dat');
    let killedMidSave = 0;
    for (const ms of [0, 37, 120, 260, 410, 75]) {
      await killWhileSaving(file, ms);
      if (readdirSync(directory).some((name) => name.endsWith('.tmp'))) killedMidSave++;
      const entries = await readEntries(file);
      for (let i = 0; i < 10_000; i++) expect(entries.get(`key${i}`)?.deleted, `key${i} after a kill at +${ms} ms`).toBe(false);
    }
    // Saves run back to back: most kills land in the middle of one.
    expect(killedMidSave).toBeGreaterThan(0);
    const logged: string[] = [];
    const next = await startTestServer({ directory, persistFile: file, cacheCleanInterval: 0, logger: (level, message) => logged.push(`${level}: ${message}`) });
    expect(logged.filter((line) => line.startsWith('error:'))).toEqual([]);
    expect(logged.some((line) => line.includes(`from the persistence file ${file}`))).toBe(true);
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await next.server.close();
  }, 300_000);
});
