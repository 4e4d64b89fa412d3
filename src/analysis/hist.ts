import * as aq from 'arquero';
import type { Trace } from '../core/trace.ts';
import { histColumns, type HistOptions, type HistSummary } from './hist-counts.ts';

export type { HistOptions, HistRow, HistSummary } from './hist-counts.ts';

/** What the analyses return: their rows as an arquero table, and a summary. */
export interface Report<S> {
  table: aq.ColumnTable;
  summary: S;
}

/** histColumns() (hist-counts.ts) with its rows as an arquero table. */
export function hist(trace: Trace, o: HistOptions): Report<HistSummary> {
  const r = histColumns(trace, o);
  return { table: aq.table(r.table.data()), summary: r.summary };
}
