import * as os from 'node:os';
import { defineConfig } from 'vitest/config';

const timeouts = { testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // vitest's default is one worker fewer than the cores: one on the 2-core
    // machines this suite is timed on, which leaves a core idle while a test
    // waits on trace-cmd, chromium or a CLI process it spawned; one more worker
    // than cores keeps both busy (2 workers: 300 s, 3: 227 s, 2026-12-06)
    maxWorkers: Math.max(3, os.availableParallelism() + 1),
    projects: [
      { test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/notebooks.test.ts'], ...timeouts, sequence: { groupOrder: 0 } } },
      // the notebooks run after the rest, alone: the kernel's displays go out on a ZeroMQ
      // PUB socket, which may drop a message for a reader that falls behind (RFC 29), and
      // with two other workers on two cores one display went missing (2026-12-06); the
      // test fails on a lost display, naming the cell, rather than retrying the notebook
      { test: { name: 'notebooks', include: ['test/notebooks.test.ts'], ...timeouts, sequence: { groupOrder: 1 } } },
    ],
  },
});
