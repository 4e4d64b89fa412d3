import type { Trace } from '../core/trace.ts';
import type { Report } from './arquero-reports.ts';
import { TasksGpCollector, gpTable, type RcuTasksSummary } from './rcu-tasks.ts';
import { RcuWatchingCollector, type RcuWatchingSummary } from './rcu-watching.ts';
import { scan, type Selection } from './scan.ts';

/** `tracelab rcu`: RCU Tasks grace periods and RCU idle, in one pass. */
export function rcuReport(trace: Trace, sel: Selection = {}): Report<RcuTasksSummary & { watching: RcuWatchingSummary }> {
  const tasks = new TasksGpCollector(trace);
  const watching = new RcuWatchingCollector(trace);
  const info = scan(trace, sel, (b, i, ev) => {
    tasks.visit(b, i, ev);
    watching.visit(b, i, ev);
  });
  const summary = tasks.finish(info);
  return { table: gpTable(summary.gracePeriods), summary: { ...summary, watching: watching.finish(info) } };
}
