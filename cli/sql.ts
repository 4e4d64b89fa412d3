import * as fs from 'node:fs';
import type { Command } from 'commander';
import { sql, sqlSchema, UserError } from '../src/index.ts';
import { sqlResultCsv, sqlResultJson, sqlResultText, sqlSchemaText } from '../src/charts/index.ts';
import { ByteWriter } from './output.ts';
import { openInput, selectionOf } from './analysis-options.ts';

export function register(program: Command): void {
  program
    .command('sql')
    .description("SQL over traces on an embedded DuckDB: a table per event type with its fields typed as the format declares them, and `events` with every event; several files share the tables, told apart by the trace column")
    .argument('<args...>', "FILE... 'QUERY': traces, or dataset folders written by convert -o DIR/ (with --schema: FILE...)")
    .option('--schema', 'list the tables and columns instead of running a query')
    .option('-F, --filter <filter>', "only matching events: 'EVENTS' or 'EVENTS: FILTER' (kernel filter language; repeatable)", (v: string, p: { arg: string; negative: boolean }[]) => [...p, { arg: v, negative: false }], [] as { arg: string; negative: boolean }[])
    .option('--cpus <list>', 'only events on these CPUs, e.g. 0-3')
    .option('--format <file>', 'event format file or folder for text traces (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--memory-limit <size>', "DuckDB's memory before it spills to a temporary folder, e.g. 2GB")
    .option('--json', 'JSON: the columns and the rows')
    .option('--csv', 'CSV: the rows')
    .action(async (args: string[], o: Record<string, unknown>) => {
      const files = o.schema ? args : args.slice(0, -1);
      const query = o.schema ? '' : args[args.length - 1];
      if (!files.length) throw new UserError(o.schema ? 'sql --schema: give the trace files' : "sql: give the trace files, then the query: tracelab sql FILE... 'SELECT ...'");
      // a folder is a dataset written by convert -o DIR/: its tables are read from it
      const datasets = files.filter((f) => fs.existsSync(f) && fs.statSync(f).isDirectory());
      const traceFiles = files.filter((f) => !datasets.includes(f));
      if (o.schema && datasets.length) throw new UserError('sql --schema: a dataset\'s tables are its folders (DuckDB: DESCRIBE table)');
      const traces = [];
      for (const f of traceFiles) traces.push(await openInput(f, o));
      const inputs = traces.map((trace, k) => ({ trace, name: traceFiles[k] }));
      const out = new ByteWriter();
      try {
        if (o.schema) return out.write(sqlSchemaText(sqlSchema(inputs)));
        const r = await sql(inputs, query, { ...selectionOf(o, ...traces), memoryLimit: o.memoryLimit as string | undefined, datasets });
        out.write(o.json ? sqlResultJson(r) : o.csv ? sqlResultCsv(r) : sqlResultText(r));
      } finally {
        for (const t of traces) t.close();
      }
    });
}
