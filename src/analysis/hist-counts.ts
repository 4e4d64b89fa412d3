import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { UserError } from '../core/errors.ts';
import { histKeyReader, parseHistKey } from './hist-key.ts';
import { Columns, type ColumnsReport } from './columns.ts';
import { bump, byCodeUnits } from './counts.ts';
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
 * keys, not events. The rows as plain columns (`hist()` gives them as an
 * arquero table): `tracelab hist` prints them without loading arquero.
 */
export function histColumns(trace: Trace, o: HistOptions): ColumnsReport<HistSummary> {
  const matches = eventMatcher(o.event);
  const special = o.by === 'event' || o.by === 'cpu' || o.by === 'comm';
  const key = special ? null : parseHistKey(o.by);
  const keyOf = key ? histKeyReader(trace, key) : null;
  const valueOf = o.value ? histKeyReader(trace, { name: o.value, mod: 'raw', size: 0, ordered: false }) : null;
  // by event id, so the per-event work is an array index, not a hash of the format
  const seen: (EventFormat | undefined)[] = [];
  const perEvent: (Map<string, number> | undefined)[] = [];
  const values: (Map<string, DurationSketch> | undefined)[] = [];
  let total = 0;
  let sawValue = false;
  const info = scan(trace, o, (b, i, ev) => {
    if (!ev) return;
    seen[ev.id] ??= ev;
    if (!matches(ev)) return;
    let k: string | null;
    if (special) k = o.by === 'event' ? ev.name : o.by === 'cpu' ? String(b.cpu[i]) : trace.comms.get(b.pid[i]);
    else {
      const r = keyOf!(ev);
      if (!r) return;
      k = r(b, i);
      if (k === null) return;
    }
    const m = (perEvent[ev.id] ??= new Map());
    m.set(k, (m.get(k) ?? 0) + 1);
    if (valueOf) {
      const v = valueOf(ev)?.(b, i);
      if (v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v))) {
        sawValue = true;
        const vm = (values[ev.id] ??= new Map());
        let d = vm.get(k);
        if (!d) vm.set(k, (d = new DurationSketch()));
        d.add(Number(v));
      }
    }
    total++;
  });
  const counted = seen.filter((ev): ev is EventFormat => !!ev && !!perEvent[ev.id]);
  if (!special && !counted.length) {
    const anyField = [...trace.formats.all()].some((ev) => matches(ev) && keyOf!(ev));
    if (!anyField) throw new UserError(`${trace.source}: no ${o.event ? `"${o.event}" ` : ''}events with a field "${o.by}" (by: callback, callsite, event, cpu, comm, common_pid or a field name, with .sym .execname .hex .raw .log2 .buckets=N)`);
  }
  const systems = new Set(counted.map((e) => e.system));
  // every event has the common fields: they never split
  const split = !special && !o.by.startsWith('common_') && systems.size > 1;
  const rowKey = (ev: EventFormat, k: string) => (split ? `${ev.system}:${ev.name}\u0000${k}` : k);
  const counts = new Map<string, number>();
  const byRow = new Map<string, DurationSketch>();
  for (const ev of counted) {
    for (const [k, n] of perEvent[ev.id]!) bump(counts, rowKey(ev, k), n);
    // a row's value sketch merges those of its key (all events when not split)
    for (const [k, d] of values[ev.id] ?? []) {
      const rk = rowKey(ev, k);
      let m = byRow.get(rk);
      if (!m) byRow.set(rk, (m = new DurationSketch()));
      m.merge(d);
    }
  }
  // events all at one instant (one event) span no time: they have no rate (null, not 1e9/s)
  const seconds = info.last > info.first ? spanSeconds(info) : 0;
  // log2 labels sort by exponent ("~ 2^13"), buckets by their first value ("1000 ~ 1999"); each parsed once
  const order = (s: string) => {
    const v = s.slice(s.indexOf('\u0000') + 1);
    return Number((/\^(\d+)$/.exec(v) ?? /-?\d+/.exec(v))?.[key?.mod === 'log2' ? 1 : 0] ?? 0);
  };
  const rows = [...counts].map(([k, n]) => ({ k, n, at: key?.ordered ? order(k) : 0 }));
  rows.sort((a, b) => a.at - b.at || b.n - a.n || byCodeUnits(a.k, b.k));
  const cols: Record<string, unknown[]> = {};
  if (split) cols.event = rows.map((r) => r.k.slice(0, r.k.indexOf('\u0000')));
  cols[o.by] = rows.map((r) => (split ? r.k.slice(r.k.indexOf('\u0000') + 1) : r.k));
  cols.count = rows.map((r) => r.n);
  cols.share = rows.map((r) => (total ? r.n / total : 0));
  cols.rate = rows.map((r) => (seconds ? r.n / seconds : null));
  if (o.value) {
    if (!sawValue) throw new UserError(`${trace.source}: --value ${o.value}: no counted event has a numeric field "${o.value}"`);
    const at = (r: { k: string }) => byRow.get(r.k);
    cols[`${o.value}_sum`] = rows.map((r) => at(r)?.sumNs ?? null);
    cols[`${o.value}_p50`] = rows.map((r) => at(r)?.quantile(0.5) ?? null);
    cols[`${o.value}_p99`] = rows.map((r) => at(r)?.quantile(0.99) ?? null);
    cols[`${o.value}_max`] = rows.map((r) => (at(r)?.count ? at(r)!.maxNs : null));
  }
  const events = counted
    .map((e): [string, number] => [`${e.system}:${e.name}`, [...perEvent[e.id]!.values()].reduce((x, y) => x + y, 0)])
    .sort((a, b) => b[1] - a[1]);
  return {
    table: new Columns(cols),
    summary: { by: o.by, event: o.event ?? null, total, distinct: rows.length, seconds, eventsSeen: seen.filter((e): e is EventFormat => !!e).map((e) => `${e.system}:${e.name}`).sort(), events, perEvent: split },
  };
}
