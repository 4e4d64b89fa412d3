import * as aq from 'arquero';
import type { RcuTasksSummary } from '../analysis/rcu-tasks.ts';
import type { RcuWatchingSummary } from '../analysis/rcu-watching.ts';
import { textTable } from './text-table.ts';

/** `tracelab rcu`: each RCU Tasks grace period, what held it, and the kernel's messages meanwhile. */
export function rcuTasksText(s: RcuTasksSummary, table: aq.ColumnTable, source: string): string {
  const out = [`RCU Tasks grace periods (synchronize_rcu_tasks* calls, from kprobe/kretprobe pairs) over ${s.seconds.toFixed(3)} s (${source}):`, ''];
  if (s.notes.length) out.push('notes:', ...s.notes.map((n) => `  - ${n}`), '');
  if (!s.gracePeriods.length) return out.join('\n') + '\n';
  out.push(textTable(table, { decimals: { duration_ms: 3, off_cpu_ms: 3 }, missing: 'n/a' }));
  out.push('', 'holdout: of the tasks preempted (R+) before the call and kept off their CPU past its first holdout scan (100 ms in), the one that ran again last: RCU Tasks could not end before it did (n/a: none).');
  for (const g of s.gracePeriods) {
    if (!g.messages.length) continue;
    out.push('', `kernel messages during the ${g.func} call at ${g.startTime}:`, ...g.messages.map((m) => `  ${m}`));
  }
  return out.join('\n') + '\n';
}

/** Where RCU was idle, per CPU, and the tracepoints that fired there (seed 000). */
export function rcuWatchingText(w: RcuWatchingSummary): string {
  const p = w.perCpu;
  const table = aq.table({
    cpu: p.map((x) => x.cpu),
    idle_stays: p.map((x) => x.idleStays),
    interrupts: p.map((x) => x.interrupts),
    tracepoints_rcu_woken_for: p.map((x) => x.tracepointsNeedingRcu),
    fired_unwatched: p.map((x) => x.unwatched),
  });
  return ['', 'RCU idle (rcu_watching Start/End) per CPU: interrupts in it, tracepoints for which RCU was woken (an Endirq/Startirq window around them alone: rcu_irq_enter_irqson()), tracepoints fired with RCU not watching:', textTable(table), ''].join('\n');
}

/** `tracelab rcu`: the RCU Tasks part (unless the trace only shows RCU idle), then RCU idle when recorded. */
export function rcuText(s: RcuTasksSummary & { watching: RcuWatchingSummary }, table: aq.ColumnTable, source: string): string {
  const { watching, ...tasks } = s;
  return (tasks.gracePeriods.length || !watching.recorded ? rcuTasksText(tasks, table, source) : '') + (watching.recorded ? rcuWatchingText(watching) : '');
}
