import type { Command } from 'commander';
import { formatCpuList, isolationViolationsColumns } from '../src/index.ts';
import { violationsText } from '../src/charts/index.ts';
import { cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('violations')
      .description('strict task isolation (seed 003): each synchronous kernel entry (syscall, page fault) of the isolated tasks, the signal the kernel answered with, kills apart from tasks that went on, and signals after interrupts')
      .argument('<file>', 'trace.dat or text (record -e raw_syscalls -e exceptions -e signal -e sched:sched_process_exit -e context_tracking -e printk)')
      .option('--isolated <list>', 'the CPUs whose tasks are examined (default: all)'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const isolated = o.isolated ? cpuListArg(String(o.isolated), '--isolated', trace) : undefined;
    const r = isolationViolationsColumns(trace, { ...selectionOf(o, trace), isolated });
    printReportOutput(o, r.table, r.summary, () => violationsText(r.summary, trace.source, isolated ? `CPUs ${formatCpuList(isolated)}` : 'all CPUs'));
    trace.close();
  });
}
