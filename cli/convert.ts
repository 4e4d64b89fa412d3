import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { exportEvents, exportFormat } from '../src/analysis/export.ts';
import { UserError } from '../src/core/errors.ts';
import { openInput, selectionOf, selectionOptions } from './analysis-options.ts';

export function register(program: Command): void {
  selectionOptions(
    program
      .command('convert')
      .description('events as a table file (csv, json, ndjson, arrow IPC or parquet; one row per event), or several traces as a Parquet dataset folder (-o DIR/): a folder per table of `tracelab sql`, partitioned by trace')
      .argument('<files...>', 'trace.dat (several: a dataset)')
      .option('--to <format>', 'csv, json, ndjson, arrow or parquet (default: from the output name: .csv .json .ndjson/.jsonl .arrow .parquet, a folder: parquet)')
      .requiredOption('-o, --output <file>', 'output file ("-": standard output, --to then required), or a folder (ending in /, or existing) for a dataset')
      .option('--event <event>', 'only this event (its fields become columns)')
      .option('--fields', 'expand the fields of every event into columns')
      .option('--memory-limit <size>', "for a dataset: DuckDB's memory before it spills to a temporary folder, e.g. 2GB"),
  ).action(async (files: string[], o: Record<string, unknown>) => {
    const out = String(o.output);
    const dataset = out.endsWith('/') || (fs.existsSync(out) && fs.statSync(out).isDirectory()) || files.length > 1;
    if (!dataset) {
      const trace = await openInput(files[0], o);
      const r = await exportEvents(trace, exportFormat(o.to as string | undefined, out), out, { ...selectionOf(o, trace), event: o.event as string | undefined, fields: o.fields ? 'all' : undefined });
      process.stderr.write(`tracelab: ${r.rows} events -> ${out}\n`);
      return;
    }
    if (o.to !== undefined && o.to !== 'parquet') throw new UserError(`convert: a dataset (${files.length > 1 ? 'several traces' : 'a folder'}) is written as parquet, not ${o.to}`);
    if (out === '-' || (fs.existsSync(out) && !fs.statSync(out).isDirectory())) throw new UserError(`convert: ${out}: a dataset goes in a folder`);
    if (o.event || o.fields) throw new UserError('convert: a dataset has a table per event type with its fields already; --event and --fields do not apply');
    const traces = [];
    for (const f of files) traces.push(await openInput(f, o));
    const { writeDataset } = await import('../src/analysis/sql.ts');
    const written = await writeDataset(traces.map((trace, k) => ({ trace, name: path.basename(files[k]) })), out, { ...selectionOf(o, ...traces), memoryLimit: o.memoryLimit as string | undefined });
    for (const t of traces) t.close();
    process.stderr.write(`tracelab: ${files.length} trace(s) -> ${out}: ${[...written].map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
  });
}
