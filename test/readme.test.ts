/**
 * Every ```ts block of README.md runs, as written, against the embedded
 * server (through CLACKS_URL), importing the built package by its name, and
 * leaves no temporary files behind (users copy these examples).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, type TestEnv } from './helpers/client-env.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const workDir = path.join(root, 'test', '.readme-run');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');

let env: TestEnv;
beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'index.js'))) await run('npm', ['run', 'build'], { cwd: root });
  mkdirSync(workDir, { recursive: true });
  env = await startEnv();
}, 120_000);
afterAll(async () => {
  await env?.dispose();
  rmSync(workDir, { recursive: true, force: true });
});

describe('README examples', () => {
  it('has runnable examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it.each(blocks.map((code, index) => [index + 1, code] as const))('example %i runs', async (index, code) => {
    const file = path.join(workDir, `example-${index}.mts`);
    writeFileSync(file, code);
    const url = `clacks+unix://exampleuser:unsafepassword@localhost${env.socketPath}`;
    const tmp = path.join(workDir, `tmp-${index}`);
    mkdirSync(tmp, { recursive: true });
    const { stdout } = await run(path.join(root, 'node_modules', '.bin', 'tsx'), [file], {
      cwd: root,
      env: { ...process.env, CLACKS_URL: url, TMPDIR: tmp },
      timeout: 60_000,
    });
    expect(typeof stdout).toBe('string');
    // tsx keeps its compile cache there; anything else was left by the example.
    expect(readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });
});
