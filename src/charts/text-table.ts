import type { TableLike } from '../analysis/columns.ts';

export interface TextTableOptions {
  /** Columns shown as percentages (values are fractions). */
  percent?: string[];
  /** Decimals for number columns (default: integers as is, others 3). */
  decimals?: Record<string, number>;
  /** A last row, e.g. totals (missing columns left blank). */
  footer?: Record<string, string | number | null>;
  /** Column headers to print instead of the names. */
  headers?: Record<string, string>;
  /** What a null number prints as (default "-"); the analyses print "n/a": not recorded is not 0. */
  missing?: string;
}

/**
 * The units the analyses name their columns by, as the CLI prints them: a
 * share as a percentage, µs (`_us`) with 1 decimal, percentages (`_pct`) with
 * 5, rates with 3, n/a for what a trace did not record.
 */
export function unitOptions(names: string[]): TextTableOptions {
  const decimals: Record<string, number> = {};
  const percent: string[] = [];
  for (const n of names) {
    if (n === 'share') percent.push(n);
    else if (n.endsWith('_us')) decimals[n] = 1;
    else if (n.endsWith('_pct')) decimals[n] = 5;
    else if (n === 'rate' || n === 'per_second' || n === 'per_s' || n.endsWith('_per_min')) decimals[n] = 3;
    else if (n === 'ratio') decimals[n] = 2;
  }
  return { decimals, percent, missing: 'n/a' };
}

/** The cells of a table as text, by the rules textTable prints them with (footer included). */
export function tableCells(table: TableLike, o: TextTableOptions = {}): { names: string[]; rows: string[][]; numeric: boolean[] } {
  const names = table.columnNames();
  const rows: (string | number | null)[][] = [];
  const n = table.numRows();
  const cols = names.map((c) => table.array(c) as ArrayLike<unknown>);
  for (let r = 0; r < n; r++) rows.push(cols.map((col) => col[r] as string | number | null));
  if (o.footer) rows.push(names.map((c) => o.footer![c] ?? null));
  const numeric = names.map((_, k) => rows.every((r) => r[k] === null || typeof r[k] === 'number'));
  const cell = (v: string | number | null, k: number): string => {
    if (v === null || v === undefined) return numeric[k] ? (o.missing ?? '-') : '';
    if (typeof v !== 'number') return String(v);
    const name = names[k];
    if (o.percent?.includes(name)) return `${(v * 100).toFixed(1)}%`;
    const d = o.decimals?.[name];
    if (d !== undefined) return v.toFixed(d);
    return Number.isInteger(v) ? String(v) : v.toFixed(3);
  };
  return { names, rows: rows.map((r) => r.map(cell)), numeric };
}

/**
 * A plain-text table for a mail: strings left-aligned, numbers right-aligned,
 * two spaces between columns, no trailing spaces.
 */
export function textTable(table: TableLike, o: TextTableOptions = {}): string {
  const { names, rows: text, numeric } = tableCells(table, o);
  const head = names.map((c) => o.headers?.[c] ?? c);
  const width = names.map((_, k) => Math.max(head[k].length, ...text.map((r) => r[k].length)));
  const line = (r: string[]) =>
    r
      .map((s, k) => (numeric[k] ? s.padStart(width[k]) : k === r.length - 1 ? s : s.padEnd(width[k])))
      .join('  ')
      .trimEnd();
  return [line(head), ...text.map(line)].join('\n') + '\n';
}

/** A duration for a sentence: "12.3 us", or n/a when not recorded (ASCII: mails and latin1 output). */
export function usText(ns: number | null): string {
  return ns === null ? 'n/a' : `${(ns / 1000).toFixed(1)} us`;
}

/** Horizontal bars in plain text, for `--bars`: one line per row, scaled to the largest value. */
export function textBars(labels: string[], values: number[], width = 40): string {
  const max = Math.max(0, ...values);
  const lw = Math.max(0, ...labels.map((l) => l.length));
  const vw = Math.max(0, ...values.map((v) => String(v).length));
  return labels
    .map((l, k) => {
      const n = max ? Math.round((values[k] / max) * width) : 0;
      return `${l.padEnd(lw)}  ${String(values[k]).padStart(vw)}  ${'#'.repeat(n)}`.trimEnd();
    })
    .join('\n') + '\n';
}
