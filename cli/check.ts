import type { Command } from 'commander';
import { checkTrace } from '../src/index.ts';
import { textTable } from '../src/charts/index.ts';
import { openInput, printReportOutput } from './analysis-options.ts';

/** `tracelab check FILE`: the kernel invariants real traces obey, measured on this one; exit 1 if one fails. */
export function register(program: Command): void {
  program
    .command('check')
    .description('check a trace against kernel invariants measured on real traces (flags, pairing, time order, IPI causality); exit 1 on a failure')
    .argument('<file>', 'trace.dat, report text or kernel trace text')
    .option('--json', 'the results as JSON')
    .option('--csv', 'the table as CSV')
    .action(async (file: string, o: Record<string, unknown>) => {
      const trace = await openInput(file, o);
      const r = checkTrace(trace);
      printReportOutput(o, r.table, r.summary, () => {
        const lines = r.summary.results.filter((x) => x.checked && !x.ok).map((x) => `  ${x.name}: ${x.rule}\n    ${x.example}`);
        return `${trace.source}: ${r.summary.ok ? 'every invariant holds' : 'invariants broken'}\n\n${textTable(r.table.select('check', 'checked', 'violations', 'status'))}${lines.length ? `\n${lines.join('\n')}\n` : ''}`;
      });
      if (!r.summary.ok) process.exitCode = 1;
    });
}
