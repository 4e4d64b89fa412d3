import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { buildEventSelection, type DatFlavour, UserError, writeDatFrom } from '../src/index.ts';
import { openInput, selectionOf, selectionOptions } from './analysis-options.ts';

/** trace-cmd convert's --file-version and --compression ("any": the best one built in, zstd). */
function datFlavour(version: string | undefined, compression: string | undefined): DatFlavour {
  const v = version === undefined ? 7 : Number(version);
  if (v !== 6 && v !== 7) throw new UserError(`convert: --file-version ${version}: supported versions are 6 and 7`);
  const c = compression === undefined || compression === 'any' ? (v === 7 ? 'zstd' : 'none') : compression;
  if (c !== 'zstd' && c !== 'zlib' && c !== 'none') throw new UserError(`convert: --compression ${compression}: zstd, zlib, none or any`);
  if (v === 6 && c !== 'none') throw new UserError(`convert: a version 6 trace.dat has no compression (--compression ${compression})`);
  return { version: v, compression: c };
}

export function register(program: Command): void {
  selectionOptions(
    program
      .command('convert')
      .description('events as a table file (csv, json, ndjson, arrow IPC or parquet; one row per event), several traces as a Parquet dataset folder (-o DIR/): a folder per table of `tracelab sql`, partitioned by trace, or a trace as a trace.dat of another version or compression (as trace-cmd convert)')
      .argument('<files...>', 'trace.dat, or report or kernel text (several: a dataset)')
      .option('--to <format>', 'csv, json, ndjson, arrow, parquet or dat (default: from the output name: .csv .json .ndjson/.jsonl .arrow .parquet .dat, a folder: parquet)')
      .option('--file-version <n>', 'trace.dat output: version 6 or 7 (default 7)')
      .option('--compression <name>', 'trace.dat output: zstd, zlib, none or any (v7 default: any, which is zstd)')
      .requiredOption('-o, --output <file>', 'output file ("-": standard output, --to then required), or a folder (ending in /, or existing) for a dataset')
      .option('--event <event>', 'only this event (its fields become columns)')
      .option('--fields', 'expand the fields of every event into columns')
      .option('--memory-limit <size>', "for a dataset: DuckDB's memory before it spills to a temporary folder, e.g. 2GB"),
  ).action(async (files: string[], o: Record<string, unknown>) => {
    const out = String(o.output);
    const dataset = out.endsWith('/') || (fs.existsSync(out) && fs.statSync(out).isDirectory()) || files.length > 1;
    if (!dataset && (o.to === 'dat' || (o.to === undefined && /\.dat$/i.test(out)))) {
      if (out === '-') throw new UserError('convert: a trace.dat needs a file to go in, not standard output');
      const flavour = datFlavour(o.fileVersion as string | undefined, o.compression as string | undefined);
      // the stamps as recorded, with the options that convert them, as trace-cmd convert copies them
      const trace = await openInput(files[0], o, { rawTs: true });
      const sel = selectionOf(o, trace);
      const keep = sel.filters?.length ? buildEventSelection(trace, sel.filters) : undefined;
      const { events } = await writeDatFrom(trace, out, flavour, { cpus: sel.cpus, keep: keep && ((b, i) => keep(b, i, trace.formats.get(b.type[i]))) });
      trace.close();
      process.stderr.write(`tracelab: ${events} events -> ${out} (trace.dat v${flavour.version}${flavour.version === 7 ? `, ${flavour.compression}` : ''})\n`);
      return;
    }
    if (o.fileVersion !== undefined || o.compression !== undefined) throw new UserError('convert: --file-version and --compression are for a trace.dat output (-o FILE.dat or --to dat)');
    if (!dataset) {
      const { exportEvents, exportFormat } = await import('../src/index.ts');
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
    const { writeDataset } = await import('../src/index.ts');
    const written = await writeDataset(traces.map((trace, k) => ({ trace, name: path.basename(files[k]) })), out, { ...selectionOf(o, ...traces), memoryLimit: o.memoryLimit as string | undefined });
    for (const t of traces) t.close();
    process.stderr.write(`tracelab: ${files.length} trace(s) -> ${out}: ${[...written].map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
  });
}
