import type { Trace } from '../core/trace.ts';
import { eventMatcher } from './hist-counts.ts';
import { scan, type Selection } from './scan.ts';

/**
 * Events for a per-CPU timeline: time (s since the first event), CPU and
 * event name, evenly sampled down to `limit` rows (a chart of millions of
 * ticks helps nobody and crashes browsers).
 */
export function eventTimeline(trace: Trace, o: Selection & { event?: string; limit?: number } = {}): { values: { t: number; cpu: number; event: string }[]; total: number } {
  const limit = o.limit ?? 20000;
  const matches = eventMatcher(o.event);
  let total = 0;
  scan(trace, o, (_b, _i, ev) => {
    if (o.event && (!ev || !matches(ev))) return;
    total++;
  });
  const step = Math.max(1, Math.ceil(total / limit));
  const values: { t: number; cpu: number; event: string }[] = [];
  let k = 0;
  let first = NaN;
  scan(trace, o, (b, i, ev) => {
    if (o.event && (!ev || !matches(ev))) return;
    if (Number.isNaN(first)) first = b.ts[i];
    if (k++ % step === 0) values.push({ t: (b.ts[i] - first) / 1e9, cpu: b.cpu[i], event: ev ? ev.name : `id ${b.type[i]}` });
  });
  return { values, total };
}
