import type { Command } from 'commander';
import { formatCpuList, ipiCausalityColumns } from '../src/index.ts';
import { ipiText } from '../src/charts/index.ts';
import { cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('ipi')
      .description('IPIs joined from request to handler: by function (csd_queue_cpu or v6.4 function trace), callsite and sender, requests that needed no IPI, send-to-handler and queue-to-run latency')
      .argument('<file>', 'trace.dat')
      .option('--isolated <list>', 'only IPIs aimed at these CPUs (default: all)'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const targets = o.isolated ? cpuListArg(String(o.isolated), '--isolated', trace) : undefined;
    const r = ipiCausalityColumns(trace, { ...selectionOf(o, trace), targets });
    printReportOutput(o, r.table, r.summary, () => {
      const s = r.summary;
      const who = targets ? `CPUs ${formatCpuList(targets)}` : 'all CPUs';
      const head = [`IPIs to ${who} over ${s.seconds.toFixed(3)} s (${trace.source}): ${s.sent} sent, ${s.received ?? 'n/a'} handler entries`, ''];
      if (s.notes.length) head.push('notes:', ...s.notes.map((n) => `  - ${n}`), '');
      return [...head, ...ipiText(s, r.table, who)].join('\n');
    });
  });
}
