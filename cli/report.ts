import type { Command } from 'commander';
import { parseCpuList } from '../src/core/cpulist.ts';
import { buildEventSelection, type EventFilterArg } from '../src/filter/trace-filter.ts';
import { openTrace } from '../src/io/open.ts';
import { loadFormatFiles } from '../src/io/text/format-files.ts';
import { printReport } from '../src/io/text/report-printer.ts';
import { ByteWriter, warn } from './output.ts';

export function register(program: Command): void {
  // -v turns every later -F negative: commander calls option parsers in command-line order
  let negative = false;
  program
    .command('report')
    .description('print a trace exactly as `trace-cmd report` does')
    .argument('[file]', 'trace.dat, report text, kernel trace text, systrace HTML (also .gz), or - for stdin (default: trace.dat)')
    .option('-i, --input <file>', 'input file (as trace-cmd -i)')
    .option('-l', 'latency format: flags column, short comm')
    .option('-t', 'full nanosecond timestamps')
    .option('-R', 'raw fields instead of the print format')
    .option('--cpu <list>', 'only these CPUs, e.g. 0,2-3')
    .option('-O <option...>', 'plugin option: ftrace:parent, ftrace:offset, ftrace:indent=0')
    .option('-F <filter>', "show only matching events: 'EVENTS' or 'EVENTS: FILTER' (kernel filter language; repeatable)", (v: string, prev: EventFilterArg[]) => [...prev, { arg: v, negative }], [] as EventFilterArg[])
    .option('--format <file>', 'event format file or folder for text traces (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('-v', 'filters after -v hide what they match', () => {
      negative = true;
      return true;
    })
    .action(async (file: string | undefined, o: Record<string, unknown>) => {
      const path = (o.input as string | undefined) ?? file ?? 'trace.dat';
      const trace = await openTrace(path, { formats: loadFormatFiles(o.format as string[]) });
      const plugin: Record<string, boolean> = {};
      for (const opt of (o.O as string[] | undefined) ?? []) {
        const m = /^(?:ftrace:)?(parent|offset|indent)(?:=(\d))?$/.exec(opt);
        if (m) plugin[m[1]] = m[2] === undefined ? true : m[2] !== '0';
      }
      const out = new ByteWriter();
      const filters = o.F as EventFilterArg[];
      const stats = printReport(trace, out.write, {
        keep: filters.length ? buildEventSelection(trace, filters) : undefined,
        latency: !!o.l,
        ns: !!o.t,
        raw: !!o.R,
        cpus: o.cpu ? new Set(parseCpuList(String(o.cpu))) : undefined,
        plugin,
      });
      for (const w of trace.warnings) warn(w);
      if (stats.events === 0 && trace.warnings.length) process.exitCode = 1;
    });
}
