import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDat, type DatTrace } from '../../src/io/dat/reader.ts';
import type { ReportOptions } from '../../src/io/text/report-printer.ts';
import { firstDiff, hasTraceCmd, reportOf, tempDir, traceCmdReport } from '../helpers.ts';
import { writeFunctionGraphTrace } from './function-graph-trace.ts';

/**
 * trace-cmd's function_graph printer against trace-cmd itself: the outputs
 * beside this file are trace-cmd 3.1.6's report of the generated trace (asked
 * live too when it is installed; UPDATE_ORACLE=1 rewrites them).
 */
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = tempDir('tracelab-fgraph-');
const file = path.join(dir, 'fgraph.dat');
let trace: DatTrace;

beforeAll(async () => {
  await writeFunctionGraphTrace(file);
  trace = await openDat(file);
});
afterAll(() => {
  trace?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const MODES: [suffix: string, args: string[], opts: ReportOptions][] = [
  ['', [], {}],
  ['-l', ['-l'], { latency: true }],
  ['-t', ['-t'], { ns: true }],
  ['-R', ['-R'], { raw: true }],
  ['-tailprint-depth', ['-O', 'fgraph:tailprint', '-O', 'fgraph:depth'], { plugin: { tailprint: true, depth: true } }],
  // --cpu only skips printing: CPU 0's entry still takes CPU 1's exit as its return
  ['-cpu0', ['--cpu', '0'], { cpus: new Set([0]) }],
];

describe('function_graph (trace-cmd trace-ftrace.c), oracle: trace-cmd report', () => {
  for (const [suffix, args, opts] of MODES) {
    it(`report ${args.join(' ') || '(default)'}`, () => {
      const ours = reportOf(trace, opts);
      const stored = path.join(here, `function-graph.report${suffix}.txt`);
      if (process.env.UPDATE_ORACLE && hasTraceCmd()) fs.writeFileSync(stored, traceCmdReport(file, args).out, 'latin1');
      const want = fs.readFileSync(stored, 'latin1');
      if (ours !== want) expect.fail(firstDiff(want, ours));
      if (hasTraceCmd()) {
        const live = traceCmdReport(file, args).out;
        if (live !== ours) expect.fail(`live trace-cmd: ${firstDiff(live, ours)}`);
      }
    });
  }

  it('merges leaves, keeps nesting and marks durations as the stored oracle shows', () => {
    const text = fs.readFileSync(path.join(here, 'function-graph.report.txt'), 'latin1');
    for (const needle of ['|  do_IRQ() {', '0.345 us   |    irq_enter();', '+ 10.001 us  |      note_interrupt();', '1234();', '! 100.001 us |    }', '# 1000.001 us |  }', '$ 1000000 us |', '$ 18446744073709551 us |', 'other-200   [001]   500.000024: funcgraph_exit:']) {
      expect(text).toContain(needle);
    }
    // a leaf's exit is not printed on its own
    expect(text.split('\n').filter((l) => l.includes('funcgraph_exit')).length).toBe(4);
  });
});
