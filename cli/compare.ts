import type { Command } from 'commander';
import { compare, UserError } from '../src/index.ts';
import { compareMail, compareSpec, compareText, writeChart } from '../src/charts/index.ts';
import { ByteWriter } from './output.ts';
import { commandLine, cpuListArg, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

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
      .option('--mail', 'plain text for a patch mail: ASCII, under 72 columns, with the command')
      .description('the before/after table of a patch series: counts per key, delta, ratio and whether the change is beyond Poisson noise (seed 004)')
      .argument('<before>', 'trace.dat before the change')
      .argument('<after>', 'trace.dat after the change')
      .option('--by <key>', 'events: callback, callsite, event, cpu, comm or a field name; with --isolated: function, cpu, callsite, sender, or noise (what the isolated CPUs suffered: IPIs, interruptions, noise and syscall time)')
      .option('--event <event>', 'only this event (NAME or SYSTEM:NAME)')
      .option('--isolated <list>', 'count IPIs to these CPUs, from request to handler, instead of events')
      .option('--per-minute <when>', 'counts per minute: on, off, or auto (when the traces cover times more than 5% apart)', 'auto')
      .option('--bars', 'plain-text bars, before and after'),
  ).action(async (b: string, a: string, o: Record<string, unknown>) => {
    const [before, after] = [await openInput(b, o), await openInput(a, o)];
    const r = compare(before, after, { ...selectionOf(o, before, after), by: o.by as string | undefined, event: o.event as string | undefined, isolated: o.isolated ? cpuListArg(String(o.isolated), '--isolated', before, after) : undefined, perMinute: perMinuteArg(String(o.perMinute)) });
    if (o.chart) await writeChart(compareSpec(r.table, r.summary), String(o.chart), `compare`);
    if (o.mail) return void new ByteWriter().write(compareMail(r.table, r.summary, commandLine()));
    printReportOutput(o, r.table, r.summary, () => compareText(r.table, r.summary, !!o.bars));
  });
}
