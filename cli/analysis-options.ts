import type { TableLike } from '../src/index.ts';
import { type EventFilterArg, loadFormatFiles, type OpenDatOptions, openTrace, parseCpuList, type Selection, shellLine, tableCsv, type Trace, UserError, writeFileAtomically } from '../src/index.ts';
import type { Command } from 'commander';
import { ByteWriter } from './output.ts';

/** Options every analysis command takes: which events, and how to print. */
export function selectionOptions(cmd: Command): Command {
  return cmd
    .option('-F, --filter <filter>', "only matching events: 'EVENTS' or 'EVENTS: FILTER' (kernel filter language; repeatable)", (v: string, p: EventFilterArg[]) => [...p, { arg: v, negative: false }], [] as EventFilterArg[])
    .option('--cpus <list>', 'only events on these CPUs, e.g. 0-3')
    .option('--format <file>', 'event format file or folder for text traces (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--json', 'JSON: the summary and the rows')
    .option('--csv', 'CSV: the rows');
}

export function selectionOf(o: Record<string, unknown>, ...traces: Trace[]): Selection {
  return { filters: o.filter as EventFilterArg[], cpus: o.cpus ? new Set(cpuListArg(String(o.cpus), '--cpus', ...traces)) : undefined };
}

/** A CPU list option; with traces, every CPU must be one they have (the error names their range). */
export function cpuListArg(text: string, what: string, ...traces: Trace[]): number[] {
  let l: number[];
  try {
    l = parseCpuList(text);
    if (!l.length) throw new Error('empty');
  } catch {
    throw new UserError(`${what}: expected a CPU list such as 4-79 or 2,4-6, not "${text}"`);
  }
  const n = Math.max(0, ...traces.map((t) => t.cpus));
  if (traces.length && l[l.length - 1] >= n) {
    const t = traces.find((x) => x.cpus === n) ?? traces[0];
    throw new UserError(`${what} ${text}: ${t.source} has ${n ? `CPUs 0-${n - 1}` : 'no CPUs'}`);
  }
  return l;
}

/** The command line as the user typed it (without --mail), for a mail to quote. */
export function commandLine(): string {
  return shellLine(['tracelab', ...process.argv.slice(2).filter((a) => a !== '--mail')]);
}

/** Prints a report as text (the command's own), JSON or CSV. */
export function printReportOutput(o: Record<string, unknown>, table: TableLike, summary: unknown, text: () => string): void {
  const out = new ByteWriter();
  if (o.json) out.write(JSON.stringify({ summary: plain(summary), rows: table.objects() }, null, 2) + '\n');
  else if (o.csv) out.write(tableCsv(table));
  else out.write(text());
}

/** Maps and sets as plain JSON values. */
function plain(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return plain((v as { toJSON(): unknown }).toJSON());
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (v instanceof Set) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export function writeFileOrStdout(path: string | undefined, data: Uint8Array | string): void {
  if (path) writeFileAtomically(path, data);
  else new ByteWriter().write(typeof data === 'string' ? data : data);
}

/** Opens a trace for a command, with the user's format files for text input. */
export function openInput(file: string, o: Record<string, unknown>, dat?: OpenDatOptions): Promise<Trace> {
  return openTrace(file, { formats: loadFormatFiles((o.format as string[] | undefined) ?? []), dat });
}
