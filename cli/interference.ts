import type { Command } from 'commander';
import { writeChart } from '../src/charts/render.ts';
import { interferenceSpec } from '../src/charts/specs.ts';
import { interference, SOURCES } from '../src/analysis/interference.ts';
import { textTable } from '../src/charts/text-table.ts';
import { formatCpuList } from '../src/core/cpulist.ts';
import * as aq from 'arquero';
import { cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('interference')
      .option('--chart <file>', 'also draw it: OUT.svg, OUT.png or OUT.html')
      .description('everything that disturbed each isolated CPU: IPIs by callback and sender, irqs, softirqs, ticks, switches, syscalls')
      .argument('<file>', 'trace.dat')
      .requiredOption('--isolated <list>', 'the isolated (nohz_full) CPUs, e.g. 4-79'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = interference(trace, { ...selectionOf(o), isolated: cpuListArg(String(o.isolated), '--isolated') });
    const s = r.summary;
    if (o.chart) await writeChart(interferenceSpec(s, trace.source), String(o.chart), `interference`);
    printReportOutput(o, r.table, s, () => {
      const out: string[] = [];
      out.push(`isolated CPUs ${formatCpuList(s.isolated)}: ${s.total} interruptions in ${s.seconds.toFixed(3)} s (${s.perSecond.toFixed(3)}/s, ${(s.perSecond / Math.max(s.isolated.length, 1)).toFixed(4)}/s per CPU)`);
      out.push(`time in the kernel: ${(s.kernelNs / 1e6).toFixed(3)} ms; shortest longest-quiet-stretch: ${(s.worstQuietNs / 1e9).toFixed(3)} s`);
      out.push('');
      const src = SOURCES.filter((k) => s.totals[k]);
      if (src.length) out.push(textTable(aq.table({ source: src, count: src.map((k) => s.totals[k]), per_second: src.map((k) => (s.seconds ? s.totals[k] / s.seconds : 0)) })));
      if (s.byCallback.length) {
        out.push('IPIs by callback:');
        out.push(textTable(aq.table({ callback: s.byCallback.map((x) => x[0]), count: s.byCallback.map((x) => x[1]), share: s.byCallback.map((x) => x[1] / Math.max(s.totals.ipi, 1)) }), { percent: ['share'] }));
        out.push('IPIs by sender:');
        const top = s.byComm.slice(0, 10);
        out.push(textTable(aq.table({ comm: top.map((x) => x[0]), count: top.map((x) => x[1]) })));
        const cpus = s.bySender.slice(0, 10);
        out.push(textTable(aq.table({ sender_cpu: cpus.map((x) => x[0]), count: cpus.map((x) => x[1]) })));
      }
      if (s.chains.length) {
        out.push('call chains of the IPIs (kernel_stack):');
        const top = s.chains.slice(0, 5);
        out.push(textTable(aq.table({ count: top.map((x) => x[1]), chain: top.map((x) => x[0]) })));
      }
      out.push('per CPU:');
      out.push(textTable(r.table, { decimals: { per_second: 4, kernel_us: 1, longest_quiet_ms: 1 } }));
      return out.join('\n');
    });
  });
}
