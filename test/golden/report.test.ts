import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDat } from '../../src/io/dat/reader.ts';
import { ROOT, SHARED, findFiles, firstDiff, hasTraceCmd, reportOf, storedReport, traceCmdReport } from '../helpers.ts';

/**
 * tracelab report against trace-cmd report, byte for byte, on every real trace:
 * the samples kept in the repository and the shared data beside it. Expected
 * output is the stored trace-cmd output when present, else the live oracle.
 */
const files = [...findFiles(path.join(ROOT, 'samples'), /\.dat$/), ...findFiles(SHARED, /\.dat$/)];
const modes: [string, string[], { latency?: boolean; ns?: boolean; raw?: boolean }][] = [
  ['', [], {}],
  ['-l', ['-l'], { latency: true }],
  ['-t', ['-t'], { ns: true }],
  ['-R', ['-R'], { raw: true }],
];

function expected(file: string, suffix: string, args: string[]): string | null {
  return storedReport(file, suffix) ?? (hasTraceCmd() ? traceCmdReport(file, args).out : null);
}

describe('golden: tracelab report == trace-cmd report', () => {
  it('has real traces to compare', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    for (const [suffix, args, opts] of modes) {
      it(`${path.relative(path.dirname(ROOT), file)} ${suffix || '(default)'}`, async (ctx) => {
        const want = expected(file, suffix, args);
        if (want === null) return ctx.skip();
        const trace = await openDat(file);
        try {
          const got = reportOf(trace, opts);
          if (got !== want) expect.fail(firstDiff(want, got));
          expect(trace.warnings).toEqual([]);
        } finally {
          trace.close();
        }
      });
    }
  }
});
