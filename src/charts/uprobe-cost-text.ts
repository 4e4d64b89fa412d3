import * as aq from 'arquero';
import type { UprobeCostSummary } from '../analysis/uprobe-cost.ts';
import { textTable } from './text-table.ts';

const us = (ns: number | null) => (ns === null ? null : ns / 1000);

/** `tracelab uprobes`: hits per probe, kernel time per hit, what unregistering took. */
export function uprobeCostText(s: UprobeCostSummary, table: aq.ColumnTable, source: string): string {
  const total = s.probes.reduce((a, p) => a + p.hits, 0);
  const out = [`uprobes over ${s.seconds.toFixed(3)} s (${source}): ${s.probes.length} probes, ${total} hits`, ''];
  if (s.notes.length) out.push('notes:', ...s.notes.map((n) => `  - ${n}`), '');
  if (s.perHit?.length) {
    out.push('kernel time per hit on nohz_full CPUs (user_exit to user_enter around it; a uretprobe\'s return through the uretprobe syscall), us:');
    const h = s.perHit;
    out.push(textTable(aq.table({ kind: h.map((x) => x.kind), hits: h.map((x) => x.count), mean_us: h.map((x) => us(x.meanNs)), p50_us: h.map((x) => us(x.p50Ns)), p99_us: h.map((x) => us(x.p99Ns)), max_us: h.map((x) => us(x.maxNs)) }), { decimals: { mean_us: 4, p50_us: 3, p99_us: 3, max_us: 3 }, missing: 'n/a' }), '');
  }
  if (s.syncCalls.length) {
    out.push('grace-period waits (uprobe_unregister_sync(): kprobe pairs), ms:');
    const g = s.syncCalls;
    out.push(textTable(aq.table({ func: g.map((x) => x.func), calls: g.map((x) => x.calls), total_ms: g.map((x) => x.totalNs / 1e6), max_ms: g.map((x) => x.maxNs / 1e6) }), { decimals: { total_ms: 3, max_ms: 3 } }));
    out.push(`unregistering: ${s.unregisterNs === null ? 'n/a' : `${(s.unregisterNs / 1e6).toFixed(3)} ms`} from the first wait's call to the last one's return; TLB-flush requests queued to CPUs in the trace: ${s.tlbFlushRequests ?? 'n/a'}`, '');
  }
  if (s.probes.length) out.push('hits per probe:', textTable(table));
  return out.join('\n') + '\n';
}
