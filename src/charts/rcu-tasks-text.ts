import type * as aq from 'arquero';
import type { RcuTasksSummary } from '../analysis/rcu-tasks.ts';
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
