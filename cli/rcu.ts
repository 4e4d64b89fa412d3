import type { Command } from 'commander';
import { rcuReport } from '../src/index.ts';
import { rcuText } from '../src/charts/index.ts';
import { openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('rcu')
      .description('RCU Tasks grace periods (seed 001): each synchronize_rcu_tasks* call from a kprobe/kretprobe pair, its length, the task preempted before it that held it and who preempted that task, and the kernel\'s stall messages; with rcu:rcu_watching, where RCU was idle and which tracepoints needed it woken (seed 000)')
      .argument('<file>', 'trace.dat or text (record -e kprobes with p/r probes on synchronize_rcu_tasks, -e sched:sched_switch, -e printk:console, -e rcu:rcu_watching)'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = rcuReport(trace, selectionOf(o, trace));
    printReportOutput(o, r.table, r.summary, () => rcuText(r.summary, r.table, trace.source));
    trace.close();
  });
}
