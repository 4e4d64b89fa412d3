/**
 * What the text tables, CSV and JSON of a report read from its table: arquero's
 * ColumnTable has these methods, and so do plain columns (`Columns`), which a
 * command can print without loading arquero (550 KB of modules, ~20 ms to load
 * alone against `node -e 0`, of a command that takes 0.2-0.3 s on a real trace).
 */
export interface TableLike {
  columnNames(): string[];
  numRows(): number;
  array(name: string): ArrayLike<unknown>;
  get(name: string, row: number): unknown;
  objects(): object[];
}

/** Named columns of equal length, as a report's rows. */
export class Columns implements TableLike {
  private readonly names: string[];
  private readonly rows: number;

  constructor(private readonly cols: Record<string, unknown[]>) {
    this.names = Object.keys(cols);
    this.rows = this.names.length ? cols[this.names[0]].length : 0;
    for (const n of this.names) if (cols[n].length !== this.rows) throw new Error(`column ${n} has ${cols[n].length} rows, not ${this.rows}`);
  }

  columnNames(): string[] {
    return [...this.names];
  }

  numRows(): number {
    return this.rows;
  }

  array(name: string): unknown[] {
    const c = this.cols[name];
    if (!c) throw new Error(`no column ${name}`);
    return c;
  }

  get(name: string, row: number): unknown {
    return this.array(name)[row];
  }

  /** One object per row, its keys in column order (as arquero's objects()). */
  objects(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (let r = 0; r < this.rows; r++) {
      const o: Record<string, unknown> = {};
      for (const n of this.names) o[n] = this.cols[n][r];
      out.push(o);
    }
    return out;
  }

  /** The columns themselves (for an arquero table: aq.table(columns.data())). */
  data(): Record<string, unknown[]> {
    return this.cols;
  }
}

/** What an analysis returns before arquero: its rows as plain columns, and a summary (arquero-reports.ts makes a Report of it). */
export interface ColumnsReport<S> {
  table: Columns;
  summary: S;
}
