import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { buildEventSelection, type EventFilterArg } from '../filter/trace-filter.ts';

/** What every analysis takes: which events count. */
export interface Selection {
  /** report -F style: 'EVENTS' or 'EVENTS: FILTER' (kernel filter language). */
  filters?: EventFilterArg[];
  /** Only events on these CPUs. */
  cpus?: ReadonlySet<number>;
}

export interface ScanInfo {
  /** Events visited (after selection). */
  events: number;
  /** First and last time stamp of the whole trace (ns relative to tsBaseSec); NaN when empty. */
  first: number;
  last: number;
}

/**
 * Streams a trace once, calling `fn` for each selected event with its format
 * (undefined for unknown ids). Never holds more than one batch: the reports
 * that only aggregate run in bounded memory on any size of input.
 */
export function scan(trace: Trace, sel: Selection, fn: (b: EventBatch, i: number, ev: EventFormat | undefined) => void): ScanInfo {
  const chunks = scanChunks(trace, sel, fn);
  for (;;) {
    const r = chunks.next();
    if (r.done) return r.value;
  }
}

/** The formats of the events a selection keeps, in the order they first appear: one pass. */
export function formatsSeen(trace: Trace, sel: Selection): EventFormat[] {
  const seen = new Map<number, EventFormat>();
  scan(trace, sel, (_b, _i, ev) => {
    if (ev && !seen.has(ev.id)) seen.set(ev.id, ev);
  });
  return [...seen.values()];
}

/**
 * scan() one batch at a time: the generator hands each batch's selected
 * events to `fn` and yields after it, so a consumer that must wait (a
 * stream's reader) can stop between batches; it returns the ScanInfo.
 */
export function* scanChunks(trace: Trace, sel: Selection, fn: (b: EventBatch, i: number, ev: EventFormat | undefined) => void): Generator<void, ScanInfo, void> {
  return yield* scanBatches(trace, sel, (b, rows, count, formats) => {
    if (rows === null) for (let i = 0; i < count; i++) fn(b, i, formats[b.type[i]] ?? undefined);
    else for (let k = 0; k < count; k++) fn(b, rows[k], formats[b.type[rows[k]]] ?? undefined);
  });
}

/**
 * What a batch keeps: `rows` null when every one of its first `count` rows is
 * kept, else the indices kept, in order, in rows[0, count). `formats` maps an
 * event id to its format (null: unknown id; every id in the batch is filled in).
 */
export type BatchFn = (b: EventBatch, rows: Int32Array | null, count: number, formats: readonly (EventFormat | null | undefined)[]) => void;

/**
 * scanChunks() for consumers that work a column at a time (event tables): each
 * batch once, with the rows the selection keeps, so copying a column is one
 * loop and keeping every row costs nothing.
 */
export function* scanBatches(trace: Trace, sel: Selection, fn: BatchFn): Generator<void, ScanInfo, void> {
  const keep = sel.filters?.length ? buildEventSelection(trace, sel.filters) : null;
  const formats: (EventFormat | null | undefined)[] = new Array(65536).fill(undefined);
  let rows = new Int32Array(0);
  let events = 0;
  let first = NaN;
  let last = NaN;
  for (const b of trace.batches({ cpus: sel.cpus, reuse: true })) {
    const n = b.length;
    if (n && Number.isNaN(first)) first = b.ts[0];
    if (n) last = b.ts[n - 1];
    for (let i = 0; i < n; i++) {
      const id = b.type[i];
      if (formats[id] === undefined) formats[id] = trace.formats.get(id) ?? null;
    }
    if (keep === null) {
      events += n;
      fn(b, null, n, formats);
    } else {
      if (rows.length < n) rows = new Int32Array(b.capacity > n ? b.capacity : n);
      let count = 0;
      for (let i = 0; i < n; i++) if (keep(b, i, formats[b.type[i]] ?? undefined)) rows[count++] = i;
      events += count;
      fn(b, rows, count, formats);
    }
    yield;
  }
  return { events, first, last };
}

/** Seconds covered by a scan (at least 1 ns, so rates stay finite). */
export function spanSeconds(info: ScanInfo): number {
  return Number.isNaN(info.first) ? 0 : Math.max(info.last - info.first, 1) / 1e9;
}

/** A time stamp (ns from tsBaseSec) as the report prints it, every nanosecond kept: "5168.583549123". */
export function timestamp(trace: Trace, ts: number): string {
  const sec = Math.floor(ts / 1e9);
  return `${trace.tsBaseSec + sec}.${String(ts - sec * 1e9).padStart(9, '0')}`;
}
