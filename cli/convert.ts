import type { Command } from 'commander';
import { exportEvents, exportFormat } from '../src/analysis/export.ts';
import { openInput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('convert')
      .description('events as a table file: csv, json, arrow (IPC file) or parquet; one row per event')
      .argument('<file>', 'trace.dat')
      .requiredOption('--to <format>', 'csv, json, arrow or parquet')
      .requiredOption('-o, --output <file>', 'output file')
      .option('--event <event>', 'only this event (its fields become columns)')
      .option('--fields', 'expand the fields of every event into columns'),
  ).action(async (file: string, o: Record<string, unknown>) => {
    const trace = await openInput(file, o);
    const r = await exportEvents(trace, exportFormat(String(o.to)), String(o.output), { ...selectionOf(o, trace), event: o.event as string | undefined, fields: o.fields ? 'all' : undefined });
    process.stderr.write(`tracelab: ${r.rows} events -> ${o.output}\n`);
  });
}
