import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTrace } from '../../src/index.ts';
import { openDat } from '../../src/io/dat/reader.ts';
import { firstDiff, hasShared, hasTraceCmd, reportOf, ROOT, tempDir, traceCmdReport } from '../helpers.ts';
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

  it('prints each exactly as trace-cmd does (also -R, -N and --verbose), and its report text reads back into what prints the same, every version of each event', async () => {
    const rounds = await allFormatVersions();
    expect(rounds[0].length).toBeGreaterThan(2500);
    let total = 0;
    for (const [k, formats] of rounds.entries()) {
      const file = path.join(tmp, `round${k}.dat`);
      total += await writeAllFormatsTrace(file, formats);
      for (const [args, opts] of [[[], {}], [['-R'], { raw: true }], [['-N'], { noPlugins: true }]] as const) {
        const t = await openDat(file);
        const ours = reportOf(t, opts);
        t.close();
        const want = traceCmdReport(file, [...args]).out;
        if (ours !== want) expect.fail(`round ${k} ${args.join(' ')}: ${firstDiff(want, ours)}`);
      }
      // the report text read back with the formats, and printed again: the same text
      const text = traceCmdReport(file).out;
      const txt = path.join(tmp, `round${k}.txt`);
      fs.writeFileSync(txt, text, 'latin1');
      const t0 = await openDat(file);
      const known = t0.formats.all().map((f) => ({ system: f.system, text: f.text }));
      t0.close();
      const back = await openTrace(txt, { formats: known });
      const again = reportOf(back);
      if (again !== text) expect.fail(`round ${k} read back: ${firstDiff(text, again)}`);
      // --verbose: every override, and libtraceevent's warnings for the print fmts it rejects
      const tc = spawnSync('trace-cmd', ['report', '--verbose', file], { maxBuffer: 1 << 28 });
      const tl = spawnSync(process.execPath, [path.join(ROOT, 'dist/bundle/tracelab.js'), 'report', '--verbose', file], { maxBuffer: 1 << 28 });
      expect(tl.stdout.toString('latin1'), `round ${k} --verbose`).toBe(tc.stdout.toString('latin1'));
      expect(tl.stderr.toString('latin1'), `round ${k} --verbose`).toBe(tc.stderr.toString('latin1'));
    }
    expect(total).toBeGreaterThan(3500);
  }, 180_000);
});
