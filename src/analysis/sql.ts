import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventFormat } from '../core/event-format.ts';
import { UserError } from '../core/errors.ts';
import type { Trace } from '../core/trace.ts';
import { formatsSeen, scanChunks, type Selection } from './scan.ts';
import { sqlTables, type SqlColumn, type SqlTable, type SqlType } from './sql-tables.ts';
import { derivedTables, type DerivedTable, type DerivedValue } from './sql-derived.ts';

/**
 * SQL over traces, on an embedded DuckDB: the tables of sql-tables.ts, filled
 * by one streaming pass per trace with the rows of the tables the query names
 * (a query over csd_queue_cpu reads no other event into DuckDB), which spills
 * to a temporary folder past its memory limit rather than holding a big trace.
 */

export interface SqlInput {
  trace: Trace;
  /** The name the `trace` column gives its rows (the file as given). */
  name: string;
}

export interface SqlOptions extends Selection {
  /** DuckDB's memory limit before it spills to disk, e.g. '2GB' (default DEFAULT_MEMORY_LIMIT, 1GB). */
  memoryLimit?: string;
}

/** A result value; a LIST column's value is an array (a cpumask's CPU ids, a stack's frames). */
export type SqlValue = number | bigint | string | boolean | null | SqlValue[];

export interface SqlResult {
  columns: string[];
  /** DuckDB's name of each column's type. */
  types: string[];
  rows: SqlValue[][];
  /** Rows loaded per table the query named. */
  loaded: Map<string, number>;
}

/** A table over several traces: its columns are the union of each trace's (a type they disagree on widens). */
export interface MergedTable {
  name: string;
  doc: string;
  columns: { name: string; type: SqlType; doc: string }[];
  /** Per input: its table (null: that trace has no such event), events or an analysis's rows. */
  parts: (SqlTable | DerivedTable | null)[];
}

const INTS: SqlType[] = ['TINYINT', 'UTINYINT', 'SMALLINT', 'USMALLINT', 'INTEGER', 'UINTEGER', 'BIGINT', 'UBIGINT'];

export type SqlValueIn = DerivedValue | number[] | string[];

/** The narrowest type holding both: integers widen (to BIGINT, or UBIGINT when both are unsigned), else text. */
function widen(a: SqlType, b: SqlType): SqlType {
  if (a === b) return a;
  if (INTS.includes(a) && INTS.includes(b)) return a.startsWith('U') && b.startsWith('U') ? 'UBIGINT' : 'BIGINT';
  return 'VARCHAR';
}

/** The tables `sql` offers over these traces, with their columns' types and docs (`sql --schema`). */
export function sqlSchema(inputs: readonly SqlInput[]): MergedTable[] {
  const byName = new Map<string, MergedTable>();
  inputs.forEach((inp, k) => {
    for (const t of [...sqlTables(inp.trace, inp.name), ...derivedTables(inp.trace, inp.name)]) {
      let m = byName.get(t.name);
      if (!m) byName.set(t.name, (m = { name: t.name, doc: t.doc, columns: [], parts: inputs.map(() => null) }));
      m.parts[k] = t;
      for (const c of t.columns) {
        const have = m.columns.find((x) => x.name === c.name);
        if (!have) m.columns.push({ name: c.name, type: c.type, doc: c.doc });
        else have.type = widen(have.type, c.type);
      }
    }
  });
  return [...byName.values()];
}

/** Identifiers a query mentions (bare or "quoted"), lower-cased: the tables worth loading. */
function mentioned(query: string): Set<string> {
  const out = new Set<string>();
  for (const m of query.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*)/g)) out.add((m[1] ?? m[2]).replace(/""/g, '"').toLowerCase());
  return out;
}

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

/** One line of DuckDB's error, with what tracelab knows that helps (which tables have a missing column). */
function sqlError(e: unknown, schema: MergedTable[], loaded: ReadonlySet<string>): UserError {
  const msg = String((e as Error)?.message ?? e).split('\n')[0].trim();
  const col = /Referenced column "([^"]+)" not found/.exec(msg);
  if (col) {
    const has = schema.filter((t) => t.columns.some((c) => c.name === col[1])).map((t) => t.name);
    return new UserError(`sql: ${msg}${has.length ? ` (column ${col[1]} is in: ${has.slice(0, 12).join(', ')}${has.length > 12 ? ', ...' : ''})` : ''}`);
  }
  const tab = /Table with name ([^ ]+) does not exist/.exec(msg);
  if (tab) {
    const names = schema.map((t) => t.name).filter((n) => !loaded.has(n));
    return new UserError(`sql: ${msg} (tables: ${[...loaded, ...names].slice(0, 20).join(', ')}${schema.length > 20 ? ', ... (sql --schema lists them)' : ''})`);
  }
  return new UserError(`sql: ${msg}`);
}

/** DuckDB's memory before it spills to its temporary folder, unless --memory-limit says otherwise. */
export const DEFAULT_MEMORY_LIMIT = '1GB';

/** An embedded DuckDB with the traces' tables the caller wants loaded, for `fn`; closed and its spill folder removed after. */
async function withDatabase<T>(
  inputs: readonly SqlInput[],
  wanted: (t: MergedTable) => boolean,
  o: SqlOptions,
  fn: (con: import('@duckdb/node-api').DuckDBConnection, schema: MergedTable[], loaded: Map<string, number>) => Promise<T>,
): Promise<T> {
  const schema = sqlSchema(inputs);
  // DuckDB is a native module of ~70 MB: loaded by the commands that use it only
  const duck = await import('@duckdb/node-api');
  const spill = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-sql-'));
  // DuckDB's own default is 80% of RAM, which it fills before spilling (8 GB for an 18 M-event
  // dataset): a bound of our own keeps tracelab's memory bounded by design, past it DuckDB
  // spills. A database file in the scratch folder, not ':memory:': an in-memory database cannot
  // move its tables' blocks to disk, so a big trace would need its size in memory whatever the limit
  const instance = await duck.DuckDBInstance.create(path.join(spill, 'traces.duckdb'), { temp_directory: spill, memory_limit: o.memoryLimit ?? DEFAULT_MEMORY_LIMIT, preserve_insertion_order: 'false' });
  const con = await instance.connect();
  const loaded = new Map<string, number>();
  try {
    const typeOf: Record<SqlType, import('@duckdb/node-api').DuckDBType> = {
      BIGINT: duck.BIGINT, INTEGER: duck.INTEGER, SMALLINT: duck.SMALLINT, TINYINT: duck.TINYINT,
      UBIGINT: duck.UBIGINT, UINTEGER: duck.UINTEGER, USMALLINT: duck.USMALLINT, UTINYINT: duck.UTINYINT,
      DOUBLE: duck.DOUBLE, VARCHAR: duck.VARCHAR, BOOLEAN: duck.BOOLEAN,
      'USMALLINT[]': duck.LIST(duck.USMALLINT), 'VARCHAR[]': duck.LIST(duck.VARCHAR),
    };
    const tables = schema.filter(wanted);
    for (const t of tables) {
      await con.run(`CREATE TABLE ${quote(t.name)} (${t.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')})`);
      loaded.set(t.name, 0);
    }
    for (const [k, inp] of inputs.entries()) {
      const here = tables.map((t) => ({ t, part: t.parts[k] }));
      // an analysis's rows: its own pass over the trace
      for (const { t, part } of here) {
        if (!part || !('fill' in part)) continue;
        const sink = await chunkSink(con, t, typeOf, duck);
        const at = t.columns.map((c) => part.columns.findIndex((x) => x.name === c.name));
        const widened = t.columns.map((c, j) => at[j] >= 0 && part.columns[at[j]].type !== c.type);
        await part.fill(o, (row) => {
          for (let j = 0; j < at.length; j++) sink.cols[j][sink.n] = at[j] < 0 ? null : widened[j] ? widen1(row[at[j]], t.columns[j].type) : row[at[j]];
          sink.commit();
        });
        sink.close();
        loaded.set(t.name, (loaded.get(t.name) ?? 0) + sink.rows);
      }
      const parts = here.filter((x): x is { t: MergedTable; part: SqlTable } => x.part !== null && !('fill' in x.part));
      if (!parts.length) continue;
      const sinks = [];
      for (const { t, part } of parts) sinks.push(await tableSink(con, t, part, typeOf, duck));
      const every = sinks.filter((s) => s.formats === null);
      const byFormat = new Map<EventFormat, typeof sinks>();
      for (const s of sinks) for (const f of s.formats ?? []) byFormat.set(f, [...(byFormat.get(f) ?? []), s]);
      let pending = 0;
      const chunks = scanChunks(inp.trace, o, (b, i, ev) => {
        for (const s of every) s.add(b, i);
        const mine = ev && byFormat.get(ev);
        if (mine) for (const s of mine) s.add(b, i);
        pending += every.length + (mine ? mine.length : 0);
      });
      while (!chunks.next().done) {
        // rows appended stay in memory until a checkpoint writes them to the database file
        // (the memory limit does not reach them): one every CHECKPOINT_ROWS rows appended
        if (pending < CHECKPOINT_ROWS) continue;
        for (const s of sinks) s.flush();
        await con.run('CHECKPOINT');
        pending = 0;
      }
      for (const s of sinks) {
        s.close();
        loaded.set(s.table, (loaded.get(s.table) ?? 0) + s.rows);
      }
    }
    return await fn(con, schema, loaded);
  } finally {
    con.closeSync();
    instance.closeSync();
    fs.rmSync(spill, { recursive: true, force: true });
  }
}

/** SQL string literal. */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The tables of a dataset folder (`convert --to parquet -o DIR/`): each
 * subfolder a table, its rows in hive partitions by trace.
 */
export function datasetTables(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`${dir}: not a dataset folder`);
  const names = fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isDirectory() && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (!names.length) throw new UserError(`${dir}: no tables in it (a dataset folder holds one folder per table, written by tracelab convert --to parquet -o DIR/)`);
  return names.sort();
}

/** Runs a query over the traces' tables (and datasets' tables, as views); the query's result, every value exact (BIGINTs as bigint). */
export async function sql(inputs: readonly SqlInput[], query: string, o: SqlOptions & { datasets?: string[] } = {}): Promise<SqlResult> {
  const names = mentioned(query);
  return withDatabase(inputs, (t) => names.has(t.name.toLowerCase()), o, async (con, schema, loaded) => {
    for (const dir of o.datasets ?? []) {
      for (const table of datasetTables(dir)) {
        if (loaded.has(table)) throw new UserError(`sql: table ${table} is in ${dir} and in the traces given: query one or the other`);
        const files = path.join(dir, table, '**', '*.parquet');
        await con.run(`CREATE VIEW ${quote(table)} AS SELECT * FROM read_parquet(${literal(files)}, hive_partitioning = true, union_by_name = true)`);
        loaded.set(table, -1);
      }
    }
    let reader;
    try {
      reader = await con.runAndReadAll(query);
    } catch (e) {
      throw sqlError(e, schema, new Set(loaded.keys()));
    }
    for (const [k, v] of loaded) if (v < 0) loaded.delete(k);
    return { columns: reader.columnNames(), types: reader.columnTypes().map((t) => t.toString()), rows: reader.getRowsJS() as SqlValue[][], loaded };
  });
}

/**
 * Writes the traces' tables as a Parquet dataset DuckDB, Polars and Spark read
 * as tables: DIR/<table>/trace=<file name>/data_0.parquet, the types of
 * `sql --schema`. Only tables with rows are written. Returns rows per table.
 */
export async function writeDataset(inputs: readonly SqlInput[], dir: string, o: SqlOptions = {}): Promise<Map<string, number>> {
  const seen = new Set<string>();
  for (const inp of inputs) {
    if (!/^[^/\\=]+$/.test(inp.name)) throw new UserError(`${inp.name}: a dataset names each trace by its file name (no "/", "=" or "\\")`);
    if (seen.has(inp.name)) throw new UserError(`${inp.name}: two traces of the same name would share a partition`);
    seen.add(inp.name);
  }
  // the tables that will have rows: one counting pass per trace (the analyses' tables are not
  // written: over every CPU of a big trace they cost more than the events; `sql` makes them on demand)
  const present = new Set<string>(['events']);
  for (const inp of inputs) {
    const seen = new Set(formatsSeen(inp.trace, o));
    for (const t of sqlTables(inp.trace, inp.name)) if (t.formats && [...t.formats].some((f) => seen.has(f))) present.add(t.name);
  }
  fs.mkdirSync(dir, { recursive: true });
  return withDatabase(inputs, (t) => present.has(t.name), o, async (con, _schema, loaded) => {
    for (const [table, rows] of loaded) {
      if (!rows) continue;
      // each table is written beside its final name and moved there when complete
      const target = path.join(dir, table);
      const tmp = path.join(dir, `.${table}.tracelab-${process.pid}`);
      try {
        await con.run(`COPY ${quote(table)} TO ${literal(tmp)} (FORMAT PARQUET, PARTITION_BY (trace), COMPRESSION ZSTD)`);
        fs.rmSync(target, { recursive: true, force: true });
        fs.renameSync(tmp, target);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
    return new Map([...loaded].filter(([, n]) => n > 0));
  });
}

const CHUNK = 2048;
/** Rows appended between checkpoints while tables load. */
const CHECKPOINT_ROWS = 1 << 19;

type Duck = typeof import('@duckdb/node-api');

/**
 * Rows appended to a DuckDB table a data chunk at a time: the caller fills
 * `cols[c][n]` for each column, then commit().
 */
async function chunkSink(con: import('@duckdb/node-api').DuckDBConnection, t: MergedTable, typeOf: Record<SqlType, import('@duckdb/node-api').DuckDBType>, duck: Duck) {
  const appender = await con.createAppender(t.name);
  const types = t.columns.map((c) => typeOf[c.type]);
  const sink = {
    cols: t.columns.map(() => new Array(CHUNK)) as unknown[][],
    n: 0,
    rows: 0,
    commit() {
      sink.n++;
      sink.rows++;
      if (sink.n === CHUNK) flush();
    },
    close() {
      flush();
      appender.closeSync();
    },
    /** What was appended, into the table (committed). */
    flush() {
      flush();
      appender.flushSync();
    },
  };
  const flush = () => {
    const n = sink.n;
    if (!n) return;
    const chunk = duck.DuckDBDataChunk.create(types, n);
    chunk.setColumns(n === CHUNK ? (sink.cols as never) : (sink.cols.map((c) => c.slice(0, n)) as never));
    appender.appendDataChunk(chunk);
    sink.cols = t.columns.map(() => new Array(CHUNK));
    sink.n = 0;
  };
  return sink;
}

/** Rows of one event table from one trace. */
async function tableSink(con: import('@duckdb/node-api').DuckDBConnection, t: MergedTable, part: SqlTable, typeOf: Record<SqlType, import('@duckdb/node-api').DuckDBType>, duck: Duck) {
  const sink = await chunkSink(con, t, typeOf, duck);
  // each merged column read by this trace's column of that name (none: null), converted when it widened;
  // lists go to DuckDB as list values
  const readers = t.columns.map((c) => {
    const own = part.columns.find((x) => x.name === c.name);
    if (!own) return null;
    if (c.type.endsWith('[]') && own.type === c.type) return (b: import('../core/batch.ts').EventBatch, i: number) => {
      const v = own.read(b, i) as number[] | string[] | null;
      return v === null ? null : duck.listValue(v);
    };
    return convert(own, c.type);
  });
  return {
    table: t.name,
    formats: part.formats,
    get rows() {
      return sink.rows;
    },
    add(b: import('../core/batch.ts').EventBatch, i: number) {
      const cols = sink.cols;
      const n = sink.n;
      for (let c = 0; c < readers.length; c++) {
        const r = readers[c];
        cols[c][n] = r ? r(b, i) : null;
      }
      sink.commit();
    },
    close: sink.close,
    flush: sink.flush,
  };
}

/** A value converted to the (wider) merged type: text (a list as its JSON), or a 64-bit integer as bigint. */
function widen1(v: SqlValueIn, to: SqlType): DerivedValue {
  if (v === null) return null;
  if (to === 'VARCHAR') return Array.isArray(v) ? JSON.stringify(v) : String(v);
  return BigInt(v as number | bigint);
}

/** A column's reader, its values converted to the (possibly wider) merged type. */
function convert(c: SqlColumn, to: SqlType): SqlColumn['read'] {
  if (c.type === to) return c.read;
  return (b, i) => widen1(c.read(b, i), to);
}
