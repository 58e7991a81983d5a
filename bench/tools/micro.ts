/**
 * A micro benchmark of the client's own CPU per operation, free of sockets,
 * kernel and server: the SDK (built from src/ with esbuild, as tsup would,
 * with `#platform` given an in-memory transport) and the floor client, both
 * against an in-memory fake server (micro/fake-server.ts), alternating.
 * Much steadier than the socket benchmark on a loaded machine, and
 * repeatable under `valgrind --tool=callgrind` (--no-run prints the bundle's path).
 *
 *     npx tsx bench/tools/micro.ts [pipelined|store] [rounds] [both|sdk|floor] [--no-run]
 * @module
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../lib/sdk.js';

const args = process.argv.slice(2).filter((arg) => arg !== '--no-run');
const outfile = join(REPO_ROOT, 'node_modules/.cache/net-clacks-bench/micro/entry.mjs');
await build({
  entryPoints: [join(REPO_ROOT, 'bench/tools/micro/entry.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile,
  packages: 'external',
  logLevel: 'warning',
  plugins: [
    {
      name: 'fake-platform',
      setup(builder) {
        builder.onResolve({ filter: /^#platform$/ }, () => ({ path: join(REPO_ROOT, 'bench/tools/micro/platform.ts') }));
      },
    },
  ],
});
if (process.argv.includes('--no-run')) console.log(outfile);
else spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
