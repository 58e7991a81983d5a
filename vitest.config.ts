import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real sockets and real servers: keep the shared 2-core machine calm.
    pool: 'forks',
    maxWorkers: 2,
  },
});
