import * as os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // vitest's default is one worker fewer than the cores: one on the 2-core
    // machines this suite is timed on, which leaves a core idle while a test
    // waits on trace-cmd, chromium or a CLI process it spawned
    maxWorkers: Math.max(2, os.availableParallelism()),
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
