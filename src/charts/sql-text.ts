import type { MergedTable, SqlResult, SqlValue } from '../analysis/sql.ts';

/** A value as text: exact integers, NULL for null. */
function cell(v: SqlValue): string {
  if (v === null) return 'NULL';
  // a list as DuckDB's own CLI shows it: [0, 1, 2]
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : cell(x))).join(', ')}]`;
  return typeof v === 'string' ? v : String(v);
}

const NUMERIC = /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DOUBLE|FLOAT|DECIMAL.*)$/;

/** A query's result as an aligned text table (numbers right-aligned), then how many rows. */
export function sqlResultText(r: SqlResult): string {
  const num = r.types.map((t) => NUMERIC.test(t));
  const rows = r.rows.map((row) => row.map(cell));
  const width = r.columns.map((c, k) => Math.max(c.length, ...rows.map((row) => row[k].length)));
  const line = (cells: string[]) => cells.map((s, k) => (num[k] ? s.padStart(width[k]) : k === cells.length - 1 ? s : s.padEnd(width[k]))).join('  ').trimEnd();
  return [line(r.columns), ...rows.map(line), `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`].join('\n') + '\n';
}

/** RFC 4180 CSV: a header, then the rows. */
export function sqlResultCsv(r: SqlResult): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [r.columns.map(q).join(','), ...r.rows.map((row) => row.map((v) => (v === null ? '' : q(cell(v)))).join(','))].join('\n') + '\n';
}

/** JSON: the columns with their types and the rows as objects (64-bit integers beyond 2^53 as strings). */
export function sqlResultJson(r: SqlResult): string {
  const val = (v: SqlValue): unknown => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : Array.isArray(v) ? v.map(val) : v);
  const rows = r.rows.map((row) => Object.fromEntries(row.map((v, k) => [r.columns[k], val(v)])));
  return JSON.stringify({ columns: r.columns.map((name, k) => ({ name, type: r.types[k] })), rows }, null, 2) + '\n';
}

/** `sql --schema`: each table, what a row is, and its columns with type and origin. */
export function sqlSchemaText(tables: MergedTable[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`${t.name}: ${t.doc}`);
    const w = Math.max(...t.columns.map((c) => c.name.length));
    const tw = Math.max(...t.columns.map((c) => c.type.length));
    for (const c of t.columns) out.push(`  ${c.name.padEnd(w)}  ${c.type.padEnd(tw)}  ${c.doc}`);
    out.push('');
  }
  return out.join('\n');
}
