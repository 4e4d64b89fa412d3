import * as aq from 'arquero';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { byCodeUnits } from './counts.ts';
import { readerCache } from './field-values.ts';
import type { Report } from './arquero-reports.ts';
import { DurationSketch } from './quantiles.ts';
import { TasksGpCollector } from './rcu-tasks.ts';
import { scan, spanSeconds, timestamp, type Selection } from './scan.ts';

/**
 * What uprobes cost (seed 002), from the events a real kernel has: hits per
 * probe (the uprobes:p_* and r_* events); the time each hit keeps a nohz_full
 * CPU in the kernel, from context tracking's user_exit to user_enter around
 * the hit (the int3 trap, the read side of the uprobe lookup, the handler,
 * the displaced instruction; a uretprobe's return through the uretprobe
 * syscall apart); what unregistering them took: the kprobe/kretprobe pairs
 * on synchronize_rcu_tasks_trace() and synchronize_srcu() that
 * uprobe_unregister_sync() calls, and the TLB-flush IPIs that removing the
 * breakpoints sent to the isolated CPUs (csd_queue_cpu func=flush_tlb_func).
 */

export interface ProbeHits {
  probe: string;
  kind: 'uprobe' | 'uretprobe';
  hits: number;
  lastHit: string;
}

export interface HitCost {
  kind: 'uprobe' | 'uretprobe';
  count: number;
  meanNs: number;
  p50Ns: number | null;
  p99Ns: number | null;
  maxNs: number;
}

export interface UprobeCostSummary {
  seconds: number;
  probes: ProbeHits[];
  /** Kernel time per hit on nohz_full CPUs (null: no context_tracking events). */
  perHit: HitCost[] | null;
  /** Grace-period waits of the unregistration, by function. */
  syncCalls: { func: string; calls: number; totalNs: number; maxNs: number }[];
  /** From the first grace-period wait's call to the last one's return (null: none seen). */
  unregisterNs: number | null;
  /** flush_tlb_func requests queued to CPUs while probes were being removed (null: no csd_queue_cpu). */
  tlbFlushRequests: number | null;
  notes: string[];
}

export function uprobeCost(trace: Trace, sel: Selection = {}): Report<UprobeCostSummary> {
  const field = readerCache(trace);
  const F = { func: field('func') };
  type Role = { kind: 'probe'; ret: boolean; name: string } | { kind: 'user_exit' | 'user_enter' | 'csd' } | null;
  const roles: Role[] = [];
  const roleOf = (ev: EventFormat | undefined): Role => {
    if (!ev) return null;
    let r = roles[ev.id];
    if (r !== undefined) return r;
    r =
      ev.system === 'uprobes' ? { kind: 'probe', ret: ev.name.startsWith('r_'), name: ev.name }
      : ev.system === 'context_tracking' && (ev.name === 'user_exit' || ev.name === 'user_enter') ? { kind: ev.name }
      : ev.system === 'csd' && ev.name === 'csd_queue_cpu' ? { kind: 'csd' }
      : null;
    roles[ev.id] = r;
    return r;
  };
  const hits = new Map<string, { ret: boolean; hits: number; last: number }>();
  /** Per CPU: the kernel stay's start (user_exit), and the kind of probe that fired in it. */
  const stayStart = new Map<number, number>();
  const stayProbe = new Map<number, 'uprobe' | 'uretprobe'>();
  const cost = { uprobe: new DurationSketch(), uretprobe: new DurationSketch() };
  let sawCt = false;
  let sawCsd = false;
  let tlb = 0;
  // the grace-period waits' kprobe pairs, in the same pass
  const waits = new TasksGpCollector(trace);
  const info = scan(trace, sel, (b, i, ev) => {
    waits.visit(b, i, ev);
    const r = roleOf(ev);
    if (!r) return;
    const cpu = b.cpu[i];
    const t = b.ts[i];
    switch (r.kind) {
      case 'probe': {
        let h = hits.get(r.name);
        if (!h) hits.set(r.name, (h = { ret: r.ret, hits: 0, last: t }));
        h.hits++;
        h.last = t;
        if (stayStart.has(cpu)) stayProbe.set(cpu, r.ret ? 'uretprobe' : 'uprobe');
        return;
      }
      case 'user_exit':
        sawCt = true;
        stayStart.set(cpu, t);
        stayProbe.delete(cpu);
        return;
      case 'user_enter': {
        sawCt = true;
        const k = stayProbe.get(cpu);
        const s = stayStart.get(cpu);
        if (k && s !== undefined) cost[k].add(t - s);
        stayStart.delete(cpu);
        stayProbe.delete(cpu);
        return;
      }
      case 'csd':
        sawCsd = true;
        if (String(F.func(ev!)?.read(b, i) ?? '').startsWith('flush_tlb_func')) tlb++;
        return;
    }
  });
  const probes = [...hits].map(([probe, h]) => ({ probe, kind: h.ret ? ('uretprobe' as const) : ('uprobe' as const), hits: h.hits, lastHit: timestamp(trace, h.last), last: h.last })).sort((a, b) => byCodeUnits(a.probe, b.probe));
  const gps = waits.finish(info).gracePeriods.filter((g) => g.func === 'synchronize_rcu_tasks_trace' || g.func === 'synchronize_srcu');
  const byFunc = new Map<string, { func: string; calls: number; totalNs: number; maxNs: number }>();
  for (const g of gps) {
    let x = byFunc.get(g.func);
    if (!x) byFunc.set(g.func, (x = { func: g.func, calls: 0, totalNs: 0, maxNs: 0 }));
    x.calls++;
    x.totalNs += g.durationNs ?? 0;
    x.maxNs = Math.max(x.maxNs, g.durationNs ?? 0);
  }
  const lastReturn = gps.reduce((a, g) => Math.max(a, g.end ?? -Infinity), -Infinity);
  const firstCall = gps.reduce((a, g) => Math.min(a, g.start), Infinity);
  const notes: string[] = [];
  if (!sawCt) notes.push('per-hit kernel time needs -e context_tracking (nohz_full CPUs trace it)');
  if (!gps.length) notes.push('no kprobe pair on synchronize_rcu_tasks_trace/synchronize_srcu: add one (perf probe -a synchronize_rcu_tasks_trace -a synchronize_rcu_tasks_trace%return) and record -e kprobes');
  if (!sawCsd) notes.push('TLB-flush IPIs need -e csd:csd_queue_cpu');
  const perHit = sawCt
    ? (['uprobe', 'uretprobe'] as const).filter((k) => cost[k].count).map((k) => ({ kind: k, count: cost[k].count, meanNs: cost[k].sumNs / cost[k].count, p50Ns: cost[k].quantile(0.5), p99Ns: cost[k].quantile(0.99), maxNs: cost[k].maxNs }))
    : null;
  return {
    table: aq.table({ probe: probes.map((p) => p.probe), kind: probes.map((p) => p.kind), hits: probes.map((p) => p.hits), last_hit: probes.map((p) => p.lastHit) }),
    summary: {
      seconds: spanSeconds(info),
      probes: probes.map(({ last: _, ...p }) => p),
      perHit,
      syncCalls: [...byFunc.values()],
      unregisterNs: gps.length && lastReturn > firstCall ? lastReturn - firstCall : null,
      tlbFlushRequests: sawCsd ? tlb : null,
      notes,
    },
  };
}
