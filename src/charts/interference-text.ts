import { Columns, type TableLike } from '../analysis/columns.ts';
import type { InterferenceSummary } from '../analysis/interference.ts';
import { SOURCES } from '../analysis/interference.ts';
import type { IpiCausalitySummary } from '../analysis/ipi-causality.ts';
import type { NoiseSummary } from '../analysis/noise.ts';
import { formatCpuList } from '../core/cpulist.ts';
import { textTable, usText } from './text-table.ts';

/** Durations in us with 1 decimal, percentages with 3, everywhere in these reports. */
const DECIMALS: Record<string, number> = {
  noise_us: 1,
  max_noise_us: 1,
  longest_quiet_us: 1,
  available_pct: 5,
  ipi_p99_us: 1,
  p50_us: 1,
  p99_us: 1,
  max_us: 1,
  irq_us: 1,
  softirq_us: 1,
  thread_us: 1,
  syscall_us: 1,
  nmi_us: 1,
  'per_s': 3,
};

const us = usText;

function notes(list: string[]): string[] {
  return list.length ? ['notes:', ...list.map((n) => `  - ${n}`), ''] : [];
}

/** The IPI path as text: by function, by sender, call chains. */
export function ipiText(s: Omit<IpiCausalitySummary, 'perTarget'>, table: TableLike, targets: string): string[] {
  const out: string[] = [];
  if (!s.functions.length) return out;
  out.push(`IPIs to ${targets} by function (requests queued, IPIs sent for them, requests that needed none; latency ${s.sides.run ? 'queue to function run' : 'send to handler entry'}, us):`);
  out.push(textTable(table, { decimals: DECIMALS, missing: 'n/a' }));
  if (s.bySenderComm.length) {
    out.push('IPIs by sender:');
    const top = s.bySenderComm.slice(0, 10);
    out.push(textTable(new Columns({ comm: top.map((x) => x[0]), ipis: top.map((x) => x[1]) })));
    const cpus = s.bySenderCpu.slice(0, 10);
    out.push(textTable(new Columns({ sender_cpu: cpus.map((x) => x[0]), ipis: cpus.map((x) => x[1]) })));
  }
  if (s.chains.length) {
    out.push('call chains of the IPIs (kernel_stack after each send):');
    const top = s.chains.slice(0, 5);
    out.push(textTable(new Columns({ ipis: top.map((x) => x[1]), chain: top.map((x) => x[0]) })));
  }
  return out;
}

/** `tracelab interference`: a mail-ready report; durations in us, rates per second. */
export function interferenceText(s: InterferenceSummary, table: TableLike, source: string, byFunction: TableLike): string {
  const iso = formatCpuList(s.isolated);
  const out: string[] = [];
  const ipiWord = s.ipiCounted === 'received' ? 'IPIs received' : s.ipiCounted === 'sent' ? 'IPIs sent to them (no handlers recorded)' : 'IPIs n/a';
  out.push(`isolated CPUs ${iso} over ${s.seconds.toFixed(3)} s (${source}):`);
  out.push(`  ${ipiWord}: ${s.totals.ipi ?? 'n/a'}; disturbances counted: ${s.total} (${s.perSecond.toFixed(3)}/s, ${(s.perSecond / Math.max(s.isolated.length, 1)).toFixed(4)}/s per CPU)`);
  out.push(`  noise: ${us(s.noiseNs)} in all; max single noise ${us(s.maxNoiseNs)}; shortest longest-quiet-stretch ${us(s.worstQuietNs)}`);
  // kills are not switches: the task's last switch out counts as thread noise, its death here
  if (s.strict?.violations) out.push(`  strict task isolation: ${s.strict.violations} violations (syscalls or faults answered with a signal), ${s.strict.kills} tasks killed, ${s.strict.afterInterrupt} signals after an interrupt; tracelab violations lists them`);
  out.push('');
  out.push(...notes(s.notes));
  const src = SOURCES.filter((k) => s.totals[k] !== null);
  const missing = SOURCES.filter((k) => s.totals[k] === null);
  out.push(`disturbances by source${missing.length ? ` (n/a: ${missing.join(', ')})` : ''}:`);
  out.push(textTable(new Columns({ source: src, count: src.map((k) => s.totals[k]), per_s: src.map((k) => (s.seconds ? s.totals[k]! / s.seconds : 0)) }), { decimals: DECIMALS }));
  out.push(...ipiText(s.ipis, byFunction, 'isolated CPUs'));
  const w = s.queuedWork.work;
  if (w.length) {
    out.push('work queued to isolated CPUs besides IPIs (timers armed on their base, hrtimers armed on them, work queued to their pool):');
    const top = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1])[0]?.[0];
    const rows = w.slice(0, 15);
    out.push(textTable(new Columns({ kind: rows.map((x) => x.kind), function: rows.map((x) => x.function), count: rows.map((x) => x.count), cpus: rows.map((x) => x.targets.size), top_sender: rows.map((x) => top(x.senders) ?? ''), top_chain: rows.map((x) => top(x.chains) ?? '') })));
  }
  out.push(...deferredText(s));
  out.push(...userTimeText(s));
  out.push('per isolated CPU (counts; durations in us):');
  out.push(textTable(table, { decimals: DECIMALS, missing: 'n/a' }));
  return out.join('\n');
}

/** Broadcasts that left isolated CPUs out, and the deferred work's wait for their next kernel entry. */
function deferredText(s: InterferenceSummary): string[] {
  const rows = s.perCpu.filter((x) => x.deferredWork?.skipped);
  if (!rows.length) return [];
  const d = rows.map((x) => x.deferredWork!);
  const known = s.deferredWork.userState;
  const out = [`broadcasts (on_each_cpu_cond_mask, ${s.deferredWork.broadcasts} seen) that left isolated CPUs out${known ? '; in user space, their work was deferred to the next kernel entry (user_exit), us' : ' (whether in user space is unknown: no context_tracking events)'}:`];
  const q = (x: (typeof d)[number], p: number) => (x.latency.count ? x.latency.quantile(p)! / 1000 : null);
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  out.push(
    textTable(
      new Columns({
        cpu: rows.map((x) => x.cpu),
        skipped: d.map((x) => x.skipped),
        deferred: d.map((x) => (known ? x.deferred : null)),
        p50_us: d.map((x) => q(x, 0.5)),
        p99_us: d.map((x) => q(x, 0.99)),
        max_us: d.map((x) => q(x, 1)),
        pending: d.map((x) => (known ? x.pending : null)),
        top_function: d.map((x) => top(x.byFunction)),
      }),
      { decimals: DECIMALS, missing: 'n/a' },
    ),
  );
  return out;
}

/** Context tracking's view: entries from user space and a syscall loop's untraced entry time. */
function userTimeText(s: InterferenceSummary): string[] {
  const rows = s.perCpu.filter((x) => x.userTime?.entries);
  if (!rows.length) return [];
  const u = rows.map((x) => x.userTime!);
  const loop = u.some((x) => x.iterations.count);
  const out = [`context tracking (user_exit/user_enter): kernel entries from user space${loop ? "; a syscall loop's iterations (user time between its syscalls) and what they took beyond the fastest one, which no tracepoint sees: entry code and work run there before trace_user_exit(), us" : ''}:`];
  const cols: Record<string, unknown[]> = {
    cpu: rows.map((x) => x.cpu),
    entries: u.map((x) => x.entries),
    syscall_entries: u.map((x) => x.syscallEntries),
    user_pct: rows.map((x) => (s.seconds ? (100 * x.userTime!.userNs) / (s.seconds * 1e9) : null)),
  };
  if (loop) {
    cols.iterations = u.map((x) => x.iterations.count);
    cols.fastest_us = u.map((x) => (x.iterations.count ? x.iterations.minNs / 1000 : null));
    cols.untraced_us = u.map((x) => (x.excessNs === null ? null : x.excessNs / 1000));
  }
  out.push(textTable(new Columns(cols), { decimals: { ...DECIMALS, user_pct: 3, fastest_us: 3, untraced_us: 3 }, missing: 'n/a' }));
  return out;
}

/** `tracelab noise`: per CPU, the way rtla osnoise top prints it; durations in us. */
export function noiseText(s: NoiseSummary, table: TableLike, source: string): string {
  const out = [`noise per CPU over ${(s.windowNs / 1e9).toFixed(3)} s (${source}); pieces under ${(s.mergeGapNs / 1000).toFixed(1)} us apart are one interruption`, ''];
  out.push(...notes(s.notes));
  out.push(textTable(table, { decimals: DECIMALS, missing: 'n/a' }));
  out.push(...kernelText(s));
  return out.join('\n');
}

/** The osnoise/timerlat tracer's own figures beside the ones derived from the trace's events. */
function kernelText(s: NoiseSummary): string[] {
  const out: string[] = [];
  const withK = s.perCpu.filter((x) => x.kernel);
  const classes = withK.filter((x) => x.kernel!.classes);
  if (classes.length) {
    out.push('', "the osnoise tracer's own events (osnoise:*_noise) beside the trace's (counts; us):");
    const rows: Record<string, unknown[]> = { cpu: [], class: [], trace_count: [], kernel_count: [], trace_us: [], kernel_us: [], kernel_max_us: [] };
    for (const x of classes) {
      for (const k of ['nmi', 'irq', 'softirq', 'thread'] as const) {
        const kc = x.kernel!.classes![k];
        const tc = x.classes[k];
        rows.cpu.push(x.cpu);
        rows.class.push(k);
        rows.trace_count.push(tc?.count ?? null);
        rows.kernel_count.push(kc.count);
        rows.trace_us.push(tc ? tc.ns / 1000 : null);
        rows.kernel_us.push(kc.ns / 1000);
        rows.kernel_max_us.push(kc.maxNs / 1000);
      }
    }
    out.push(textTable(new Columns(rows), { decimals: { trace_us: 1, kernel_us: 1, kernel_max_us: 1 }, missing: 'n/a' }));
  }
  const samples = withK.filter((x) => x.kernel!.samples);
  if (samples.length) {
    out.push("the osnoise tracer's samples (ftrace:osnoise, as rtla osnoise top sums them; us):");
    const sm = samples.map((x) => x.kernel!.samples!);
    out.push(
      textTable(
        new Columns({
          cpu: samples.map((x) => x.cpu),
          runtime_us: sm.map((v) => v.runtimeNs / 1000),
          noise_us: sm.map((v) => v.noiseNs / 1000),
          available_pct: sm.map((v) => (v.runtimeNs ? 100 * (1 - v.noiseNs / v.runtimeNs) : null)),
          max_single_us: sm.map((v) => v.maxSampleNs / 1000),
          hw: sm.map((v) => v.hw),
          nmi: sm.map((v) => v.nmi),
          irq: sm.map((v) => v.irq),
          softirq: sm.map((v) => v.softirq),
          thread: sm.map((v) => v.thread),
        }),
        { decimals: { runtime_us: 1, noise_us: 1, available_pct: 5, max_single_us: 1 }, missing: 'n/a' },
      ),
    );
  }
  const tl = withK.filter((x) => x.kernel!.timerlat);
  if (tl.length) {
    out.push('timer latency (ftrace:timerlat, as rtla timerlat reports it; us):');
    const q = (d: { quantile(p: number): number | null; count: number; maxNs: number }, p: number) => (d.count ? (p >= 1 ? d.maxNs : d.quantile(p)!) / 1000 : null);
    const t = tl.map((x) => x.kernel!.timerlat!);
    out.push(
      textTable(
        new Columns({
          cpu: tl.map((x) => x.cpu),
          irq_count: t.map((v) => v.irq.count),
          irq_p50_us: t.map((v) => q(v.irq, 0.5)),
          irq_p99_us: t.map((v) => q(v.irq, 0.99)),
          irq_max_us: t.map((v) => q(v.irq, 1)),
          thread_count: t.map((v) => v.thread.count),
          thread_p50_us: t.map((v) => q(v.thread, 0.5)),
          thread_p99_us: t.map((v) => q(v.thread, 0.99)),
          thread_max_us: t.map((v) => q(v.thread, 1)),
        }),
        { decimals: Object.fromEntries(['irq_p50_us', 'irq_p99_us', 'irq_max_us', 'thread_p50_us', 'thread_p99_us', 'thread_max_us'].map((k) => [k, 1])), missing: 'n/a' },
      ),
    );
  }
  return out;
}
