import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDat, type DatTrace, type OpenDatOptions } from '../../src/io/dat/reader.ts';
import type { ReportOptions } from '../../src/io/text/report-printer.ts';
import { firstDiff, hasTraceCmd, reportOf, tempDir, traceCmdReport } from '../helpers.ts';

/** A report mode: the stored file's suffix, trace-cmd's arguments, tracelab's options (and how to open the file). */
export type OracleMode = [suffix: string, args: string[], opts: ReportOptions, open?: OpenDatOptions];

export const BASIC_MODES: OracleMode[] = [
  ['', [], {}],
  ['-l', ['-l'], { latency: true }],
  ['-t', ['-t'], { ns: true }],
  ['-R', ['-R'], { raw: true }],
];

/**
 * Tests that tracelab reports a generated trace as trace-cmd 3.1.6 did: its
 * output for each mode is stored beside the test as NAME.reportSUFFIX.txt
 * (UPDATE_ORACLE=1 rewrites them from the installed trace-cmd), and with
 * trace-cmd installed it is asked live as well. Returns the stored default text.
 */
export function storedOracleTests(dir: string, name: string, write: (file: string) => Promise<void>, modes: OracleMode[]): () => string {
  const tmp = tempDir(`tracelab-${name}-`);
  const file = path.join(tmp, `${name}.dat`);
  beforeAll(() => write(file));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const [suffix, args, opts, open] of modes) {
    it(`report ${args.join(' ') || '(default)'}`, async () => {
      // a trace of its own per mode, as each trace-cmd run is a process of its own: printing
      // changes a trace's state (libtraceevent stops taking a field for a string once it was not one)
      const trace: DatTrace = await openDat(file, open);
      const ours = reportOf(trace, opts);
      trace.close();
      const stored = path.join(dir, `${name}.report${suffix}.txt`);
      if (process.env.UPDATE_ORACLE && hasTraceCmd()) fs.writeFileSync(stored, traceCmdReport(file, args).out, 'latin1');
      const want = fs.readFileSync(stored, 'latin1');
      if (ours !== want) expect.fail(firstDiff(want, ours));
      if (hasTraceCmd()) {
        const live = traceCmdReport(file, args).out;
        if (live !== ours) expect.fail(`live trace-cmd: ${firstDiff(live, ours)}`);
      }
    });
  }
  return () => fs.readFileSync(path.join(dir, `${name}.report.txt`), 'latin1');
}
