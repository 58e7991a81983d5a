/**
 * `clacks serve` from the sources (through the tsx loader, so no build is
 * needed) as a child process, in any working directory: the reference's
 * config files name their files relative to it.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { ROOT, Running, runNode, type CliResult, type RunOptions } from '../cli/cli-process.js';

const SOURCE_CLI = ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, path.join(ROOT, 'src/cli/main.ts')];

/** A long-running `clacks serve …`; stop it with `kill()` and await `exited`. */
export function startServe(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Running {
  return new Running([...SOURCE_CLI, 'serve', ...args], options);
}

/** `clacks serve …` that is expected to exit by itself (bad input, --print-config). */
export function runServe(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runNode([...SOURCE_CLI, 'serve', ...args], options);
}
