import * as aq from 'arquero';
import { UserError } from '../core/errors.ts';
import { madeBy } from '../core/provenance.ts';
import type { Trace } from '../core/trace.ts';
import { hist, type Report, interference } from './arquero-reports.ts';
import type { InterferenceSummary } from './interference.ts';
import { rateChange, type RateChange } from './poisson.ts';
import type { Selection } from './scan.ts';
import type { CpuUserTime } from './user-time.ts';

export interface CompareOptions extends Selection {
  /**
   * Key to compare. Without `isolated`: callback (default), callsite, event,
   * cpu, comm or a field name, counting events. With `isolated`: function
   * (default; "callback" means it too), cpu, callsite or sender, counting IPIs.
   */
  by?: string;
  event?: string;
  /** Count IPIs to these CPUs, from request to handler (v6.4's double trace counted once), instead of events. */
  isolated?: readonly number[];
  /**
   * Counts per minute: 'auto' (default) when the traces' spans differ by more
   * than 5% (a filtered trace's span is its first to last event, so equal-length
   * recordings differ a little).
   */
  perMinute?: boolean | 'auto';
  /** With `isolated`: the two interference reports, when the caller has them already (one pass each, not two). */
  reports?: { before: InterferenceSummary; after: InterferenceSummary };
}

export interface CompareSide {
  source: string;
  seconds: number;
  /** The sum of the rows (with --by noise: the interruptions). */
  total: number;
  /** The tracelab record command that makes this trace again, when the trace says (emulated traces). */
  madeBy: string | null;
}

export interface CompareSummary {
  by: string;
  /** What is counted, in words. */
  counting: string;
  before: CompareSide;
  after: CompareSide;
  /** Counts are per minute because the traces cover different times. */
  perMinute: boolean;
  /** after/before of the totals (normalised when perMinute). */
  ratio: number | null;
  /** The totals row: delta (normalised when perMinute) and the 95% interval of the rate ratio. */
  totalDelta: number;
  totalChange: RateChange;
  /** The two traces recorded different things: rows that need the missing events are not comparable. */
  warnings: string[];
}

interface Side {
  counts: Map<string, number>;
  seconds: number;
  total: number;
  /** What the trace recorded, for the warning when the two differ. */
  recorded: Set<string>;
}

const IPI_KEYS = ['function', 'cpu', 'callsite', 'sender', 'noise'];

/**
 * `--by noise`: what the isolated CPUs suffered, summed over them, one row per
 * figure. Counts get the Poisson interval; durations (us) do not (they are
 * not counts of independent events).
 */
const NOISE_ROWS: { key: string; count: boolean; of: (s: InterferenceSummary) => number | null }[] = [
  { key: 'IPIs', count: true, of: (s) => s.totals.ipi },
  { key: 'IPIs to CPUs in the kernel', count: true, of: (s) => sumOrNull(s.perCpu.map((x) => x.ipiInKernel)) },
  { key: 'interruptions', count: true, of: (s) => sumOrNull(s.perCpu.map((x) => x.noise.interruptions)) },
  { key: 'noise us', count: false, of: (s) => (s.noiseNs === null ? null : s.noiseNs / 1000) },
  { key: 'max single noise us', count: false, of: (s) => (s.maxNoiseNs === null ? null : s.maxNoiseNs / 1000) },
  { key: 'irq us', count: false, of: (s) => classUs(s, 'irq') },
  { key: 'softirq us', count: false, of: (s) => classUs(s, 'softirq') },
  { key: 'thread us', count: false, of: (s) => classUs(s, 'thread') },
  { key: 'syscalls', count: true, of: (s) => s.totals.syscall },
  { key: 'syscall us', count: false, of: (s) => classUs(s, 'syscall') },
  { key: 'entries from user', count: true, of: (s) => userSum(s, (u) => u.entries) },
  { key: 'loop iterations', count: true, of: (s) => userSum(s, (u) => u.iterations.count) },
  { key: 'untraced entry us', count: false, of: (s) => { const ns = userSum(s, (u) => u.excessNs); return ns === null ? null : ns / 1000; } },
  { key: 'syscall mean us', count: false, of: (s) => { const us = classUs(s, 'syscall'); return us === null || !s.totals.syscall ? null : us / s.totals.syscall; } },
];

function sumOrNull(v: (number | null)[]): number | null {
  return v.some((x) => x !== null) ? v.reduce<number>((a, x) => a + (x ?? 0), 0) : null;
}

/** A context-tracking figure summed over the isolated CPUs (null: no context_tracking events, or no loop). */
function userSum(s: InterferenceSummary, f: (u: CpuUserTime) => number | null): number | null {
  return sumOrNull(s.perCpu.map((x) => (x.userTime ? f(x.userTime) : null)));
}

function classUs(s: InterferenceSummary, k: 'irq' | 'softirq' | 'thread' | 'syscall'): number | null {
  return sumOrNull(s.perCpu.map((x) => (x.noise.classes[k] ? x.noise.classes[k]!.ns / 1000 : null)));
}

/**
 * The seed-004 table: each key's count before and after, the change, the
 * ratio and whether the change is beyond Poisson noise (95%); normalised per
 * minute when the two traces cover different times. With `isolated`, counts
 * are IPIs to those CPUs, received when both traces hold the handlers.
 */
export function compare(before: Trace, after: Trace, o: CompareOptions = {}): Report<CompareSummary> {
  const ipiMode = !!o.isolated;
  const by = ipiMode ? (o.by === undefined || o.by === 'callback' ? 'function' : o.by) : (o.by ?? 'callback');
  if (ipiMode && !IPI_KEYS.includes(by)) throw new UserError(`compare --isolated --by: expected ${IPI_KEYS.join(', ')}, not "${by}"`);
  let counting = 'events';
  let b: Side;
  let a: Side;
  if (ipiMode) {
    const ib = o.reports?.before ?? interference(before, { ...o, isolated: o.isolated! }).summary;
    const ia = o.reports?.after ?? interference(after, { ...o, isolated: o.isolated! }).summary;
    const received = (by === 'cpu' || by === 'noise') && ib.ipis.sides.receive && ia.ipis.sides.receive;
    counting = by === 'noise' ? `noise of isolated CPUs (${o.isolated!.length}), summed over them${received ? '; IPIs received' : ''}` : `IPIs ${received ? 'received by' : 'sent to'} isolated CPUs (${o.isolated!.length})`;
    b = ipiSide(ib, by, received);
    a = ipiSide(ia, by, received);
  } else {
    const side = (t: Trace): Side => {
      const h = hist(t, { ...o, by });
      const keys = h.table.array(by) as string[];
      const counts = h.table.array('count') as number[];
      return { counts: new Map(keys.map((k, i) => [k, counts[i]])), seconds: h.summary.seconds, total: h.summary.total, recorded: new Set(h.summary.eventsSeen) };
    };
    b = side(before);
    a = side(after);
  }
  const auto = b.seconds > 0 && a.seconds > 0 && Math.abs(a.seconds - b.seconds) / Math.max(a.seconds, b.seconds) > 0.05;
  const perMinute = o.perMinute === undefined || o.perMinute === 'auto' ? auto : o.perMinute && b.seconds > 0 && a.seconds > 0;
  const noiseRows = by === 'noise' ? NOISE_ROWS.filter((r) => b.counts.has(r.key) || a.counts.has(r.key)) : null;
  const keys = noiseRows ? noiseRows.map((r) => r.key) : [...new Set([...b.counts.keys(), ...a.counts.keys()])];
  // ties in CPU order (numerically), else by name
  const tie = (x: string, y: string) => (/^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0);
  if (!noiseRows) keys.sort((x, y) => (b.counts.get(y) ?? 0) - (b.counts.get(x) ?? 0) || (a.counts.get(y) ?? 0) - (a.counts.get(x) ?? 0) || tie(x, y));
  const norm = (n: number, s: number) => (perMinute ? (n / s) * 60 : n);
  const bv = keys.map((k) => b.counts.get(k) ?? 0);
  const av = keys.map((k) => a.counts.get(k) ?? 0);
  const bn = bv.map((n) => norm(n, b.seconds));
  const an = av.map((n) => norm(n, a.seconds));
  // without per-minute the reader compares raw counts, so the test compares them as equal spans too
  const tb = perMinute ? b.seconds : 1;
  const ta = perMinute ? a.seconds : 1;
  // a duration is no Poisson count: no interval for it
  const changes = keys.map((k, i) => (noiseRows && !noiseRows.find((r) => r.key === k)!.count ? { low: null, high: null, verdict: 'none' as const } : rateChange(bv[i], tb, av[i], ta)));
  const cols: Record<string, unknown[]> = { [by]: keys, before: bv, after: av };
  if (perMinute) {
    cols.before_per_min = bn;
    cols.after_per_min = an;
  }
  cols.delta = keys.map((_, i) => an[i] - bn[i]);
  cols.ratio = keys.map((_, i) => (bn[i] ? an[i] / bn[i] : null));
  cols.ratio_95 = changes.map(interval);
  cols.change = changes.map((c) => c.verdict);
  const nb = norm(b.total, b.seconds);
  const na = norm(a.total, a.seconds);
  return {
    table: aq.table(cols),
    summary: {
      by,
      counting,
      before: { source: before.source, seconds: b.seconds, total: b.total, madeBy: madeBy(before.options, before.source) },
      after: { source: after.source, seconds: a.seconds, total: a.total, madeBy: madeBy(after.options, after.source) },
      perMinute,
      ratio: nb ? na / nb : null,
      totalDelta: na - nb,
      totalChange: rateChange(b.total, tb, a.total, ta),
      warnings: recordedWarnings(b.recorded, a.recorded),
    },
  };
}

/** "0.02..0.05", the 95% interval of the rate ratio as text. */
export function interval(c: RateChange): string {
  if (c.low === null || c.high === null) return '';
  const f = (v: number) => (v === Infinity ? 'inf' : v === 0 ? '0' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : v.toPrecision(2));
  return `${f(c.low)}..${f(c.high)}`;
}

function ipiSide(s: InterferenceSummary, by: string, received: boolean): Side {
  const counts = new Map<string, number>();
  if (by === 'noise') {
    // a figure the trace did not record is left out, not 0
    for (const r of NOISE_ROWS) {
      const v = r.of(s);
      if (v !== null) counts.set(r.key, v);
    }
  }
  const add = (k: string, n: number) => n && counts.set(k, (counts.get(k) ?? 0) + n);
  if (by === 'function') for (const f of s.ipis.functions) add(f.function, f.ipiSent);
  else if (by === 'cpu') for (const x of s.perCpu) add(String(x.cpu), received ? x.ipi.received : x.ipi.sent);
  else if (by === 'callsite') for (const [k, n] of s.ipis.byCallsite) add(k, n);
  else if (by === 'sender') for (const [k, n] of s.ipis.bySenderComm) add(k, n);
  let total = 0;
  // --by noise rows are different figures: its total is the interruptions
  if (by === 'noise') total = counts.get('interruptions') ?? 0;
  else for (const n of counts.values()) total += n;
  const recorded = new Set<string>();
  const sides = s.ipis.sides;
  if (sides.queue) recorded.add(`IPI requests (${sides.queue})`);
  if (sides.send) recorded.add('IPI sends (ipi_send_*)');
  if (sides.receive) recorded.add('IPI handlers (irq_vectors)');
  if (sides.run) recorded.add('csd_function_entry');
  for (const [k, v] of Object.entries(s.noise.recorded)) if (v) recorded.add(`${k} events`);
  return { counts, seconds: s.seconds, total, recorded };
}

function recordedWarnings(b: Set<string>, a: Set<string>): string[] {
  const onlyB = [...b].filter((x) => !a.has(x));
  const onlyA = [...a].filter((x) => !b.has(x));
  const w: string[] = [];
  if (onlyB.length) w.push(`only the before trace has ${onlyB.join(', ')}: the after counts of those are not comparable (not recorded is not 0)`);
  if (onlyA.length) w.push(`only the after trace has ${onlyA.join(', ')}: the before counts of those are not comparable (not recorded is not 0)`);
  return w;
}
