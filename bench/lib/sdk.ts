/**
 * Which SDK build the benchmark measures. By default src/ is compiled the way
 * the package ships it (tsup, ESM, node20) into node_modules/.cache, because
 * tsx, which runs the benchmark itself, compiles with esbuild's `keepNames`:
 * a `__name()` call (Object.defineProperty) per closure created, which costs
 * the SDK's per-request closures several percent that users never pay.
 * `--source` measures src/ through tsx instead.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ClientModule from '../../src/index.js';
import type * as ServerModule from '../../src/server/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_DIR = join(REPO_ROOT, 'node_modules/.cache/net-clacks-bench/sdk');

export interface Sdk {
  client: typeof ClientModule;
  server: typeof ServerModule;
  /** `tsup build of src/` or `src/ via tsx`, with why, when it fell back. */
  source: string;
  /** The directory imported from (given to a server child process). */
  location: string;
}

let loaded: Sdk | undefined;

/** The SDK loaded by {@link loadSdk}. */
export function sdk(): Sdk {
  if (!loaded) throw new Error('loadSdk() has not run');
  return loaded;
}

/**
 * Builds the client and the server of the tree at `root` (its src/ and
 * package.json) with tsup into `outDir`, as the package ships them; returns
 * tsup's error output when it failed, undefined on success.
 */
export function buildSdk(root: string, outDir: string): string | undefined {
  rmSync(outDir, { recursive: true, force: true });
  const tsup = join(REPO_ROOT, 'node_modules/.bin/tsup');
  const build = spawnSync(
    tsup,
    ['src/index.ts', 'src/server/index.ts', '--format', 'esm', '--target', 'node20', '--platform', 'node', '--out-dir', outDir, '--no-config', '--silent'],
    { cwd: root, encoding: 'utf8' },
  );
  if (build.status === 0 && existsSync(join(outDir, 'index.js'))) return undefined;
  return (build.stderr || build.error?.message || 'tsup failed').trim();
}

/** Builds src/ with tsup (about a second) and imports it; `fromSource` skips the build. */
export async function loadSdk(fromSource: boolean, log: (message: string) => void = () => {}): Promise<Sdk> {
  if (!fromSource) {
    const failure = buildSdk(REPO_ROOT, BUILD_DIR);
    if (failure === undefined) {
      loaded = await importFrom(BUILD_DIR, 'tsup build of src/ (as shipped)');
      return loaded;
    }
    log(`tsup build failed (${failure.split('\n')[0]}); measuring src/ through tsx instead`);
    loaded = await importFrom(join(REPO_ROOT, 'src'), 'src/ via tsx (the tsup build failed)');
    return loaded;
  }
  loaded = await importFrom(join(REPO_ROOT, 'src'), 'src/ via tsx (--source)');
  return loaded;
}

/** Imports the client and the server from a build directory or from src/. */
export async function importFrom(location: string, source: string): Promise<Sdk> {
  const ext = location.endsWith('src') ? 'ts' : 'js';
  const client = (await import(pathToFileURL(join(location, `index.${ext}`)).href)) as typeof ClientModule;
  const server = (await import(pathToFileURL(join(location, 'server', `index.${ext}`)).href)) as typeof ServerModule;
  loaded = { client, server, source, location };
  return loaded;
}
