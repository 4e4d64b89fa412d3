import type { Command } from 'commander';
import { noiseColumns, UserError } from '../src/index.ts';
import { noiseText } from '../src/charts/index.ts';
import { cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('noise')
      .description('osnoise-style noise per CPU from the trace: interruptions with durations, nested net, max single noise, % CPU available, longest quiet stretch')
      .argument('<file>', 'trace.dat')
      .option('--measure <list>', 'the CPUs to measure (default: every CPU with events)')
      .option('--task <pid|comm>', "the task each CPU is there for (default: the one that ran longest there)")
      .option('--merge-gap <ns>', 'pieces this close are one interruption', '2000'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = noiseColumns(trace, { ...selectionOf(o, trace), measure: o.measure ? cpuListArg(String(o.measure), '--measure', trace) : undefined, task: o.task as string | undefined, mergeGapNs: nsArg(String(o.mergeGap)) });
    printReportOutput(o, r.table, r.summary, () => noiseText(r.summary, r.table, trace.source));
  });
}

function nsArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new UserError(`--merge-gap: expected a number of nanoseconds, not "${v}"`);
  return Number(v);
}
