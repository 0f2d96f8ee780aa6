import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'build/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e tests start real peers on fixed loopback ports of their own; the machine has 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
