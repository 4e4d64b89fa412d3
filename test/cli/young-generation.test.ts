import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDat } from '../../src/index.ts';
import { replicateDat } from '../../src/io/dat/replicate.ts';
import { ROOT, tempDir } from '../helpers.ts';

const bundle = path.join(ROOT, 'dist/bundle/tracelab.js');
const sample = path.join(ROOT, 'samples/real-ipi.dat');
const hook = path.join(ROOT, 'test/cli/new-space-exit.mjs');

/** The young generation's size at the end of a CLI run, bytes. */
function newSpaceAfter(args: string[]): number {
  const r = spawnSync(process.execPath, ['--import', hook, bundle, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr.slice(-500)).toBe(0);
  const m = /\[new_space\] (-?\d+)/.exec(r.stderr);
  expect(m, r.stderr.slice(-500)).not.toBeNull();
  return Number(m![1]);
}

/** Issue 17: a streaming command's peak RSS is not V8's grown young generation (cli/young-generation.ts). */
describe.skipIf(!process.versions.v8.startsWith('11.'))('report and hist keep the young generation at its first size (V8 11, Node 20)', () => {
  // the sample three times over (103 k events): with V8's default, report and hist grow the
  // young generation on it (checked), as interference, which keeps V8's default, does here
  const x3 = path.join(tempDir(), 'x3.dat');
  let grown = 0;
  beforeAll(async () => {
    const src = await openDat(sample);
    await replicateDat(src, x3, 3, { version: 7, compression: 'zstd' });
    src.close();
    grown = newSpaceAfter(['interference', x3, '--isolated', '1']);
  });
  for (const args of [['report', x3], ['report', '-l', x3], ['hist', x3]]) {
    it(args.join(' ').replace(x3, 'samples/real-ipi.dat x3'), () => {
      const n = newSpaceAfter(args);
      expect(n).toBeGreaterThan(0);
      expect(n, `interference's grew to ${grown}`).toBeLessThan(grown);
    });
  }
});
