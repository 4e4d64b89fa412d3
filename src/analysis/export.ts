import { writeAtomically } from '../core/atomic-file.ts';
import * as fs from 'node:fs';
import { tableToIPC } from 'apache-arrow';
import type { Trace } from '../core/trace.ts';
import { UserError } from '../core/errors.ts';
import { writeAll } from '../core/write-all.ts';
import { columnChunks, fillColumns, formatsPresent, type EventColumns, type TableOptions } from './table.ts';
import { csvTableBytes, jsonTableBytes } from './table-text.ts';
import { ByteSink } from '../io/text/byte-sink.ts';

export type ExportFormat = 'csv' | 'json' | 'ndjson' | 'arrow' | 'parquet';
export const EXPORT_FORMATS: ExportFormat[] = ['csv', 'json', 'ndjson', 'arrow', 'parquet'];

/** File name endings and the format each means. */
const EXTENSIONS: Record<string, ExportFormat> = { csv: 'csv', json: 'json', ndjson: 'ndjson', jsonl: 'ndjson', arrow: 'arrow', feather: 'arrow', ipc: 'arrow', parquet: 'parquet', pq: 'parquet' };

/** Rows per chunk for the text formats: memory stays bounded whatever the input size. */
const CHUNK = 1 << 16;

/**
 * Writes a trace's events as CSV, JSON (an array of objects), NDJSON (one
 * object per line), Arrow IPC (file format) or Parquet, so pandas, Polars, DuckDB or Spark can take over. Time
 * stamps are exact int64 nanoseconds (in CSV/JSON, exact decimal digits). CSV
 * and JSON stream in chunks; Arrow and Parquet are built as one table with one
 * dictionary per column (so readers never meet differing batch dictionaries).
 */
export async function exportEvents(trace: Trace, format: ExportFormat, out: string, o: TableOptions = {}): Promise<{ rows: number }> {
  // "-": standard output (nothing to replace there, so no temporary name)
  if (out === '-') return exportTo(trace, format, 1, o);
  return writeAtomically(out, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    return exportTo(trace, format, fd, o).finally(() => fs.closeSync(fd));
  });
}

async function exportTo(trace: Trace, format: ExportFormat, fd: number, o: TableOptions): Promise<{ rows: number }> {
  if (format === 'parquet') return { rows: await parquetTo(trace, fd, o) };
  if (format === 'arrow') {
    const t = fillColumns(trace, o).take();
    writeAll(fd, tableToIPC(t, 'file'));
    return { rows: t.numRows };
  }
  // text goes out as bytes, a megabyte at a time (the sink's buffer is reused once written)
  const sink = new ByteSink((bytes) => writeAll(fd, bytes), 1 << 20, true);
  let rows = 0;
  let wroteHeader = false;
  const flushText = (cols: EventColumns) => {
    const t = cols.take();
    if (!t.numRows && wroteHeader) return;
    if (format === 'csv') csvTableBytes(t, !wroteHeader, sink);
    else if (format === 'ndjson') jsonTableBytes(t, sink, { between: null, end: '\n' });
    else {
      // one array: its opening, then the rows with a comma between any two
      if (!wroteHeader) sink.str('[\n');
      if (rows && t.numRows) sink.str(',\n');
      jsonTableBytes(t, sink, { between: ',\n', end: '' });
    }
    wroteHeader = true;
    rows += t.numRows;
  };
  const cols = fillColumns(trace, o, (c) => {
    if (c.rows >= CHUNK) flushText(c);
  });
  flushText(cols);
  if (format === 'json') sink.str(rows ? '\n]\n' : ']\n');
  sink.flush();
  return { rows };
}

/** Rows per Parquet row group: what the export holds at a time. */
const PARQUET_CHUNK = 1 << 18;

/**
 * Parquet in row groups of PARQUET_CHUNK rows, written as they are made: a
 * stream of record batches, all of one schema (the columns made up front from
 * the formats present), pulled by parquet-wasm's writer, so memory holds one
 * row group, not the trace.
 */
async function parquetTo(trace: Trace, fd: number, o: TableOptions): Promise<number> {
  const pq = await import('parquet-wasm');
  const formats = formatsPresent(trace, o);
  const { cols, chunks } = columnChunks(trace, o);
  cols.prepare(formats);
  let rows = 0;
  let done = false;
  const input = new ReadableStream({
    pull(controller) {
      while (!done && cols.rows < PARQUET_CHUNK) done = !!chunks.next().done;
      // an empty trace still writes its schema (one empty batch)
      if (cols.rows || (done && !rows)) {
        const t = cols.take();
        rows += t.numRows;
        for (const rb of pq.Table.fromIPCStream(tableToIPC(t, 'stream')).recordBatches()) controller.enqueue(rb);
      }
      if (done) controller.close();
    },
  });
  // the writer buffers a row group until it is full: ours are the chunks
  const props = new pq.WriterPropertiesBuilder().setCompression(pq.Compression.ZSTD).setMaxRowGroupSize(PARQUET_CHUNK).build();
  const out = await pq.transformParquetStream(input, props);
  for await (const bytes of out as unknown as AsyncIterable<Uint8Array>) writeAll(fd, bytes);
  return rows;
}

/** The export format: --to when given, else the output file's ending. */
export function exportFormat(text: string | undefined, output?: string): ExportFormat {
  if (text !== undefined) {
    if ((EXPORT_FORMATS as string[]).includes(text)) return text as ExportFormat;
    throw new UserError(`--to: expected one of ${EXPORT_FORMATS.join(', ')}, not "${text}"`);
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(output ?? '')?.[1]?.toLowerCase();
  const f = ext === undefined ? undefined : EXTENSIONS[ext];
  if (!f) throw new UserError(`--to: give the format (${EXPORT_FORMATS.join(', ')}); the output name "${output ?? ''}" does not say`);
  return f;
}
