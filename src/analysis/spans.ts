import * as aq from 'arquero';
import type { Trace } from '../core/trace.ts';
import type { EventBatch } from '../core/batch.ts';
import { readerCache, type FieldReader } from './field-values.ts';
import type { Report } from './arquero-reports.ts';
import { scan, spanSeconds, type Selection } from './scan.ts';

/** Distribution of a set of durations (ns). */
export interface Distribution {
  count: number;
  minNs: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  maxNs: number;
  meanNs: number;
}

export function distribution(ns: ArrayLike<number>): Distribution {
  const v = Float64Array.from(ns).sort();
  const q = (p: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : 0);
  let sum = 0;
  for (const x of v) sum += x;
  return { count: v.length, minNs: v.length ? v[0] : 0, p50Ns: q(0.5), p90Ns: q(0.9), p99Ns: q(0.99), maxNs: v.length ? v[v.length - 1] : 0, meanNs: v.length ? sum / v.length : 0 };
}

const abs = (trace: Trace, rel: number) => trace.tsBaseSec * 1e9 + rel;

/**
 * irqs-off spans from preemptirq:irq_disable -> irq_enable on each CPU, with
 * the caller and parent of the disable. A disable without its enable (the
 * trace ended) is left out; nested disables keep the outermost.
 */
export function irqOffSpans(trace: Trace, sel: Selection = {}): Report<Distribution & { byCaller: [string, number][] }> {
  const open = new Map<number, { t: number; caller: string; parent: string }>();
  const cpu: number[] = [];
  const start: number[] = [];
  const dur: number[] = [];
  const caller: string[] = [];
  const parent: string[] = [];
  const field = readerCache(trace);
  const callerOffs = field('caller_offs');
  const parentOffs = field('parent_offs');
  const stext = trace.symbols.addressOf('_stext');
  scan(trace, sel, (b, i, ev) => {
    if (!ev || ev.system !== 'preemptirq' || (ev.name !== 'irq_disable' && ev.name !== 'irq_enable')) return;
    const c = b.cpu[i];
    if (ev.name === 'irq_disable') {
      if (open.has(c)) return;
      open.set(c, { t: b.ts[i], caller: symbolAt(trace, stext, callerOffs(ev), b, i), parent: symbolAt(trace, stext, parentOffs(ev), b, i) });
      return;
    }
    const o = open.get(c);
    if (!o) return;
    open.delete(c);
    cpu.push(c);
    start.push(abs(trace, o.t));
    dur.push(b.ts[i] - o.t);
    caller.push(o.caller);
    parent.push(o.parent);
  });
  const byCaller = new Map<string, number>();
  for (const c of caller) byCaller.set(c, (byCaller.get(c) ?? 0) + 1);
  return {
    table: aq.table({ cpu, start_ns: start, duration_ns: dur, caller, parent }),
    summary: { ...distribution(dur), byCaller: [...byCaller].sort((a, b) => b[1] - a[1]) },
  };
}

/** preemptirq fields are offsets from _stext: the symbol they land in, as %pS prints it. */
function symbolAt(trace: Trace, stext: bigint, r: FieldReader | undefined, b: EventBatch, i: number): string {
  const v = r?.read(b, i);
  if (typeof v !== 'number') return '';
  const a = stext + BigInt(v);
  const k = trace.symbols.findBig(a);
  return k < 0 ? '0x' + a.toString(16) : `${trace.symbols.name(k)}+0x${(a - trace.symbols.address(k)).toString(16)}`;
}

/** RCU grace periods from rcu_grace_period start/end pairs, per flavour (rcu_preempt, rcu_tasks, ...). */
export function rcuGracePeriods(trace: Trace, sel: Selection = {}): Report<Record<string, Distribution>> {
  const open = new Map<string, number>();
  const flavour: string[] = [];
  const seq: number[] = [];
  const start: number[] = [];
  const dur: number[] = [];
  const field = readerCache(trace);
  const rcuname = field('rcuname');
  const gpevent = field('gpevent');
  const gpSeq = field('gp_seq');
  scan(trace, sel, (b, i, ev) => {
    if (!ev || ev.name !== 'rcu_grace_period') return;
    const name = String(rcuname(ev)?.read(b, i) ?? '');
    const what = String(gpevent(ev)?.read(b, i) ?? '');
    const s = Number(gpSeq(ev)?.read(b, i) ?? 0);
    // the sequence of a period: start prints seq|1 ... end prints the next multiple of 4
    const key = `${name}/${(s + 3) >> 2}`;
    if (what === 'start') open.set(key, b.ts[i]);
    else if (what === 'end') {
      const t = open.get(key);
      if (t === undefined) return;
      open.delete(key);
      flavour.push(name);
      seq.push(s);
      start.push(abs(trace, t));
      dur.push(b.ts[i] - t);
    }
  });
  // keyed by flavour names from the trace: no prototype to collide with
  const summary: Record<string, Distribution> = Object.create(null);
  for (const f of new Set(flavour)) summary[f] = distribution(dur.filter((_, k) => flavour[k] === f));
  return { table: aq.table({ flavour, gp_seq: seq, start_ns: start, duration_ns: dur }), summary };
}

/** Hits of kprobe/uprobe events: counts and rates per probe. */
export function probeHits(trace: Trace, sel: Selection = {}): Report<{ total: number; seconds: number }> {
  const counts = new Map<string, number>();
  const info = scan(trace, sel, (b, i, ev) => {
    if (!ev || (ev.system !== 'kprobes' && ev.system !== 'uprobes')) return;
    const k = `${ev.system}:${ev.name}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  });
  const seconds = spanSeconds(info);
  const rows = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const total = rows.reduce((s, r) => s + r[1], 0);
  return { table: aq.table({ probe: rows.map((r) => r[0]), count: rows.map((r) => r[1]), rate: rows.map((r) => (seconds ? r[1] / seconds : 0)) }), summary: { total, seconds } };
}
