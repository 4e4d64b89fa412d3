import type { Command } from 'commander';
import { uprobeCost } from '../src/index.ts';
import { uprobeCostText } from '../src/charts/index.ts';
import { openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('uprobes')
      .description('uprobes (seed 002): hits per probe, kernel time per hit on nohz_full CPUs, and what unregistering them took (grace-period waits from kprobe pairs, TLB-flush IPIs)')
      .argument('<file>', 'trace.dat or text (record -e uprobes -e context_tracking -e csd, and -e kprobes with p/r probes on synchronize_rcu_tasks_trace, synchronize_srcu)'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = uprobeCost(trace, selectionOf(o, trace));
    printReportOutput(o, r.table, r.summary, () => uprobeCostText(r.summary, r.table, trace.source));
    trace.close();
  });
}
