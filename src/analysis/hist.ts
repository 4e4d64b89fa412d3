import * as aq from 'arquero';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { UserError } from '../core/errors.ts';
import { histKeyReader, parseHistKey } from './hist-key.ts';
import { DurationSketch } from './quantiles.ts';
import { scan, spanSeconds, type Selection } from './scan.ts';

export interface HistOptions extends Selection {
  /** callback | callsite | event | cpu | comm | any field name. */
  by: string;
  /** Only this event (a name, or SYSTEM:NAME). */
  event?: string;
  /**
   * A numeric field summed per key, with its median, p99 and max (the hist
   * trigger's vals=, for non-negative values: durations, sizes, latencies).
   */
  value?: string;
}

export interface HistRow {
  key: string;
  count: number;
  /** Fraction of the total. */
  share: number;
  /** Per second over the trace's time span. */
  rate: number;
}

export interface HistSummary {
  by: string;
  event: string | null;
  /** Events counted (those that have the key). */
  total: number;
  distinct: number;
  seconds: number;
  /** Every event type the selection held (SYSTEM:NAME), whether or not it had the key. */
  eventsSeen: string[];
  /** The events the counts come from (SYSTEM:NAME, count). */
  events: [string, number][];
  /** Events of several systems had the key: each counts on its own rows (an `event` column). */
  perEvent: boolean;
}

export interface Report<S> {
  table: aq.ColumnTable;
  summary: S;
}

/** Whether an event matches `--event` (NAME or SYSTEM:NAME). */
export function eventMatcher(spec: string | undefined): (ev: EventFormat) => boolean {
  if (!spec) return () => true;
  const colon = spec.indexOf(':');
  if (colon < 0) return (ev) => ev.name === spec;
  const sys = spec.slice(0, colon);
  const name = spec.slice(colon + 1);
  return (ev) => ev.system === sys && ev.name === name;
}

/**
 * The seed's `grep callback | awk '{print $NF}' | sort | uniq -c`, done right:
 * counts of a key over the selected events, sorted by count (then key), with
 * share and rate. The key is a field (decoded as the print fmt prints flag and
 * symbolic fields), a hist-trigger style FIELD.MOD (parseHistKey), common_pid,
 * or callback/callsite/event/cpu/comm. When events of different systems carry
 * the key (callsite on csd_queue_cpu and ipi_send_cpu), each event counts on
 * its own rows instead of being added up. Streams: memory grows with distinct
 * keys, not events.
 */
export function hist(trace: Trace, o: HistOptions): Report<HistSummary> {
  const matches = eventMatcher(o.event);
  const counts = new Map<string, number>();
  const special = o.by === 'event' || o.by === 'cpu' || o.by === 'comm';
  const key = special ? null : parseHistKey(o.by);
  const keyOf = key ? histKeyReader(trace, key) : null;
  const byEvent = new Map<EventFormat, number>();
  let total = 0;
  const seen = new Set<EventFormat>();
  const perEvent = new Map<EventFormat, Map<string, number>>();
  const valueOf = o.value ? histKeyReader(trace, { name: o.value, mod: 'raw', size: 0, ordered: false }) : null;
  const values = new Map<string, DurationSketch>();
  let sawValue = false;
  const info = scan(trace, o, (b, i, ev) => {
    if (ev) seen.add(ev);
    if (!ev || !matches(ev)) return;
    let k: string | null;
    if (special) k = o.by === 'event' ? ev.name : o.by === 'cpu' ? String(b.cpu[i]) : trace.comms.get(b.pid[i]);
    else {
      const r = keyOf!(ev);
      if (!r) return;
      k = r(b, i);
      if (k === null) return;
    }
    let m = perEvent.get(ev);
    if (!m) perEvent.set(ev, (m = new Map()));
    m.set(k, (m.get(k) ?? 0) + 1);
    if (valueOf) {
      const v = valueOf(ev)?.(b, i);
      if (v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v))) {
        sawValue = true;
        const vk = `${ev.system}:${ev.name}\u0000${k}`;
        let d = values.get(vk);
        if (!d) values.set(vk, (d = new DurationSketch()));
        d.add(Number(v));
      }
    }
    byEvent.set(ev, (byEvent.get(ev) ?? 0) + 1);
    total++;
  });
  if (!special && !byEvent.size && !perEvent.size) {
    const anyField = [...trace.formats.all()].some((ev) => matches(ev) && keyOf!(ev));
    if (!anyField) throw new UserError(`${trace.source}: no ${o.event ? `"${o.event}" ` : ''}events with a field "${o.by}" (by: callback, callsite, event, cpu, comm, common_pid or a field name, with .sym .execname .hex .raw .log2 .buckets=N)`);
  }
  const systems = new Set([...byEvent.keys()].map((e) => e.system));
  // every event has the common fields: they never split
  const split = !special && !o.by.startsWith('common_') && systems.size > 1;
  for (const [ev, m] of perEvent) for (const [k, n] of m) {
    const kk = split ? `${ev.system}:${ev.name}\u0000${k}` : k;
    counts.set(kk, (counts.get(kk) ?? 0) + n);
  }
  const seconds = spanSeconds(info);
  // log2 labels sort by exponent ("~ 2^13"), buckets by their first value ("1000 ~ 1999")
  const num = (s: string) => {
    const v = s.slice(s.indexOf('\u0000') + 1);
    return Number((/\^(\d+)$/.exec(v) ?? /-?\d+/.exec(v))?.[key?.mod === 'log2' ? 1 : 0] ?? 0);
  };
  const rows = [...counts].sort((a, b) => (key?.ordered ? num(a[0]) - num(b[0]) : 0) || b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const cols: Record<string, unknown[]> = {};
  if (split) cols.event = rows.map((r) => r[0].slice(0, r[0].indexOf('\u0000')));
  cols[o.by] = rows.map((r) => (split ? r[0].slice(r[0].indexOf('\u0000') + 1) : r[0]));
  cols.count = rows.map((r) => r[1]);
  cols.share = rows.map((r) => (total ? r[1] / total : 0));
  cols.rate = rows.map((r) => (seconds ? r[1] / seconds : 0));
  if (o.value) {
    if (!sawValue) throw new UserError(`${trace.source}: --value ${o.value}: no counted event has a numeric field "${o.value}"`);
    // the sketches are per event and key; a row merges those of its key (all events when not split)
    const byRow = new Map<string, DurationSketch>();
    for (const [vk, d] of values) {
      const ek = vk.slice(0, vk.indexOf('\u0000'));
      const k = vk.slice(vk.indexOf('\u0000') + 1);
      const rk = split ? `${ek}\u0000${k}` : k;
      let m = byRow.get(rk);
      if (!m) byRow.set(rk, (m = new DurationSketch()));
      m.merge(d);
    }
    const at = (r: [string, number]) => byRow.get(r[0]);
    cols[`${o.value}_sum`] = rows.map((r) => at(r)?.sumNs ?? null);
    cols[`${o.value}_p50`] = rows.map((r) => at(r)?.quantile(0.5) ?? null);
    cols[`${o.value}_p99`] = rows.map((r) => at(r)?.quantile(0.99) ?? null);
    cols[`${o.value}_max`] = rows.map((r) => (at(r)?.count ? at(r)!.maxNs : null));
  }
  const events = [...byEvent].sort((a, b) => b[1] - a[1]).map(([e, n]): [string, number] => [`${e.system}:${e.name}`, n]);
  return {
    table: aq.table(cols),
    summary: { by: o.by, event: o.event ?? null, total, distinct: rows.length, seconds, eventsSeen: [...seen].map((e) => `${e.system}:${e.name}`).sort(), events, perEvent: split },
  };
}
