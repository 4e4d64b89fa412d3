import * as aq from 'arquero';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { UserError } from '../core/errors.ts';
import { readerCache } from './field-values.ts';
import { scan, spanSeconds, type Selection } from './scan.ts';

export interface HistOptions extends Selection {
  /** callback | callsite | event | cpu | comm | any field name. */
  by: string;
  /** Only this event (a name, or SYSTEM:NAME). */
  event?: string;
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
 * share and rate. Streams: memory grows with distinct keys, not events.
 */
export function hist(trace: Trace, o: HistOptions): Report<HistSummary> {
  const matches = eventMatcher(o.event);
  const counts = new Map<string, number>();
  const special = o.by === 'event' || o.by === 'cpu' || o.by === 'comm';
  const field = special ? null : readerCache(trace)(o.by);
  let hasField = false;
  let total = 0;
  const seen = new Set<EventFormat>();
  const info = scan(trace, o, (b, i, ev) => {
    if (ev) seen.add(ev);
    if (!ev || !matches(ev)) return;
    let key: string;
    if (special) key = o.by === 'event' ? ev.name : o.by === 'cpu' ? String(b.cpu[i]) : trace.comms.get(b.pid[i]);
    else {
      const r = field!(ev);
      if (!r) return;
      hasField = true;
      const v = r.read(b, i);
      if (v === null) return;
      key = String(v);
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  });
  if (!special && !hasField) {
    throw new UserError(`${trace.source}: no ${o.event ? `"${o.event}" ` : ''}events with a field "${o.by}" (by: callback, callsite, event, cpu, comm or a field name)`);
  }
  const seconds = spanSeconds(info);
  const rows = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const table = aq.table({
    [o.by]: rows.map((r) => r[0]),
    count: rows.map((r) => r[1]),
    share: rows.map((r) => (total ? r[1] / total : 0)),
    rate: rows.map((r) => (seconds ? r[1] / seconds : 0)),
  });
  return { table, summary: { by: o.by, event: o.event ?? null, total, distinct: rows.length, seconds, eventsSeen: [...seen].map((e) => `${e.system}:${e.name}`).sort() } };
}
