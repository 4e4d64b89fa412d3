import type { Command } from 'commander';
import { exportEvents, exportFormat } from '../src/analysis/export.ts';
import { openInput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('convert')
      .description('events as a table file: csv, json, ndjson, arrow (IPC file) or parquet; one row per event')
      .argument('<file>', 'trace.dat')
      .option('--to <format>', 'csv, json, ndjson, arrow or parquet (default: from the output name: .csv .json .ndjson/.jsonl .arrow .parquet)')
      .requiredOption('-o, --output <file>', 'output file ("-": standard output, --to then required)')
      .option('--event <event>', 'only this event (its fields become columns)')
      .option('--fields', 'expand the fields of every event into columns'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = await exportEvents(trace, exportFormat(o.to as string | undefined, String(o.output)), String(o.output), { ...selectionOf(o, trace), event: o.event as string | undefined, fields: o.fields ? 'all' : undefined });
    process.stderr.write(`tracelab: ${r.rows} events -> ${o.output}\n`);
  });
}
