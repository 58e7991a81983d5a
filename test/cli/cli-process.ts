/**
 * Runs the built `clacks` command (dist/cli/main.js) as a child process, as
 * a user would. `ensureBuilt()` builds it first when it is missing or older
 * than the sources; a lock directory keeps parallel test files from building
 * at the same time.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');
/** Every child process gets this long. */
export const CHILD_TIMEOUT = 60_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  try {
    return statSync(CLI).mtimeMs >= Math.max(newestSource(path.join(ROOT, 'src')), statSync(path.join(ROOT, 'package.json')).mtimeMs);
  } catch {
    return false;
  }
}

const buildId = path.join(tmpdir(), `net-clacks-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}`);

/** Whether a test file of this same vitest run (the workers share a parent) built already: never rebuild under a running test. */
function builtThisRun(): boolean {
  try {
    return readFileSync(`${buildId}.stamp`, 'utf8') === String(process.ppid);
  } catch {
    return false;
  }
}

/**
 * Builds dist/ (tsup, in place) unless the CLI is already newer than every
 * source file, or was built earlier in this test run (sources edited since
 * must not swap the CLI under another test file's feet).
 */
export async function ensureBuilt(): Promise<void> {
  if (isFresh() || builtThisRun()) return;
  const lock = `${buildId}.lock`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building; a lock older than the deadline is stale.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 240_000) rmdirSync(lock);
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    if (isFresh() || builtThisRun()) return;
    const result = spawnSync('npx', ['tsup'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    if (result.status !== 0) throw new Error(`build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    writeFileSync(`${buildId}.stamp`, String(process.ppid));
  } finally {
    rmdirSync(lock);
  }
}

/** The environment of a child: no inherited CLACKS_* or colour settings, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['CLACKS_URL', 'CLACKS_PASSWORD', 'CLACKS_HISTORY', 'FORCE_COLOR', 'NO_COLOR']) delete env[name];
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args` to completion. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return runNode([CLI, ...args], options);
}

/** Runs `node ...args` to completion, killing it after CHILD_TIMEOUT. */
export function runNode(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCommand(process.execPath, args, options);
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
}

/** Runs `command ...args` (in the repository root) to completion, killing it after CHILD_TIMEOUT. */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: childEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running child (listen, monitor, shell, an example) whose output can be awaited. */
export class Running {
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;
  readonly child: ChildProcessWithoutNullStreams;
  private readonly waiters = new Set<() => void>();

  /**
   * `lifetime` (default CHILD_TIMEOUT) is how long the child may run before
   * it is killed with SIGKILL; a child that outlives one test (started in a
   * `beforeAll`) needs the whole file's time. A kill by this timer is written
   * at the end of `stderr`, so a failure says why the child went.
   */
  constructor(args: string[], options: { env?: Record<string, string>; cwd?: string; lifetime?: number } = {}) {
    this.child = spawn(process.execPath, args, { cwd: options.cwd ?? ROOT, env: childEnv(options.env) });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    const lifetime = options.lifetime ?? CHILD_TIMEOUT;
    const timer = setTimeout(() => {
      this.stderr += `\n[test harness: killed with SIGKILL after its lifetime of ${lifetime} ms]\n`;
      this.child.kill('SIGKILL');
    }, lifetime);
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Waits until stdout (or stderr) contains `text`; fails with the output so far after `ms`. */
  waitFor(text: string | RegExp, stream: 'stdout' | 'stderr' = 'stdout', ms = CHILD_TIMEOUT): Promise<void> {
    const seen = () => (typeof text === 'string' ? this[stream].includes(text) : text.test(this[stream]));
    return new Promise((resolve, reject) => {
      if (seen()) return resolve();
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${String(text)} on ${stream} within ${ms} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, ms);
      const check = () => {
        if (seen()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`exited before ${String(text)} appeared on ${stream}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
        }
      };
      this.waiters.add(check);
    });
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  kill(signal: NodeJS.Signals = 'SIGINT'): void {
    this.child.kill(signal);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Starts the built CLI as a long-running child. */
export function startCli(args: string[], env: Record<string, string> = {}, options: { lifetime?: number } = {}): Running {
  return new Running([CLI, ...args], { env, ...options });
}

/** Parses one JSON object per line. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
