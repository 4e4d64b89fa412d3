import * as aq from 'arquero';
import type { Trace } from '../core/trace.ts';
import type { ColumnsReport } from './columns.ts';
import { histColumns, type HistOptions, type HistSummary } from './hist-counts.ts';
import { interferenceColumns, interferenceOverTimeColumns, type InterferenceOptions, type InterferenceSummary } from './interference.ts';
import { functionColumns, ipiCausalityColumns, type IpiCausalityOptions, type IpiCausalitySummary } from './ipi-causality.ts';
import { isolationViolationsColumns, type IsolationViolationsOptions, type IsolationViolationsSummary } from './isolation-violations.ts';
import { noiseColumns, type NoiseOptions, type NoiseSummary } from './noise.ts';

/*
 * The analyses whose commands print plain columns, with their rows as arquero
 * tables for notebooks and the library (select, groupby, rollup). The commands
 * call the *Columns() functions and never load arquero: 550 KB of modules,
 * ~20 ms of a command that takes 0.2-0.3 s on a real trace.
 */

export type { HistOptions, HistRow, HistSummary } from './hist-counts.ts';

/** What the analyses return: their rows as an arquero table, and a summary. */
export interface Report<S> {
  table: aq.ColumnTable;
  summary: S;
}

function withTable<S>(r: ColumnsReport<S>): Report<S> {
  return { table: aq.table(r.table.data()), summary: r.summary };
}

/** histColumns() (hist-counts.ts) with its rows as an arquero table. */
export function hist(trace: Trace, o: HistOptions): Report<HistSummary> {
  return withTable(histColumns(trace, o));
}

/** interferenceColumns() (interference.ts) with its rows as an arquero table. */
export function interference(trace: Trace, o: InterferenceOptions): Report<InterferenceSummary> {
  return withTable(interferenceColumns(trace, o));
}

/** interferenceOverTimeColumns() (interference.ts): one row per isolated CPU and time bin. */
export function interferenceOverTime(trace: Trace, o: InterferenceOptions & { bins?: number }): Report<{ binSeconds: number; seconds: number; interference: InterferenceSummary }> {
  return withTable(interferenceOverTimeColumns(trace, o));
}

/** ipiCausalityColumns() (ipi-causality.ts) with its rows as an arquero table. */
export function ipiCausality(trace: Trace, o: IpiCausalityOptions = {}): Report<IpiCausalitySummary> {
  return withTable(ipiCausalityColumns(trace, o));
}

/** functionColumns() (ipi-causality.ts) as an arquero table: one row per function. */
export function functionTable(s: Pick<IpiCausalitySummary, 'sides' | 'functions'>): aq.ColumnTable {
  return aq.table(functionColumns(s).data());
}

/** noiseColumns() (noise.ts) with its rows as an arquero table. */
export function noise(trace: Trace, o: NoiseOptions = {}): Report<NoiseSummary> {
  return withTable(noiseColumns(trace, o));
}

/** isolationViolationsColumns() (isolation-violations.ts) with its rows as an arquero table. */
export function isolationViolations(trace: Trace, o: IsolationViolationsOptions = {}): Report<IsolationViolationsSummary> {
  return withTable(isolationViolationsColumns(trace, o));
}
