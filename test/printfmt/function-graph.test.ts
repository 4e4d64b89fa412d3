import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFunctionGraphTrace } from './function-graph-trace.ts';
import { BASIC_MODES, storedOracleTests } from './stored-oracle.ts';

/** trace-cmd's function_graph printer (trace-ftrace.c) against trace-cmd itself. */
const here = path.dirname(new URL(import.meta.url).pathname);

describe('function_graph (trace-cmd trace-ftrace.c), oracle: trace-cmd report', () => {
  const stored = storedOracleTests(here, 'function-graph', writeFunctionGraphTrace, [
    ...BASIC_MODES,
    ['-tailprint-depth', ['-O', 'fgraph:tailprint', '-O', 'fgraph:depth'], { plugin: { tailprint: true, depth: true } }],
    // --cpu only skips printing: CPU 0's entry still takes CPU 1's exit as its return
    ['-cpu0', ['--cpu', '0'], { cpus: new Set([0]) }],
    // no plugins: trace-cmd registers its own ftrace printers only when it loads them
    ['-N', ['-N'], { noPlugins: true }],
  ]);

  it('merges leaves, keeps nesting and marks durations as the stored oracle shows', () => {
    const text = stored();
    for (const needle of ['|  do_IRQ() {', '0.345 us   |    irq_enter();', '+ 10.001 us  |      note_interrupt();', '1234();', '! 100.001 us |    }', '# 1000.001 us |  }', '$ 1000000 us |', '$ 18446744073709551 us |', 'other-200   [001]   500.000024: funcgraph_exit:']) {
      expect(text).toContain(needle);
    }
    // a leaf's exit is not printed on its own
    expect(text.split('\n').filter((l) => l.includes('funcgraph_exit')).length).toBe(4);
  });
});
