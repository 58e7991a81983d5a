import { readFileSync } from 'node:fs';
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
    // The `clacks` command: one ESM file with a shebang.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
