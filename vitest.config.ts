import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites start their own redis-server and SMTP sink; two cores, so keep files sequential-ish.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
