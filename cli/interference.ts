import type { Command } from 'commander';
import { functionColumns, interferenceColumns } from '../src/index.ts';
import { interferenceText } from '../src/charts/index.ts';
import { ByteWriter } from './output.ts';
import { commandLine, cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('interference')
      .option('--chart <file>', 'also draw it: OUT.svg, OUT.png or OUT.html')
      .option('--mail', 'plain text for a patch mail: ASCII, under 72 columns, with the command')
      .description('everything that disturbed each isolated CPU: IPIs from request to handler by function and sender, and osnoise-style noise (irq, softirq, thread, syscall) with durations')
      .argument('<file>', 'trace.dat')
      .requiredOption('--isolated <list>', 'the isolated (nohz_full) CPUs, e.g. 4-79')
      .option('--task <pid|comm>', "the task each isolated CPU is there for (default: the one that ran longest there)"),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = interferenceColumns(trace, { ...selectionOf(o, trace), isolated: cpuListArg(String(o.isolated), '--isolated', trace), task: o.task as string | undefined });
    // a chart or a mail loads their modules (vega, arquero) only when asked for
    if (o.chart) {
      const { interferenceSpec, writeChart } = await import('../src/charts/index.ts');
      await writeChart(interferenceSpec(r.summary, trace.source), String(o.chart), `interference`);
    }
    if (o.mail) {
      const { interferenceMail } = await import('../src/charts/index.ts');
      return void new ByteWriter().write(interferenceMail(r.summary, trace.source, commandLine()));
    }
    printReportOutput(o, r.table, r.summary, () => interferenceText(r.summary, r.table, trace.source, functionColumns(r.summary.ipis)));
  });
}
