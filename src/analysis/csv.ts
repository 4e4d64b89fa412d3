/**
 * The CSV rule (RFC 4180): the reports' --csv tables are written by it, and the
 * exports (table-text.ts, from the columns' buffers) quote each string through
 * csvCell() and are tested to print what csvLines() prints, so a value looks the
 * same in both. No Arrow or arquero here: the reports load this without them.
 */

/** A list column's value (an Arrow vector) as a plain array; other values as they are. */
export function plain(v: unknown): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { toArray?: unknown }).toArray === 'function' ? Array.from(v as Iterable<unknown>) : v;
}

/** One value as a CSV cell (RFC 4180 quoting; null: empty). */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  // a list (cpumask CPUs, stack frames): its JSON array, which DuckDB and pandas read back
  const s = typeof v === 'bigint' ? v.toString() : Array.isArray(v) ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV lines: the one CSV writer (exports and the reports' --csv). */
export function csvLines(names: string[], get: ((k: number) => unknown)[], rows: number, header: boolean): string {
  const lines: string[] = header ? [names.map(csvCell).join(',')] : [];
  for (let k = 0; k < rows; k++) lines.push(get.map((g) => csvCell(g(k))).join(','));
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** A report's table (arquero) as CSV, by the same rules as the exports. */
export function tableCsv(table: { columnNames(): string[]; numRows(): number; get(name: string, row: number): unknown }): string {
  const names = table.columnNames();
  return csvLines(names, names.map((n) => (k: number) => plain(table.get(n, k))), table.numRows(), true);
}
