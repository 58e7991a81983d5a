import { defineConfig } from 'tsup';

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
    // The `clacks` command: one ESM file with a shebang.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
