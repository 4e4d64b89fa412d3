import * as os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // vitest's default is one worker fewer than the cores: one on the 2-core
    // machines this suite is timed on, which leaves a core idle while a test
    // waits on trace-cmd, chromium or a CLI process it spawned; one more worker
    // than cores keeps both busy (2 workers: 300 s, 3: 227 s, 2026-12-06)
    maxWorkers: Math.max(3, os.availableParallelism() + 1),
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
