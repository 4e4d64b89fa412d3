import type { Command } from 'commander';
import { openTrace, splitDat, type SplitUnit, UserError } from '../src/index.ts';

/** A start or end time in seconds, as trace-cmd reads it: strtod(), then (unsigned long long)(t * 1e9). */
function seconds(v: string, what: string): bigint {
  const t = Number(v);
  if (!/^\s*[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) || !Number.isFinite(t)) throw new UserError(`split: ${what} value not floating point: ${v}`);
  return BigInt(Math.trunc(t * 1e9));
}

/**
 * trace-cmd split reads its options with getopt("+..."): the first time ends
 * them, and an option after it is a usage error. The same here, so a command
 * line means one thing in both tools.
 */
function optionsBeforeTimes(argv: string[]): void {
  const at = argv.indexOf('split');
  const withValue = new Set(['-i', '-o', '-s', '-m', '-u', '-e', '-p', '-C']);
  let positional = false;
  for (let k = at + 1; k < argv.length; k++) {
    const a = argv[k];
    if (positional && a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UserError(`split: ${a} after the start/end times: options go first (trace-cmd split stops reading options at the first time)`);
    if (withValue.has(a)) k++;
    else if (!a.startsWith('-')) positional = true;
  }
}

export function register(program: Command): void {
  const units: [string, SplitUnit][] = [['s', 'seconds'], ['m', 'msecs'], ['u', 'usecs'], ['e', 'events'], ['p', 'pages']];
  const cmd = program
    .command('split')
    .description('cut a trace.dat into files by time or events, per CPU or for one, as `trace-cmd split` does')
    .argument('[start]', 'start time, seconds (as report prints them)')
    .argument('[end]', 'end time, seconds')
    .option('-i <file>', 'input trace (default: trace.dat)')
    .option('-o <name>', 'output name: NAME.1, or with -r NAME.0001, NAME.0002 ... (default: the input name)')
    .option('-s <n>', 'each file holds n seconds')
    .option('-m <n>', 'each file holds n milliseconds')
    .option('-u <n>', 'each file holds n microseconds')
    .option('-e <n>', 'each file holds n events')
    .option('-p <n>', "each file holds n pages of each CPU, as trace-cmd re-pages the records (implies -c)")
    .option('-c', 'split each CPU on its own (the limits count per CPU)')
    .option('-C <cpu>', 'only this CPU')
    .option('-r', 'repeat: go on into more files until the end');
  cmd.action(async (start: string | undefined, end: string | undefined, o: Record<string, string | boolean | undefined>) => {
    optionsBeforeTimes(process.argv);
    const given = units.filter(([k]) => o[k] !== undefined);
    if (given.length > 1) throw new UserError('split: only one type of split is allowed');
    let unit: SplitUnit | undefined;
    let count: number | undefined;
    if (given.length) {
      const [k, u] = given[0];
      count = Number.parseInt(String(o[k]), 10);
      if (!(count > 0)) throw new UserError(`split -${k} ${o[k]}: units must be greater than 0`);
      unit = u;
    }
    let cpu: number | undefined;
    if (o.C !== undefined) {
      if (!/^\d+$/.test(String(o.C))) throw new UserError(`split -C ${o.C}: not a CPU number`);
      cpu = Number(o.C);
    }
    const input = (o.i as string | undefined) ?? 'trace.dat';
    const trace = await openTrace(input);
    try {
      const { files } = await splitDat(trace, {
        output: (o.o as string | undefined) ?? input,
        startNs: start !== undefined ? seconds(start, 'start') : undefined,
        endNs: end !== undefined ? seconds(end, 'end') : undefined,
        unit,
        count,
        perCpu: Boolean(o.c),
        cpu,
        repeat: Boolean(o.r),
      });
      for (const f of files) process.stderr.write(`tracelab: ${f.events} events -> ${f.path}\n`);
    } finally {
      trace.close();
    }
  });
}
