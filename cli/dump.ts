import type { Command } from 'commander';
import { DUMP_ALL, dumpDat, DumpItem, type DumpItemName, UserError } from '../src/index.ts';
import { ByteWriter, warn } from './output.ts';

/** trace-cmd dump's options, each the part of the file it prints. */
const ITEMS: [string, DumpItemName, string][] = [
  ['--summary', 'summary', 'a summary of the metadata (the default)'],
  ['--head-page', 'headPage', 'the header page format'],
  ['--head-event', 'headEvent', 'the header event format'],
  ['--ftrace-events', 'ftraceEvents', "the ftrace events' formats"],
  ['--systems', 'systems', 'the event systems and their event counts'],
  ['--events', 'events', 'the event formats'],
  ['--kallsyms', 'kallsyms', 'the kernel symbols'],
  ['--printk', 'printk', 'the trace_printk formats'],
  ['--cmd-lines', 'cmdLines', 'the saved command lines'],
  ['--options', 'options', 'every option'],
  ['--flyrecord', 'flyrecord', 'where each CPU\'s data is'],
  ['--clock', 'clock', 'the trace clock'],
  ['--strings', 'strings', "the v7 file's strings"],
  ['--sections', 'sections', "the v7 file's sections"],
];

export function register(program: Command): void {
  const cmd = program
    .command('dump')
    .description('print the metadata of a trace.dat as `trace-cmd dump` does')
    .argument('[file]', 'trace.dat (default: trace.dat)')
    .option('-i <file>', 'input file (as trace-cmd -i)')
    .option('-v, --validate', 'say whether the file is a valid trace-cmd file')
    .option('-a, --all', 'print everything');
  for (const [flag, , help] of ITEMS) cmd.option(flag, help);
  cmd.action(async (file: string | undefined, o: Record<string, boolean | string | undefined>) => {
    if (file !== undefined && o.i !== undefined) throw new UserError(`give the trace either with -i or as the argument, not both (${file})`);
    let items = o.all ? DUMP_ALL : 0;
    for (const [, key] of ITEMS) if (o[key]) items |= DumpItem[key];
    const out = new ByteWriter();
    await dumpDat((o.i as string | undefined) ?? file ?? 'trace.dat', { items, validate: Boolean(o.validate), warn }, out.write);
  });
}
