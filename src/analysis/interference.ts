import type { Trace } from '../core/trace.ts';
import { Columns, type ColumnsReport } from './columns.ts';
import { bump, sorted, usOrNull } from './counts.ts';
import { IpiCollector, type IpiCausalitySummary, type IpiTargetStats } from './ipi-causality.ts';
import { NoiseCollector, type CpuNoise, type NoiseSummary } from './noise.ts';
import { QueuedWorkCollector, WORK_EVENTS, WORK_KINDS, type QueuedWorkSummary } from './queued-work.ts';
import { stackText } from './stack-text.ts';
import { UserTimeCollector, type CpuUserTime } from './user-time.ts';
import { DeferredWorkCollector, type CpuDeferredWork } from './deferred-work.ts';
import { ViolationsCollector } from './isolation-violations.ts';
import { scan, spanSeconds, type Selection } from './scan.ts';

export interface InterferenceOptions extends Selection {
  isolated: readonly number[];
  /** The task each isolated CPU is there for (pid or comm); default the one that ran longest there. */
  task?: string;
  /** Also count disturbances per CPU in time bins: from `first` (ns, trace-relative), `width` ns each. */
  timeline?: { first: number; width: number; bins: number };
}

/**
 * What disturbed an isolated CPU, each counted once: IPIs (received, or sent
 * to it when the trace has no handlers), ticks, other hard irqs, softirqs,
 * other tasks running, the task's own syscalls and faults, NMIs.
 */
export const SOURCES = ['ipi', 'tick', 'irq', 'softirq', 'thread', 'syscall', 'fault', 'nmi'] as const;
export type Source = (typeof SOURCES)[number];

export interface CpuInterference {
  cpu: number;
  /** null: the trace has no events for that source. */
  counts: Record<Source, number | null>;
  total: number;
  ipi: IpiTargetStats;
  noise: CpuNoise;
  /** The function most IPIs to this CPU ran. */
  topFunction: string;
  /**
   * IPIs sent to this CPU while it was in the kernel as the trace shows it
   * (between sys_enter and sys_exit, or in an irq or softirq handler): what
   * IPI deferral cannot defer. A lower bound: the entry and exit code around
   * the syscall tracepoints is kernel too. null without raw_syscalls.
   */
  ipiInKernel: number | null;
  /** Timers, hrtimers and work queued to this CPU (null: none of their events recorded). */
  queuedWork: number | null;
  /** Disturbances per time bin, with `timeline`. */
  bins: Float64Array | null;
  /** Context tracking's view: entries from user space, user time, syscall-loop iterations (null without context_tracking events). */
  userTime: CpuUserTime | null;
  /** Broadcasts that left this CPU out, and the work deferred to its next kernel entry (null: no broadcast seen). */
  deferredWork: CpuDeferredWork | null;
  /** Strict task isolation: the signals its violations drew, and when the task was killed (null: no signal events recorded). */
  strict: { violations: number; killedAt: string | null } | null;
}

export interface InterferenceSummary {
  isolated: number[];
  seconds: number;
  /** Whether `ipi` counts handler entries on the CPU ("received") or targets of sends ("sent"). */
  ipiCounted: 'received' | 'sent' | null;
  totals: Record<Source, number | null>;
  total: number;
  perSecond: number;
  /** Noise summed over the isolated CPUs (ns), null when no noise class was recorded. */
  noiseNs: number | null;
  maxNoiseNs: number | null;
  /** The shortest of the per-CPU longest quiet stretches (the worst CPU), ns. */
  worstQuietNs: number | null;
  /** What the figures could not see, each naming the events to record. */
  notes: string[];
  /** The IPI path (its per-target figures are in perCpu[].ipi). */
  ipis: Omit<IpiCausalitySummary, 'perTarget'>;
  /** Work queued to the isolated CPUs besides IPIs: timers, hrtimers, workqueues. */
  queuedWork: QueuedWorkSummary;
  /** What the noise pass recorded (its per-CPU figures are in perCpu[].noise). */
  noise: Omit<NoiseSummary, 'perCpu'>;
  /** Whole-machine broadcasts seen, and whether the CPUs' user/kernel state was known (context tracking). */
  deferredWork: { broadcasts: number; userState: boolean };
  /** Strict task isolation (`tracelab violations` lists them): violations, kills, signals after an interrupt; null without signal events. */
  strict: { violations: number; kills: number; afterInterrupt: number } | null;
  perCpu: CpuInterference[];
}

/** Hard-irq handlers that are IPIs (counted as ipi, not irq) and the tick. */
const IPI_HANDLERS = /^(call_function|call_function_single|reschedule|irq_work|ipi .*)$/;
/** noise's handler labels for softirqs and NMIs. */
const NOT_HARDIRQ = /^(softirq .*|nmi)$/;

/**
 * Everything that disturbed each isolated CPU, in one pass: the IPI path
 * joined from request to handler (ipiCausality: by function, callsite, sender,
 * with latency and the requests that needed no IPI) and the noise each CPU
 * suffered (noise: episodes with durations, nested net, max single noise,
 * longest quiet stretch). Works from whatever the trace holds and says what it
 * could not see: a figure whose events were not recorded is null, never 0.
 * The rows as plain columns (`interference()` gives them as an arquero table).
 */
export function interferenceColumns(trace: Trace, o: InterferenceOptions): ColumnsReport<InterferenceSummary> {
  const iso = [...new Set(o.isolated)].sort((a, b) => a - b);
  const isoSet = new Set(iso);
  const ipi = new IpiCollector(trace, iso);
  const nz = new NoiseCollector(trace, { measure: iso, task: o.task });
  const qw = new QueuedWorkCollector(trace, (c) => isoSet.has(c));
  const ut = new UserTimeCollector(iso);
  const dw = new DeferredWorkCollector(trace, iso);
  const vc = new ViolationsCollector(trace, iso);
  const inKernel = new Map<number, number>();
  const tl = o.timeline;
  // disturbances per bin, counted both ways until the trace says which side it has
  const sendBins = new Map<number, Float64Array>();
  const hitBins = new Map<number, Float64Array>();
  const bin = (m: Map<number, Float64Array>, cpu: number, t: number) => {
    let a = m.get(cpu);
    if (!a) m.set(cpu, (a = new Float64Array(tl!.bins)));
    const k = Math.min(tl!.bins - 1, Math.floor((t - tl!.first) / tl!.width));
    if (k >= 0) a[k]++;
  };
  // whether an event is one of a CPU's own disturbances, decided once per event id
  const disturbs: (boolean | undefined)[] = [];
  const info = scan(trace, o, (b, i, ev) => {
    ipi.visit(b, i, ev);
    // the targets' state before this event is applied: the send happens at its time stamp
    const sent = ipi.lastTargets();
    for (const c of sent) if (nz.inKernel(c)) bump(inKernel, c);
    nz.visit(b, i, ev);
    ut.visit(b, i, ev);
    dw.visit(b, i, ev);
    vc.visit(b, i, ev);
    qw.visit(b, i, ev, ev?.name === 'kernel_stack' ? () => stackText(trace, ev, b, i) : null);
    if (!tl || !ev) return;
    const t = b.ts[i];
    // the IPIs this event sent (to isolated CPUs only: they are the collector's targets)
    for (const c of sent) bin(sendBins, c, t);
    if (isoSet.has(b.cpu[i]) && (disturbs[ev.id] ??= isDisturbance(ev.system, ev.name))) bin(hitBins, b.cpu[i], t);
  });
  const { perTarget, ...ipis } = ipi.finish(info).summary;
  const { perCpu: noisePerCpu, ...noise } = nz.finish(info).summary;
  const queuedWork = qw.finish();
  const userTime = ut.finish();
  const deferred = dw.finish();
  const strict = vc.finish(info);
  const signals = strict.recorded.signals;
  const workRecorded = WORK_KINDS.some((k) => queuedWork.recorded[k]);
  const seconds = spanSeconds(info);
  const counted = ipis.sides.receive ? 'received' : ipis.sides.send ? 'sent' : null;
  const perCpu = iso.map((cpu, k): CpuInterference => {
    const x = perTarget.find((p) => p.cpu === cpu)!;
    const n = noisePerCpu[k];
    const handlers = [...n.byHandler];
    const sum = (f: (label: string) => boolean) => handlers.filter(([l]) => f(l)).reduce((s, [, v]) => s + v.count, 0);
    const irqRec = noise.recorded.irq;
    const counts: Record<Source, number | null> = {
      ipi: counted === 'received' ? x.received : counted === 'sent' ? x.sent : null,
      tick: irqRec ? sum((l) => l === 'local_timer') : null,
      irq: irqRec ? sum((l) => l !== 'local_timer' && !IPI_HANDLERS.test(l) && !NOT_HARDIRQ.test(l)) : null,
      softirq: n.classes.softirq?.count ?? null,
      thread: n.classes.thread?.count ?? null,
      syscall: n.classes.syscall?.count ?? null,
      fault: n.classes.fault?.count ?? null,
      nmi: n.classes.nmi?.count ?? null,
    };
    let bins: Float64Array | null = null;
    if (tl) {
      bins = new Float64Array(tl.bins);
      const own = hitBins.get(cpu);
      if (own) bins.set(own);
      const sends = counted === 'sent' ? sendBins.get(cpu) : undefined;
      if (sends) for (let j = 0; j < tl.bins; j++) bins[j] += sends[j];
    }
    const top = sorted(x.byFunction)[0];
    const q = queuedWork.perCpu.get(cpu);
    return {
      cpu,
      counts,
      total: SOURCES.reduce((s, k) => s + (counts[k] ?? 0), 0),
      ipi: x,
      noise: n,
      topFunction: top?.[0] ?? '',
      ipiInKernel: noise.recorded.syscall && counted ? (inKernel.get(cpu) ?? 0) : null,
      queuedWork: workRecorded ? (q ? q.timer + q.hrtimer + q.workqueue : 0) : null,
      bins,
      userTime: userTime.recorded ? userTime.perCpu[k] : null,
      deferredWork: deferred.broadcasts ? deferred.perCpu[k] : null,
      strict: signals ? { violations: strict.violations.filter((v) => v.cpu === cpu).length, killedAt: strict.perCpu.find((p) => p.cpu === cpu)?.killedAt ?? null } : null,
    };
  });
  const totals = Object.fromEntries(SOURCES.map((k) => [k, perCpu.some((x) => x.counts[k] !== null) ? perCpu.reduce((s, x) => s + (x.counts[k] ?? 0), 0) : null])) as Record<Source, number | null>;
  const total = perCpu.reduce((s, x) => s + x.total, 0);
  const known = perCpu.filter((x) => x.noise.noiseNs !== null);
  const notes = [...ipis.notes, ...noise.notes];
  const missingWork = WORK_KINDS.filter((k) => !queuedWork.recorded[k]);
  if (deferred.broadcasts && !deferred.userState) notes.push('broadcasts left isolated CPUs out, but whether they were in user space (deferred work) is unknown: record -e context_tracking');
  if (noise.recorded.syscall && !userTime.recorded) notes.push('kernel entry work before the first tracepoint (deferred work, the entry code) not seen: record -e context_tracking (nohz_full CPUs trace it)');
  for (const x of perCpu) {
    // the noise window is the whole trace: a task that died in it is no longer the CPU's resident
    if (x.strict?.killedAt) notes.push(`CPU ${x.cpu}: its task was killed at ${x.strict.killedAt} (strict task isolation, see tracelab violations); the CPU idled from there, so its resident is ${x.noise.resident ?? 'n/a'} and the task's run counts as thread noise`);
  }
  if (missingWork.length) notes.push(`work queued to isolated CPUs not seen for ${missingWork.join(', ')}: record ${missingWork.map((k) => `-e ${WORK_EVENTS[k]}`).join(' ')}`);
  return {
    table: interferenceTable(perCpu, ipis),
    summary: {
      isolated: iso,
      seconds,
      ipiCounted: counted,
      totals,
      total,
      perSecond: seconds ? total / seconds : 0,
      noiseNs: known.length ? known.reduce((s, x) => s + x.noise.noiseNs!, 0) : null,
      maxNoiseNs: known.length ? Math.max(...known.map((x) => x.noise.maxNoiseNs!)) : null,
      worstQuietNs: known.length ? Math.min(...known.map((x) => x.noise.longestQuietNs!)) : null,
      notes,
      ipis,
      queuedWork,
      noise,
      deferredWork: { broadcasts: deferred.broadcasts, userState: deferred.userState },
      strict: signals ? { violations: strict.violations.length, kills: strict.kills, afterInterrupt: strict.afterInterrupt } : null,
      perCpu,
    },
  };
}

/** Events counted in the time bins of a CPU's own disturbances (the handler entries and switches). */
function isDisturbance(system: string, name: string): boolean {
  if (system === 'irq_vectors') return name.endsWith('_entry');
  if (system === 'irq') return name === 'irq_handler_entry' || name === 'softirq_entry';
  if (system === 'ipi') return name === 'ipi_entry';
  if (system === 'raw_syscalls') return name === 'sys_enter';
  if (system === 'sched') return name === 'sched_switch';
  return system === 'exceptions' || (system === 'nmi' && name === 'nmi_handler');
}

/** Per isolated CPU: what disturbed it (counts), how much (µs) and the quiet it had. */
function interferenceTable(perCpu: CpuInterference[], ipis: Omit<IpiCausalitySummary, 'perTarget'>): Columns {
  const us = usOrNull;
  return new Columns({
    cpu: perCpu.map((x) => x.cpu),
    total: perCpu.map((x) => x.total),
    ...Object.fromEntries(SOURCES.map((k) => [k, perCpu.map((x) => x.counts[k])])),
    ipi_in_kernel: perCpu.map((x) => x.ipiInKernel),
    ipi_p99_us: perCpu.map((x) => (ipis.sides.receive ? us(x.ipi.latency.quantile(0.99)) : null)),
    queued_work: perCpu.map((x) => x.queuedWork),
    noise_us: perCpu.map((x) => us(x.noise.noiseNs)),
    available_pct: perCpu.map((x) => (x.noise.noiseNs === null || !x.noise.windowNs ? null : 100 * (1 - x.noise.noiseNs / x.noise.windowNs))),
    max_noise_us: perCpu.map((x) => us(x.noise.maxNoiseNs)),
    longest_quiet_us: perCpu.map((x) => us(x.noise.longestQuietNs)),
    resident: perCpu.map((x) => x.noise.resident ?? 'n/a'),
    top_function: perCpu.map((x) => x.topFunction),
  });
}

/**
 * Disturbances of each isolated CPU over time, for a CPU x time heatmap: a
 * first pass finds the time span, the second counts per bin.
 */
export function interferenceOverTimeColumns(trace: Trace, o: InterferenceOptions & { bins?: number }): ColumnsReport<{ binSeconds: number; seconds: number; interference: InterferenceSummary }> {
  let first = NaN;
  let last = NaN;
  for (const b of trace.batches({ cpus: o.cpus, reuse: true })) {
    if (!b.length) continue;
    if (Number.isNaN(first)) first = b.ts[0];
    last = b.ts[b.length - 1];
  }
  const bins = Math.max(1, Math.min(o.bins ?? 60, 10000));
  const width = Number.isNaN(first) ? 1 : Math.max(1, Math.ceil((last - first + 1) / bins));
  const r = interferenceColumns(trace, { ...o, timeline: { first: Number.isNaN(first) ? 0 : first, width, bins } });
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
  // the whole report comes along: a page that shows both needs one pass, not two
  return { table: new Columns({ cpu, t, count }), summary: { binSeconds: width / 1e9, seconds: r.summary.seconds, interference: r.summary } };
}
