import { UserError } from '../../core/errors.ts';
import type { Trace } from '../../core/trace.ts';
import { copyEvent, datWriterFor, type DatFlavour } from './convert.ts';
import type { DatWriter } from './writer.ts';

/**
 * `trace-cmd split` (3.1.6, tracecmd/trace-split.c): a trace cut into files
 * by time or event count, per CPU or for one CPU, once or repeatedly. The
 * files hold the events trace-split.c's parse_cpu() would copy, decided the
 * way it decides them:
 *
 * - a file starts at the first event at or after the start time (or the
 *   first event left), its window (-s/-m/-u) counts from the start time given,
 *   else from that first event; an event past the end time ends everything;
 * - after each event copied, the next one read is checked against the limit
 *   (its time past the window, or the count reached); with -r it starts the
 *   next file, because parse_file() sets each CPU's cursor back to after the
 *   last event it copied. An event from a CPU that copied nothing into the
 *   file is not set back: that event is lost, as in trace-cmd;
 * - with an end time, -r stops after the first file (parse_file() returns
 *   the end time, and the loop goes on only while it is below it);
 * - -p counts the pages parse_cpu() fills for each CPU (place() below), so a
 *   file ends where trace-cmd's does.
 *
 * Only the top buffer is split, as trace-cmd does. Time stamps are written
 * as the reader gives them (DATE, OFFSET, TSC2NSEC applied, the options not
 * written): trace-cmd copies those options beside stamps it already converted,
 * so its report of such a split shifts them twice; tracelab's prints the
 * times of the original.
 */
export type SplitUnit = 'seconds' | 'msecs' | 'usecs' | 'events' | 'pages';

export interface SplitOptions {
  /** The output name: NAME.1, or with `repeat` NAME.0001, NAME.0002 ... */
  output: string;
  /** Absolute ns (as trace-cmd's start argument, seconds * 1e9 truncated). */
  startNs?: bigint;
  endNs?: bigint;
  /** -s, -m, -u, -e, -p: a file holds this many of the unit (pages: per CPU, as trace-cmd re-pages). */
  unit?: SplitUnit;
  count?: number;
  /** -c: each CPU on its own (limits count per CPU). */
  perCpu?: boolean;
  /** -C: only this CPU. */
  cpu?: number;
  /** -r: go on into more files until the data (or the end time) is reached. */
  repeat?: boolean;
}

const NS_PER: Record<Exclude<SplitUnit, 'events' | 'pages'>, number> = { seconds: 1e9, msecs: 1e6, usecs: 1e3 };

/** At most this many files open at once when CPUs are split on their own (-c -r); more take another pass. */
const MAX_OPEN = 16;

interface Stream {
  chunk: number;
  count: number;
  start: number;
  done: boolean;
  /** CPUs that copied an event into the current file. */
  wrote: Set<number>;
  /** -p: pages begun in this file, the write index in the current one, its time stamp. */
  pages: number;
  index: number;
  pageTs: number;
}

/** The bytes a record takes in a page: its header (4, or 8 with a length word past 112 bytes of data) and its data padded to 4. */
function recordBytes(size: number): number {
  return (size && size <= 28 * 4 ? 4 : 8) + ((size + 3) & ~3);
}

export function splitFileName(output: string, chunk: number, repeat: boolean): string {
  return repeat ? `${output}.${String(chunk).padStart(4, '0')}` : `${output}.1`;
}

export async function splitDat(trace: Trace, o: SplitOptions): Promise<{ files: { path: string; events: number }[] }> {
  if (o.unit && !(o.count && o.count > 0)) throw new UserError('split: units must be greater than 0');
  if (o.startNs !== undefined && o.endNs !== undefined && o.endNs < o.startNs) throw new UserError('split: the end is before the start');
  if (o.cpu !== undefined && (o.cpu < 0 || o.cpu >= trace.cpus)) throw new UserError(`split: CPU ${o.cpu}: ${trace.source} has CPUs 0-${trace.cpus - 1}`);
  const flavour: DatFlavour = trace.version === 6 ? { version: 6, compression: 'none' } : { version: 7, compression: trace.version === 7 && (trace.compression === 'zlib' || trace.compression === 'none') ? trace.compression : 'zstd' };
  // splitting by pages only makes sense per CPU (trace-split.c)
  const perCpu = o.perCpu || o.cpu !== undefined || o.unit === 'pages';
  const pageSize = trace.pageSize;
  const header = 8 + trace.longSize;
  const repeat = Boolean(o.repeat);
  // times as the batches hold them, ns after the trace's base second (exact below 2^53):
  // no bigint per event; the start and end given are moved there once
  const base = BigInt(trace.tsBaseSec) * 1_000_000_000n;
  const window = o.unit && o.unit !== 'events' && o.unit !== 'pages' ? o.count! * NS_PER[o.unit] : null;
  const limit = o.unit === 'events' ? o.count! : Infinity;
  const pageLimit = o.unit === 'pages' ? o.count! : Infinity;
  const start = o.startNs ? Number(o.startNs - base) : null;
  const end = o.endNs ? Number(o.endNs - base) : null;
  const events = new Map<number, number>();

  /**
   * -p: where parse_cpu() puts a record: a new page when it does not fit or
   * events were lost before it (false: that page would pass the limit: the
   * file ends before it), a time extend (8 bytes) first when it is more than
   * 2^27 ns after the page's last record (write_record()).
   */
  const place = (s: Stream, t: number, bytes: number, lostBefore: boolean): boolean => {
    for (;;) {
      if (s.index + bytes > pageSize || lostBefore) {
        if (s.pages + 1 > pageLimit) return false;
        s.pages++;
        s.index = header;
        s.pageTs = t;
      }
      if (t - s.pageTs > 1 << 27) {
        s.index += 8;
        s.pageTs = t;
        continue;
      }
      s.index += bytes;
      s.pageTs = t;
      return true;
    }
  };

  /** One pass: every event's file decided; those of files in [lo, hi] written. Returns the last file any stream opened. */
  const pass = async (lo: number, hi: number, closeBehind: boolean): Promise<number> => {
    const writers = new Map<number, DatWriter>();
    const open = async (chunk: number) => {
      if (chunk < lo || chunk > hi) return;
      if (!writers.has(chunk)) {
        writers.set(chunk, await datWriterFor(trace, splitFileName(o.output, chunk, repeat), flavour, { compressInWorker: !perCpu }));
        events.set(chunk, 0);
      }
      // one stream moves through the files in order: the one behind it is whole
      if (closeBehind) {
        const behind = writers.get(chunk - 1);
        if (behind) {
          writers.delete(chunk - 1);
          await behind.close();
        }
      }
    };
    const streams = new Map<number, Stream>();
    const streamOf = (cpu: number): Stream => {
      const key = perCpu ? cpu : -1;
      let s = streams.get(key);
      if (!s) streams.set(key, (s = { chunk: 1, count: 0, start: 0, done: false, wrote: new Set(), pages: 0, index: pageSize + 1, pageTs: 0 }));
      return s;
    };
    let last = 1;
    await open(1);
    for (const b of trace.batches({ cpus: o.cpu !== undefined ? new Set([o.cpu]) : undefined })) {
      for (let i = 0; i < b.length; i++) {
        if (b.buffer[i] !== 0) continue;
        const cpu = b.cpu[i];
        const s = streamOf(cpu);
        if (s.done) continue;
        const t = b.ts[i];
        if (s.chunk === 1 && s.count === 0 && start !== null && t < start) continue;
        if (end !== null && t > end) {
          s.done = true;
          continue;
        }
        const bytes = pageLimit !== Infinity ? recordBytes(b.size[i]) : 0;
        const lostBefore = b.lost?.get(i) !== undefined;
        const pageStop = pageLimit !== Infinity && !place(s, t, bytes, lostBefore);
        if (s.count > 0 || pageStop) {
          const stop = pageStop || (window !== null ? t > s.start + window : s.count >= limit);
          if (stop) {
            // no -r, or an end time (parse_file() returns it and the loop stops): this file was the last
            if (!repeat || end !== null) {
              s.done = true;
              continue;
            }
            const lost = !perCpu && !s.wrote.has(cpu);
            s.chunk++;
            s.count = 0;
            s.wrote.clear();
            s.pages = 0;
            s.index = pageSize + 1;
            if (pageLimit !== Infinity && !lost) place(s, t, bytes, lostBefore);
            last = Math.max(last, s.chunk);
            await open(s.chunk);
            if (lost) continue;
          }
        }
        if (s.count === 0) s.start = s.chunk === 1 && start !== null ? start : t;
        s.count++;
        s.wrote.add(cpu);
        const w = writers.get(s.chunk);
        if (w) {
          copyEvent(w, b, i);
          events.set(s.chunk, events.get(s.chunk)! + 1);
        }
      }
    }
    for (const w of writers.values()) await w.close();
    return last;
  };

  if (!perCpu) {
    await pass(1, Infinity, true);
  } else {
    // CPUs on their own fill several files at once: MAX_OPEN of them per pass over the trace
    let lo = 1;
    for (;;) {
      const last = await pass(lo, lo + MAX_OPEN - 1, false);
      if (last < lo + MAX_OPEN) break;
      lo += MAX_OPEN;
    }
  }
  const files = [...events.keys()].sort((a, b) => a - b).map((k) => ({ path: splitFileName(o.output, k, repeat), events: events.get(k)! }));
  return { files };
}
