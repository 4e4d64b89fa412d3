import * as aq from 'arquero';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import type { EventBatch } from '../core/batch.ts';
import { ipiTargetReader, readerCache } from './field-values.ts';
import { stackFrames } from '../core/kernel-stack.ts';
import type { Report } from './hist.ts';
import { scan, spanSeconds, type Selection } from './scan.ts';

export interface InterferenceOptions extends Selection {
  isolated: readonly number[];
  /** Also count disturbances per CPU in time bins: from `first` (ns, trace-relative), `width` ns each. */
  timeline?: { first: number; width: number; bins: number };
}

/** Kinds of disturbance an isolated CPU suffers. */
export const SOURCES = ['ipi', 'irq', 'softirq', 'tick', 'irq_work', 'switch', 'syscall', 'fault'] as const;
export type Source = (typeof SOURCES)[number];

export interface CpuInterference {
  cpu: number;
  counts: Record<Source, number>;
  total: number;
  /** IPIs by callback, callsite, sending CPU and sending comm. */
  byCallback: Map<string, number>;
  byCallsite: Map<string, number>;
  bySender: Map<number, number>;
  byComm: Map<string, number>;
  /** ns inside kernel episodes seen on the CPU (entry/exit pairs). */
  kernelNs: number;
  /** Longest stretch with nothing aimed at or happening on the CPU (ns). */
  quietNs: number;
  /** Disturbances per time bin, with `timeline`. */
  bins: Float64Array | null;
}

export interface InterferenceSummary {
  isolated: number[];
  seconds: number;
  totals: Record<Source, number>;
  total: number;
  perSecond: number;
  byCallback: [string, number][];
  bySender: [number, number][];
  byComm: [string, number][];
  /** Call chains (kernel_stack after an IPI send) by how many IPIs they sent to isolated CPUs. */
  chains: [string, number][];
  kernelNs: number;
  /** The shortest of the per-CPU longest quiet stretches (the worst CPU), ns. */
  worstQuietNs: number;
  perCpu: CpuInterference[];
}

const ENTRY_EXIT: Record<string, [Source | null, 'in' | 'out']> = {
  local_timer_entry: ['tick', 'in'],
  local_timer_exit: [null, 'out'],
  call_function_entry: [null, 'in'],
  call_function_exit: [null, 'out'],
  call_function_single_entry: [null, 'in'],
  call_function_single_exit: [null, 'out'],
  reschedule_entry: [null, 'in'],
  reschedule_exit: [null, 'out'],
  irq_work_entry: ['irq_work', 'in'],
  irq_work_exit: [null, 'out'],
  irq_handler_entry: ['irq', 'in'],
  irq_handler_exit: [null, 'out'],
  softirq_entry: ['softirq', 'in'],
  softirq_exit: [null, 'out'],
  sys_enter: ['syscall', 'in'],
  sys_exit: [null, 'out'],
};

/**
 * Everything that disturbed each isolated CPU: IPIs aimed at it (from
 * ipi_send_cpu targets and exploded ipi_send_cpumask masks, by callback,
 * callsite, sender CPU and comm), and what ran on it (IRQ handlers, softirqs,
 * ticks, irq_work, context switches, syscalls and faults of its own task), time
 * in the kernel and the longest quiet stretch. Works on seed-004 style traces
 * that hold only IPI sends as well as on full ones. Streams the trace once.
 */
export function interference(trace: Trace, o: InterferenceOptions): Report<InterferenceSummary> {
  const iso = [...new Set(o.isolated)].sort((a, b) => a - b);
  const isIso = new Uint8Array(Math.max(trace.cpus, ...iso.map((c) => c + 1), 1));
  for (const c of iso) isIso[c] = 1;
  const per = new Map<number, CpuInterference>();
  for (const c of iso) per.set(c, { cpu: c, counts: zero(), total: 0, byCallback: new Map(), byCallsite: new Map(), bySender: new Map(), byComm: new Map(), kernelNs: 0, quietNs: 0, bins: o.timeline ? new Float64Array(o.timeline.bins) : null });
  const lastSeen = new Map<number, number>();
  const depthStart = new Map<number, { depth: number; since: number }>();
  const field = readerCache(trace);
  const callback = field('callback');
  const callsite = field('callsite');
  // per event id: how to read an IPI's targets (null: not an IPI send)
  const ipis = new Map<number, ((b: EventBatch, i: number) => number[]) | null>();
  // the IPI a CPU sent last, so a kernel_stack right after it can be credited
  const lastIpi = new Map<number, { targets: number }>();
  const chains = new Map<string, number>();
  let first = NaN;
  const tl = o.timeline;
  const touch = (cpu: number, t: number) => {
    const c = per.get(cpu)!;
    if (tl && c.bins) {
      const k = Math.floor((t - tl.first) / tl.width);
      if (k >= 0 && k < tl.bins) c.bins[k]++;
      else if (k >= tl.bins) c.bins[tl.bins - 1]++;
    }
    const prev = lastSeen.get(cpu) ?? first;
    if (t - prev > c.quietNs) c.quietNs = t - prev;
    lastSeen.set(cpu, t);
  };
  const info = scan(trace, o, (b, i, ev) => {
    const t = b.ts[i];
    if (Number.isNaN(first)) first = t;
    if (!ev) return;
    const cpu = b.cpu[i];
    let readTargets = ipis.get(ev.id);
    if (readTargets === undefined) ipis.set(ev.id, (readTargets = ev.system === 'ipi' ? ipiTargetReader(trace, ev) : null));
    if (readTargets) {
      const targets = readTargets(b, i);
      let n = 0;
      const cb = callback(ev)?.read(b, i);
      const site = callsite(ev)?.read(b, i);
      const key = cb === null || cb === undefined ? '(none)' : String(cb);
      const siteKey = site === null || site === undefined ? null : String(site);
      const comm = trace.comms.get(b.pid[i]);
      for (const c of targets) {
        if (c >= isIso.length || !isIso[c]) continue;
        const x = per.get(c)!;
        n++;
        x.counts.ipi++;
        x.total++;
        x.byCallback.set(key, (x.byCallback.get(key) ?? 0) + 1);
        if (siteKey !== null) x.byCallsite.set(siteKey, (x.byCallsite.get(siteKey) ?? 0) + 1);
        x.bySender.set(cpu, (x.bySender.get(cpu) ?? 0) + 1);
        x.byComm.set(comm, (x.byComm.get(comm) ?? 0) + 1);
        touch(c, t);
      }
      lastIpi.set(cpu, { targets: n });
      return;
    }
    if (ev.system === 'ftrace' && ev.name === 'kernel_stack') {
      const sent = lastIpi.get(cpu);
      lastIpi.delete(cpu);
      if (sent && sent.targets) {
        const chain = stackText(trace, ev, b, i);
        chains.set(chain, (chains.get(chain) ?? 0) + sent.targets);
      }
      return;
    }
    lastIpi.delete(cpu);
    if (cpu >= isIso.length || !isIso[cpu]) return;
    const x = per.get(cpu)!;
    // own keys only: an event named "constructor" is not an entry/exit pair
    const ee = Object.hasOwn(ENTRY_EXIT, ev.name) ? ENTRY_EXIT[ev.name] : undefined;
    let source: Source | null = null;
    if (ee) {
      const d = depthStart.get(cpu) ?? { depth: 0, since: 0 };
      if (ee[1] === 'in') {
        if (d.depth === 0) d.since = t;
        d.depth++;
        source = ee[0];
      } else if (d.depth > 0) {
        d.depth--;
        if (d.depth === 0) x.kernelNs += t - d.since;
      }
      depthStart.set(cpu, d);
    } else if (ev.name === 'sched_switch') source = 'switch';
    else if (ev.name === 'page_fault_user' || ev.name === 'page_fault_kernel') source = 'fault';
    if (source) {
      x.counts[source]++;
      x.total++;
    }
    touch(cpu, t);
  });
  const end = info.last;
  for (const c of iso) {
    const x = per.get(c)!;
    const prev = lastSeen.get(c) ?? first;
    if (!Number.isNaN(end) && end - prev > x.quietNs) x.quietNs = end - prev;
  }
  const seconds = spanSeconds(info);
  const perCpu = iso.map((c) => per.get(c)!);
  const totals = zero();
  let total = 0;
  let kernelNs = 0;
  const byCallback = new Map<string, number>();
  const bySender = new Map<number, number>();
  const byComm = new Map<string, number>();
  for (const x of perCpu) {
    for (const s of SOURCES) totals[s] += x.counts[s];
    total += x.total;
    kernelNs += x.kernelNs;
    for (const [k, v] of x.byCallback) byCallback.set(k, (byCallback.get(k) ?? 0) + v);
    for (const [k, v] of x.bySender) bySender.set(k, (bySender.get(k) ?? 0) + v);
    for (const [k, v] of x.byComm) byComm.set(k, (byComm.get(k) ?? 0) + v);
  }
  const sorted = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  const table = aq.table({
    cpu: perCpu.map((x) => x.cpu),
    total: perCpu.map((x) => x.total),
    ...Object.fromEntries(SOURCES.map((s) => [s, perCpu.map((x) => x.counts[s])])),
    per_second: perCpu.map((x) => (seconds ? x.total / seconds : 0)),
    kernel_us: perCpu.map((x) => x.kernelNs / 1000),
    longest_quiet_ms: perCpu.map((x) => x.quietNs / 1e6),
    top_callback: perCpu.map((x) => sorted(x.byCallback)[0]?.[0] ?? ''),
  });
  return {
    table,
    summary: {
      isolated: iso,
      seconds,
      totals,
      total,
      perSecond: seconds ? total / seconds : 0,
      byCallback: sorted(byCallback),
      bySender: sorted(bySender),
      byComm: sorted(byComm),
      chains: sorted(chains),
      kernelNs,
      worstQuietNs: perCpu.length ? Math.min(...perCpu.map((x) => x.quietNs)) : 0,
      perCpu,
    },
  };
}

function zero(): Record<Source, number> {
  return Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<Source, number>;
}

/** A kernel_stack as one line, innermost first, skipping the tracing frames. */
function stackText(trace: Trace, ev: EventFormat, b: EventBatch, i: number): string {
  const names: string[] = [];
  for (const a of stackFrames(ev, b.dv, b.off[i], b.size[i], !trace.bigEndian, trace.longSize)) {
    const s = trace.symbols.findBig(a);
    const name = s >= 0 ? trace.symbols.name(s) : '0x' + a.toString(16);
    if (name.startsWith('trace_event_raw_event_') || name.startsWith('trace_buffer_') || name === 'smp_call_function_many_cond' || name === '__irq_work_queue_local') continue;
    names.push(name);
  }
  return names.slice(0, 6).join(' <- ');
}

/**
 * Disturbances of each isolated CPU over time, for a CPU x time heatmap: a
 * first pass finds the time span, the second counts per bin.
 */
export function interferenceOverTime(trace: Trace, o: InterferenceOptions & { bins?: number }): Report<{ binSeconds: number; seconds: number }> {
  let first = NaN;
  let last = NaN;
  for (const b of trace.batches({ cpus: o.cpus, reuse: true })) {
    if (!b.length) continue;
    if (Number.isNaN(first)) first = b.ts[0];
    last = b.ts[b.length - 1];
  }
  const bins = Math.max(1, Math.min(o.bins ?? 60, 10000));
  const width = Number.isNaN(first) ? 1 : Math.max(1, Math.ceil((last - first + 1) / bins));
  const r = interference(trace, { ...o, timeline: { first: Number.isNaN(first) ? 0 : first, width, bins } });
  const cpu: number[] = [];
  const t: number[] = [];
  const count: number[] = [];
  for (const x of r.summary.perCpu) {
    for (let k = 0; k < bins; k++) {
      cpu.push(x.cpu);
      t.push((k * width) / 1e9);
      count.push(x.bins![k]);
    }
  }
  return { table: aq.table({ cpu, t, count }), summary: { binSeconds: width / 1e9, seconds: r.summary.seconds } };
}
