import type { Command } from 'commander';
import { writeChart } from '../src/charts/render.ts';
import { compareSpec } from '../src/charts/specs.ts';
import { compare } from '../src/analysis/compare.ts';
import { UserError } from '../src/core/errors.ts';
import { textBars, textTable } from '../src/charts/text-table.ts';
import { cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

function perMinuteArg(v: string): boolean | 'auto' {
  if (v === 'auto') return 'auto';
  if (v === 'on' || v === 'off') return v === 'on';
  throw new UserError(`--per-minute: expected on, off or auto, not "${v}"`);
}

export function register(program: Command): void {
  selectionOptions(
    program
      .command('compare')
      .option('--chart <file>', 'also draw it: OUT.svg, OUT.png or OUT.html')
      .description('the before/after table of a patch series: counts per key, delta and ratio (seed 004)')
      .argument('<before>', 'trace.dat before the change')
      .argument('<after>', 'trace.dat after the change')
      .option('--by <key>', 'callback, callsite, event, cpu, comm, or a field name', 'callback')
      .option('--event <event>', 'only this event (NAME or SYSTEM:NAME)')
      .option('--isolated <list>', 'count IPIs received by these CPUs (cpumasks exploded)')
      .option('--per-minute <when>', 'counts per minute: on, off, or auto (when the traces cover times more than 5% apart)', 'auto')
      .option('--bars', 'plain-text bars, before and after'),
  ).action(async (b: string, a: string, o: Record<string, unknown>) => {
    const [before, after] = [await openInput(b, o), await openInput(a, o)];
    const r = compare(before, after, { ...selectionOf(o), by: String(o.by), event: o.event as string | undefined, isolated: o.isolated ? cpuListArg(String(o.isolated), '--isolated') : undefined, perMinute: perMinuteArg(String(o.perMinute)) });
    const s = r.summary;
    if (o.chart) await writeChart(compareSpec(r.table, s), String(o.chart), `compare`);
    printReportOutput(o, r.table, s, () => {
      const head = `${s.counting} by ${s.by}${s.perMinute ? ', per minute' : ''}: before ${s.before.source} (${s.before.seconds.toFixed(1)} s), after ${s.after.source} (${s.after.seconds.toFixed(1)} s)\n\n`;
      if (o.bars) {
        const keys = r.table.array(s.by) as string[];
        const bv = r.table.array('before') as number[];
        const av = r.table.array('after') as number[];
        return head + textBars(keys.flatMap((k) => [`${k} before`, `${k} after`]), keys.flatMap((_, i) => [bv[i], av[i]]));
      }
      return head + textTable(r.table, { decimals: { delta: s.perMinute ? 2 : 0, ratio: 2, before_per_min: 2, after_per_min: 2 }, footer: { [s.by]: 'total', before: s.before.total, after: s.after.total, ratio: s.ratio } });
    });
  });
}
