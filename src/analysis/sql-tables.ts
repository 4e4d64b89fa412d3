import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import { HARDIRQ, IRQS_OFF, NEED_RESCHED, SOFTIRQ } from '../core/trace-flags.ts';
import type { Trace } from '../core/trace.ts';

/** The column every table starts with: which trace a row came from. */
export const TRACE_COLUMN = { name: 'trace', type: 'VARCHAR', doc: 'the trace file (its name as given)' } as const;
import { fieldReaders, type FieldReader } from './field-values.ts';

/**
 * The tables `tracelab sql` offers over traces, decided from the formats alone
 * (no event read): `events` (every event, its common columns) and one table per
 * event type with its fields typed as the format declares them. Which SQL type
 * each column has, and how a row's value is read, lives here; loading them
 * into DuckDB is sql.ts's business.
 */

/** DuckDB column types the tables use. */
export type SqlType = 'BIGINT' | 'INTEGER' | 'SMALLINT' | 'TINYINT' | 'UBIGINT' | 'UINTEGER' | 'USMALLINT' | 'UTINYINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'USMALLINT[]' | 'VARCHAR[]';

export interface SqlColumn {
  name: string;
  type: SqlType;
  /** Where the value comes from, for --schema. */
  doc: string;
  /** The value of event i of a batch (null: absent, e.g. a record too short for the field); a list for the [] types. */
  read: (b: EventBatch, i: number) => number | bigint | string | boolean | number[] | string[] | null;
}

export interface SqlTable {
  name: string;
  /** What a row is. */
  doc: string;
  columns: SqlColumn[];
  /** The formats whose events are its rows (null: every event). */
  formats: ReadonlySet<EventFormat> | null;
}

const INT_TYPES: Record<number, [SqlType, SqlType]> = { 1: ['TINYINT', 'UTINYINT'], 2: ['SMALLINT', 'USMALLINT'], 4: ['INTEGER', 'UINTEGER'], 8: ['BIGINT', 'UBIGINT'] };

/** The columns every table starts with: trace, exact time, CPU, task, and the decoded common flags. */
function commonColumns(trace: Trace, traceName: string, taken: ReadonlySet<string>): SqlColumn[] {
  // a field of the same name (ipi_send_cpu's cpu, sched_wakeup's pid and comm) keeps its
  // name; the common column is then common_<name>, as the kernel names its own
  const name = (n: string) => (taken.has(n) ? `common_${n}` : n);
  const base = BigInt(trace.tsBaseSec) * 1_000_000_000n;
  const comms = trace.comms;
  return [
    { ...TRACE_COLUMN, name: name('trace'), read: () => traceName },
    { name: name('ts'), type: 'BIGINT', doc: 'time stamp, ns (exact; the report prints it as seconds)', read: (b, i) => base + BigInt(b.ts[i]) },
    { name: name('cpu'), type: 'INTEGER', doc: 'CPU the event was recorded on', read: (b, i) => b.cpu[i] },
    { name: name('pid'), type: 'INTEGER', doc: 'common_pid', read: (b, i) => b.pid[i] },
    { name: name('comm'), type: 'VARCHAR', doc: "the task's comm as the report prints it", read: (b, i) => comms.get(b.pid[i]) },
    { name: name('irqs_off'), type: 'BOOLEAN', doc: "common_flags: interrupts off (report -l's 'd')", read: (b, i) => (b.flags[i] & IRQS_OFF) !== 0 },
    { name: name('need_resched'), type: 'BOOLEAN', doc: "common_flags: need-resched ('N')", read: (b, i) => (b.flags[i] & NEED_RESCHED) !== 0 },
    { name: name('hardirq'), type: 'BOOLEAN', doc: "common_flags: in a hard interrupt ('h')", read: (b, i) => (b.flags[i] & HARDIRQ) !== 0 },
    { name: name('softirq'), type: 'BOOLEAN', doc: "common_flags: in a softirq ('s')", read: (b, i) => (b.flags[i] & SOFTIRQ) !== 0 },
    { name: name('preempt_depth'), type: 'UTINYINT', doc: 'common_preempt_count & 0xf', read: (b, i) => b.preempt[i] & 0xf },
    { name: name('migrate_disable'), type: 'UTINYINT', doc: 'common_preempt_count >> 4', read: (b, i) => b.preempt[i] >> 4 },
  ];
}

/** A field as a column: integers in their C width and sign, symbols and strings as text. */
function fieldColumn(ev: EventFormat, r: FieldReader): SqlColumn {
  const f = ev.field(r.name);
  const decl = f ? `${f.type} ${f.name}` : r.name.endsWith('_text') ? `${r.name.slice(0, -5)} as the print fmt decodes it (__print_flags/__print_symbolic)` : r.name;
  if (r.kind === 'number' && r.int) {
    const type = INT_TYPES[r.int.size][r.int.signed ? 0 : 1];
    const read64 = r.int.read64;
    return { name: r.name, type, doc: decl, read: read64 ?? ((b, i) => r.read(b, i)) };
  }
  if (r.kind === 'number') return { name: r.name, type: 'DOUBLE', doc: decl, read: (b, i) => r.read(b, i) };
  // a cpumask is its CPU ids (list_contains(cpumask, 5)), a kernel stack its frames as symbols
  if (r.list?.item === 'uint16') return { name: r.name, type: 'USMALLINT[]', doc: `${decl} (its CPU ids)`, read: r.list.read };
  if (r.list?.item === 'utf8') return { name: r.name, type: 'VARCHAR[]', doc: `${decl} (the frames, innermost first, as report's => lines name them)`, read: r.list.read };
  const how = r.kind === 'symbol' ? ' (the symbol, as the print fmt shows it)' : '';
  return { name: r.name, type: 'VARCHAR', doc: decl + how, read: (b, i) => r.read(b, i) };
}

/** A name SQL takes unquoted: letters, digits and _, not starting with a digit. */
function sqlName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(t) ? `_${t}` : t;
}

/**
 * The tables over one trace: `events`, then one per event type (its name; a
 * name two systems share becomes system_name for both).
 */
export function sqlTables(trace: Trace, traceName: string): SqlTable[] {
  const formats = trace.formats.all();
  const count = new Map<string, number>();
  for (const ev of formats) count.set(ev.name, (count.get(ev.name) ?? 0) + 1);
  const eventCols = commonColumns(trace, traceName, new Set());
  const evOf = (b: EventBatch, i: number) => trace.formats.get(b.type[i]);
  const tables: SqlTable[] = [
    {
      name: 'events',
      doc: 'every event: the common columns, its system and name',
      formats: null,
      columns: [
        ...eventCols,
        { name: 'system', type: 'VARCHAR', doc: 'the event system (sched, irq, ...)', read: (b, i) => evOf(b, i)?.system ?? null },
        { name: 'event', type: 'VARCHAR', doc: 'the event name', read: (b, i) => evOf(b, i)?.name ?? null },
      ],
    },
  ];
  const used = new Set(['events']);
  for (const ev of formats) {
    let name = sqlName(count.get(ev.name)! > 1 ? `${ev.system}_${ev.name}` : ev.name);
    while (used.has(name)) name += '_';
    used.add(name);
    const fields = fieldReaders(trace, ev).map((r) => fieldColumn(ev, r));
    const taken = new Set(fields.map((c) => c.name));
    tables.push({ name, doc: `${ev.system}:${ev.name} events`, formats: new Set([ev]), columns: [...commonColumns(trace, traceName, taken), ...fields] });
  }
  return tables;
}
