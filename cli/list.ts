import type { Command } from 'commander';
import { emulatedListSource, listText, openTrace, traceListSource, UserError } from '../src/index.ts';
import { ByteWriter, warn } from './output.ts';

/** What trace-cmd list shows of a live system that neither a trace file nor the emulator has. */
const LIVE_ONLY: [string, string][] = [
  ['t', '-t (tracers): tracelab records events, with no tracer to choose'],
  ['o', '-o (tracing options): not kept in a trace file, and the emulated kernel has none to set'],
  ['P', '-P (plugin files): tracelab\'s plugins are built in; -O lists their options'],
  ['R', '-R (event triggers): not kept in a trace file, and the emulated kernel has none'],
  ['l', '-l (event filters): not kept in a trace file; tracelab record -f sets them per recording'],
];

export function register(program: Command): void {
  program
    .command('list')
    .description("list a trace file's events, functions, clock and buffers, or the emulated kernel's (what record can enable), as `trace-cmd list` lists a live system's")
    .option('-i <file>', 'a trace file (trace.dat or text) instead of the emulated kernel')
    .option('--kernel <version>', "the emulated kernel's version (6.4, 6.18)", '6.18')
    .option('-e [regex]', 'events; with a regex ("system", "system:", "system:event"; case-insensitive POSIX basic), those it matches')
    .option('-F', "with -e REGEX: each event's format (up to its print fmt)")
    .option('--full', 'with -F: the print fmt too')
    .option('-f [regex]', 'functions (the text symbols of the kallsyms), or those a regex matches')
    .option('-s', 'event systems')
    .option('-B', 'buffer instances')
    .option('-C', 'the trace clock')
    .option('-O', 'plugin options (as report -O takes them)')
    .option('-c', 'the compression algorithms tracelab reads and writes')
    .option('-t', 'not available: see the error')
    .option('-o', 'not available: see the error')
    .option('-P', 'not available: see the error')
    .option('-R', 'not available: see the error')
    .option('-l', 'not available: see the error')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      for (const [flag, why] of LIVE_ONLY) if (o[flag]) throw new UserError(`list ${why}`);
      const trace = typeof o.i === 'string' ? await openTrace(o.i) : null;
      try {
        const src = trace ? traceListSource(trace) : emulatedListSource(String(o.kernel));
        const text = listText(src, {
          events: o.e as boolean | string | undefined,
          format: !!o.F,
          full: !!o.full,
          functions: o.f as boolean | string | undefined,
          systems: !!o.s,
          buffers: !!o.B,
          clocks: !!o.C,
          pluginOptions: !!o.O,
          compression: !!o.c,
        });
        new ByteWriter().write(text);
        for (const w of trace?.warnings ?? []) warn(w);
      } finally {
        trace?.close();
      }
    });
}
