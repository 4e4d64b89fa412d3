import type { Command } from 'commander';
import { histColumns } from '../src/index.ts';
import { textBars, textTable } from '../src/charts/index.ts';
import { ByteWriter } from './output.ts';
import { keepYoungGenerationSmall } from './young-generation.ts';
import { commandLine, openInput, printReportOutput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('hist')
      .option('--chart <file>', 'also draw it: OUT.svg, OUT.png or OUT.html')
      .option('--mail', 'plain text for a patch mail: ASCII, under 72 columns, with the command')
      .description("count events by a key: the seed's `grep callback | awk '{print $NF}' | sort | uniq -c`, done right")
      .argument('<file>', 'trace.dat')
      .option('--by <key>', 'callback, callsite, event, cpu, comm, common_pid or a field name; FIELD.sym, .execname, .hex, .raw, .log2, .buckets=N as in hist triggers', 'callback')
      .option('--event <event>', 'only this event (NAME or SYSTEM:NAME)')
      .option('--value <field>', 'a numeric field summed per key, with p50, p99 and max (hist triggers\' vals=)')
      .option('--bars', 'plain-text bars instead of the table'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    keepYoungGenerationSmall();
    const trace = await openInput(file, o);
    const r = histColumns(trace, { ...selectionOf(o, trace), by: String(o.by), event: o.event as string | undefined, value: o.value as string | undefined });
    const s = r.summary;
    // a chart or a mail loads their modules (vega, the other analyses' texts) only when asked for
    if (o.chart) {
      const { histSpec, writeChart } = await import('../src/charts/index.ts');
      await writeChart(histSpec(r.table, s, trace.source), String(o.chart), `hist`);
    }
    if (o.mail) {
      const { histMail } = await import('../src/charts/index.ts');
      return void new ByteWriter().write(histMail(r.table, s, commandLine()));
    }
    printReportOutput(o, r.table, s, () => {
      const what = ['event', 'cpu', 'comm'].includes(s.by) ? `${s.event ?? 'events'} by ${s.by}` : `${s.events.length === 1 ? s.events[0][0].split(':')[1] : s.event ?? 'events'} with a ${s.by}`;
      const split = s.perEvent ? `\n${s.by} is in events of several systems (${s.events.map(([e, n]) => `${e} ${n}`).join(', ')}): counted per event; --event chooses one` : '';
      const head = `${s.total} ${what} in ${s.seconds.toFixed(3)} s (${trace.source})${split}\n\n`;
      if (o.bars) return head + textBars(r.table.array(s.by) as string[], r.table.array('count') as number[]);
      return head + textTable(r.table, { percent: ['share'], decimals: { rate: 3 }, headers: { rate: 'per_second' }, footer: { [s.by]: 'total', count: s.total, share: s.total ? 1 : 0, rate: s.seconds ? s.total / s.seconds : null } });
    });
  });
}
