import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The integration suites share one MariaDB server and two cores; run files one at a time.
    fileParallelism: false,
  },
});
