import { copyInto } from './copy.ts';

/**
 * Events in columnar batches: hot loops read typed arrays, and a record's
 * payload (the bytes after the ring-buffer header, starting with common_type)
 * sits in `data` at [off[i], off[i] + size[i]).
 *
 * Timestamps are exact integer nanoseconds: ts[i] is relative to the trace's
 * `tsBaseSec` (whole seconds) and always below 2^53, so uptimes of any size keep
 * every nanosecond while arithmetic stays in doubles.
 */
export class EventBatch {
  length = 0;
  ts: Float64Array;
  cpu: Int32Array;
  /** common_type: the event id (look it up in Trace.formats). */
  type: Int32Array;
  pid: Int32Array;
  flags: Uint8Array;
  preempt: Uint8Array;
  /** Index into Trace.buffers (0 = top-level buffer). */
  buffer: Uint8Array;
  off: Int32Array;
  size: Int32Array;
  data: Uint8Array;
  dv: DataView;
  used = 0;
  /** Events lost before record i on its CPU: i -> count (-1 when the count is unknown). */
  lost: Map<number, number> | null = null;

  /** `data` as 32-bit words, made again when `data` is another array (it grew). */
  private wordView: Int32Array = new Int32Array(0);
  private wordsOf: Uint8Array | null = null;

  constructor(readonly capacity = 4096, bytes = capacity * 64) {
    this.ts = new Float64Array(capacity);
    this.cpu = new Int32Array(capacity);
    this.type = new Int32Array(capacity);
    this.pid = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.preempt = new Uint8Array(capacity);
    this.buffer = new Uint8Array(capacity);
    this.off = new Int32Array(capacity);
    this.size = new Int32Array(capacity);
    this.data = new Uint8Array(bytes);
    this.dv = new DataView(this.data.buffer);
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Makes room for `n` more payload bytes, growing the arena if needed. */
  reserve(n: number): void {
    if (this.used + n <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < this.used + n) cap *= 2;
    const d = new Uint8Array(cap);
    d.set(this.data.subarray(0, this.used));
    this.data = d;
    this.dv = new DataView(d.buffer);
  }

  /**
   * Appends src[from, from + n) as row k's payload (its off and size); returns where it went.
   * Records start at multiples of 4, so one whose bytes come with their 32-bit words
   * (`words`: src's bytes as words, `from` a multiple of 4) is copied a word at a time.
   */
  put(k: number, src: Uint8Array, words: Int32Array | null, from: number, n: number): number {
    this.reserve(n + 3);
    const at = (this.used + 3) & ~3;
    const d = this.data;
    if (words !== null && ((from | at | d.byteOffset) & 3) === 0) {
      if (this.wordsOf !== d) {
        this.wordsOf = d;
        this.wordView = new Int32Array(d.buffer, d.byteOffset, d.length >> 2);
      }
      const w = this.wordView;
      const a4 = at >> 2;
      const f4 = from >> 2;
      const nw = n >> 2;
      for (let j = 0; j < nw; j++) w[a4 + j] = words[f4 + j];
      for (let j = nw << 2; j < n; j++) d[at + j] = src[from + j];
    } else copyInto(d, at, src, from, n);
    this.off[k] = at;
    this.size[k] = n;
    this.used = at + n;
    return at;
  }

  markLost(i: number, count: number): void {
    (this.lost ??= new Map()).set(i, count);
  }
}

/** Makes `dst` hold only event i of `src` (a copy that outlives src's reuse), and returns dst. */
export function copyEvent(src: EventBatch, i: number, dst: EventBatch): EventBatch {
  dst.length = 0;
  dst.used = 0;
  dst.lost = null;
  dst.put(0, src.data, null, src.off[i], src.size[i]);
  dst.ts[0] = src.ts[i];
  dst.cpu[0] = src.cpu[i];
  dst.type[0] = src.type[i];
  dst.pid[0] = src.pid[i];
  dst.flags[0] = src.flags[i];
  dst.preempt[0] = src.preempt[i];
  dst.buffer[0] = src.buffer[i];
  dst.length = 1;
  const lost = src.lost?.get(i);
  if (lost !== undefined) dst.markLost(0, lost);
  return dst;
}
