import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDat } from '../../src/io/dat/reader.ts';
import { firstDiff, hasShared, hasTraceCmd, reportOf, tempDir, traceCmdReport } from '../helpers.ts';
import { allFormatVersions, writeAllFormatsTrace } from './all-formats-trace.ts';

/**
 * Differential: one record of every distinct event format in ../shared
 * (3,533 formats of kernels 4.14 to 6.18), printed by trace-cmd 3.1.6
 * and by tracelab. Zeroed fields still take every print fmt through the parser
 * and the helpers; it found libtraceevent 1.7.1's sizeof() (no u64) and its
 * character constants ('*' is text, not 42).
 */
describe.skipIf(!hasShared || !hasTraceCmd())('every event format of the real sources, as trace-cmd prints it (needs ../shared and trace-cmd)', () => {
  const tmp = tempDir('tracelab-all-formats-');
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints each exactly as trace-cmd does, every version of each event', async () => {
    const rounds = await allFormatVersions();
    expect(rounds[0].length).toBeGreaterThan(2500);
    let total = 0;
    for (const [k, formats] of rounds.entries()) {
      const file = path.join(tmp, `round${k}.dat`);
      total += await writeAllFormatsTrace(file, formats);
      const t = await openDat(file);
      const ours = reportOf(t);
      t.close();
      const want = traceCmdReport(file).out;
      if (ours !== want) expect.fail(`round ${k}: ${firstDiff(want, ours)}`);
    }
    expect(total).toBeGreaterThan(3500);
  }, 120_000);
});
