import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Options } from 'tsup';

/** version.ts imports package.json for its version: bundle that field, not the whole file (scripts, dependencies…). */
const versionOnly: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'package-json-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
      const { version } = JSON.parse(readFileSync(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/** Everything the console page loads, gzipped (level 9), at most. */
const CONSOLE_BUDGET = 100_000;

/**
 * Prints the console page's size: each asset as built and gzipped, and the
 * total a browser loads (the README reports it). Over the budget, the build fails.
 */
function reportConsoleSize(dir = 'dist/console'): void {
  const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;
  let total = 0;
  let totalGzipped = 0;
  const parts: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const body = readFileSync(path.join(dir, name));
    const gzipped = gzipSync(body, { level: 9 }).length;
    total += body.length;
    totalGzipped += gzipped;
    parts.push(`${name} ${kb(body.length)} (${kb(gzipped)} gzipped)`);
  }
  console.log(`console page: ${parts.join(', ')}; in all ${kb(total)}, ${kb(totalGzipped)} gzipped (budget ${kb(CONSOLE_BUDGET)})`);
  if (totalGzipped > CONSOLE_BUDGET) throw new Error(`the console page is ${kb(totalGzipped)} gzipped, over its budget of ${kb(CONSOLE_BUDGET)}`);
}

const library = {
  entry: { index: 'src/index.ts' },
  dts: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
} as const;

export default defineConfig([
  // The library, ESM first.
  { ...library, format: ['esm'] },
  // The CommonJS build bundles the ESM-only runtime dependencies (p-timeout),
  // so `require('net-clacks')` works on every Node 20 release.
  { ...library, format: ['cjs'], noExternal: [/^p-timeout$/] },
  {
    // `net-clacks/browser`: one self-contained ES module with no Node
    // built-ins. The `browser` condition makes `#platform` the browser one,
    // for the code (esbuild) and for the types (customConditions).
    entry: { browser: 'src/browser.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
    platform: 'browser',
    noExternal: [/./],
    esbuildPlugins: [versionOnly],
    dts: {
      compilerOptions: {
        customConditions: ['browser'],
        lib: ['ES2022', 'ESNext.Disposable', 'ESNext.AsyncIterable', 'DOM'],
        types: [],
      },
    },
  },
  {
    // `clacks console`: the page's script and style sheet (the browser build,
    // the page's own code and uPlot, minified, in one file each) and its
    // HTML, in dist/console, which the command serves. Nothing is fetched at
    // run time. The sizes are printed (and bounded) after each build.
    entry: { 'console/console': 'src/console/page/main.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'browser',
    minify: true,
    noExternal: [/./],
    esbuildPlugins: [versionOnly],
    dts: false,
    async onSuccess() {
      copyFileSync('src/console/page/index.html', 'dist/console/index.html');
      reportConsoleSize();
    },
  },
  {
    // The `clacks` command: one ESM file with a shebang.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
