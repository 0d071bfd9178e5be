import { defineConfig } from 'vitest/config';
import { AlphabeticalSequencer } from './test/support/sequencer.js';

// One fork, files in name order (`zz-summary` last), long timeouts: every suite drives a real API process,
// real MariaDB and the fake Tilled, and the machine has two cores shared with other engineers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    isolate: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    globalSetup: ['./test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    sequence: { sequencer: AlphabeticalSequencer },
  },
});
