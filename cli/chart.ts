import type { Command } from 'commander';
import { compare, eventTimeline, hist, interference, interferenceOverTime, irqOffSpans, UserError, writeFileAtomically } from '../src/index.ts';
import { compareSpec, heatmapSpec, histSpec, interferenceSpec, irqOffSpec, reviewPage, timelineSpec, writeChart } from '../src/charts/index.ts';
import { cpuListArg, openInput, selectionOf, selectionOptions } from './analysis-options.ts';

const KINDS = ['hist', 'compare', 'interference', 'heatmap', 'irqoff', 'timeline'];

export function register(program: Command): void {
  selectionOptions(
    program
      .command('chart')
      .description(`draw a chart: ${KINDS.join(', ')} (SVG, PNG or a self-contained HTML page, by the output's extension)`)
      .argument('<kind>', KINDS.join(' | '))
      .argument('<files...>', 'the trace (compare: BEFORE AFTER)')
      .requiredOption('-o, --output <file>', 'OUT.svg, OUT.png or OUT.html')
      .option('--isolated <list>', 'isolated CPUs (interference, heatmap, compare)')
      .option('--by <key>', 'hist/compare key', 'callback')
      .option('--event <event>', 'only this event')
      .option('--bins <n>', 'heatmap time bins', '60'),
  ).action(async (kind: string, files: string[], o: Record<string, unknown>) => {
    if (!KINDS.includes(kind)) throw new UserError(`chart: no chart "${kind}" (charts: ${KINDS.join(', ')})`);
    const need = kind === 'compare' ? 2 : 1;
    if (files.length !== need) throw new UserError(`chart ${kind}: expected ${need === 2 ? 'BEFORE and AFTER traces' : 'one trace'}, got ${files.length}`);
    const t = await openInput(files[0], o);
    const sel = selectionOf(o, t);
    const iso = () => {
      if (!o.isolated) throw new UserError(`chart ${kind}: --isolated LIST is required`);
      return cpuListArg(String(o.isolated), '--isolated', t);
    };
    let spec;
    if (kind === 'hist') {
      const r = hist(t, { ...sel, by: String(o.by), event: o.event as string | undefined });
      spec = histSpec(r.table, r.summary, t.source);
    } else if (kind === 'compare') {
      const r = compare(t, await openInput(files[1], o), { ...sel, by: String(o.by), event: o.event as string | undefined, isolated: o.isolated ? iso() : undefined });
      spec = compareSpec(r.table, r.summary);
    } else if (kind === 'interference') {
      spec = interferenceSpec(interference(t, { ...sel, isolated: iso() }).summary, t.source);
    } else if (kind === 'heatmap') {
      const r = interferenceOverTime(t, { ...sel, isolated: iso(), bins: Number(o.bins) });
      spec = heatmapSpec(r.table, r.summary.binSeconds, t.source);
    } else if (kind === 'irqoff') {
      const r = irqOffSpans(t, sel);
      if (!r.summary.count) throw new UserError(`${t.source}: no preemptirq:irq_disable/irq_enable pairs to chart (record them: -e preemptirq)`);
      spec = irqOffSpec(r.table, r.summary, t.source);
    } else {
      const r = eventTimeline(t, { ...sel, event: o.event as string | undefined });
      spec = timelineSpec(r.values, r.values.length, r.total, t.source);
    }
    await writeChart(spec, String(o.output), `${kind}: ${files.join(' vs ')}`);
  });

  program
    .command('review')
    .description('one offline HTML page for a patch review: the before/after table, interference charts, and the commands')
    .argument('<before>', 'trace before the change')
    .argument('<after>', 'trace after the change')
    .requiredOption('--isolated <list>', 'the isolated CPUs')
    .requiredOption('-o, --output <file>', 'review.html')
    .option('--command <text>', 'a command that made the traces, shown on the page (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .action(async (b: string, a: string, o: Record<string, unknown>) => {
      const before = await openInput(b, o);
      const after = await openInput(a, o);
      const isolated = cpuListArg(String(o.isolated), '--isolated', before, after);
      const commands = [...(o.command as string[]), `tracelab review ${b} ${a} --isolated ${o.isolated} -o ${o.output}`];
      writeFileAtomically(String(o.output), reviewPage(before, after, { isolated, commands }));
    });
}
