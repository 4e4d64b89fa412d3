import * as aq from 'arquero';
import type { Trace } from '../core/trace.ts';
import { hist, type Report } from './hist.ts';
import { interference } from './interference.ts';
import type { Selection } from './scan.ts';

export interface CompareOptions extends Selection {
  /** Key to compare (default callback). */
  by?: string;
  event?: string;
  /** Count IPIs received by these CPUs (masks exploded) instead of events. */
  isolated?: readonly number[];
  /**
   * Counts per minute: 'auto' (default) when the traces' spans differ by more
   * than 5% (a filtered trace's span is its first to last event, so equal-length
   * recordings differ a little).
   */
  perMinute?: boolean | 'auto';
}

export interface CompareSide {
  source: string;
  seconds: number;
  total: number;
}

export interface CompareSummary {
  by: string;
  /** What is counted: "events" or "IPIs received by isolated CPUs". */
  counting: string;
  before: CompareSide;
  after: CompareSide;
  /** Counts are per minute because the traces cover different times. */
  perMinute: boolean;
  /** after/before of the totals (normalised when perMinute). */
  ratio: number | null;
}

/**
 * The seed-004 table: each key's count before and after, the change and the
 * ratio; normalised per minute when the two traces cover different times. With `isolated`, counts are IPIs received by those CPUs.
 */
export function compare(before: Trace, after: Trace, o: CompareOptions = {}): Report<CompareSummary> {
  const by = o.by ?? 'callback';
  const side = (t: Trace): { counts: Map<string, number>; seconds: number; total: number } => {
    if (o.isolated && by === 'callback') {
      const r = interference(t, { ...o, isolated: o.isolated });
      return { counts: new Map(r.summary.byCallback), seconds: r.summary.seconds, total: r.summary.totals.ipi };
    }
    const h = hist(t, { ...o, by });
    const keys = h.table.array(by) as string[];
    const counts = h.table.array('count') as number[];
    return { counts: new Map(keys.map((k, i) => [k, counts[i]])), seconds: h.summary.seconds, total: h.summary.total };
  };
  const b = side(before);
  const a = side(after);
  const auto = b.seconds > 0 && a.seconds > 0 && Math.abs(a.seconds - b.seconds) / Math.max(a.seconds, b.seconds) > 0.05;
  const perMinute = o.perMinute === undefined || o.perMinute === 'auto' ? auto : o.perMinute && b.seconds > 0 && a.seconds > 0;
  const keys = [...new Set([...b.counts.keys(), ...a.counts.keys()])];
  keys.sort((x, y) => (b.counts.get(y) ?? 0) - (b.counts.get(x) ?? 0) || (a.counts.get(y) ?? 0) - (a.counts.get(x) ?? 0) || (x < y ? -1 : x > y ? 1 : 0));
  const norm = (n: number, s: number) => (perMinute ? (n / s) * 60 : n);
  const bv = keys.map((k) => b.counts.get(k) ?? 0);
  const av = keys.map((k) => a.counts.get(k) ?? 0);
  const bn = bv.map((n) => norm(n, b.seconds));
  const an = av.map((n) => norm(n, a.seconds));
  const cols: Record<string, unknown[]> = { [by]: keys, before: bv, after: av };
  if (perMinute) {
    cols.before_per_min = bn;
    cols.after_per_min = an;
  }
  cols.delta = keys.map((_, i) => an[i] - bn[i]);
  cols.ratio = keys.map((_, i) => (bn[i] ? an[i] / bn[i] : null));
  const tb = norm(b.total, b.seconds);
  const ta = norm(a.total, a.seconds);
  return {
    table: aq.table(cols),
    summary: {
      by,
      counting: o.isolated && by === 'callback' ? `IPIs received by isolated CPUs ${o.isolated.length}` : 'events',
      before: { source: before.source, seconds: b.seconds, total: b.total },
      after: { source: after.source, seconds: a.seconds, total: a.total },
      perMinute,
      ratio: tb ? ta / tb : null,
    },
  };
}
