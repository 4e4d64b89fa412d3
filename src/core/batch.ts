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

  markLost(i: number, count: number): void {
    (this.lost ??= new Map()).set(i, count);
  }
}

/** Makes `dst` hold only event i of `src` (a copy that outlives src's reuse), and returns dst. */
export function copyEvent(src: EventBatch, i: number, dst: EventBatch): EventBatch {
  dst.length = 0;
  dst.used = 0;
  dst.lost = null;
  const size = src.size[i];
  dst.reserve(size);
  dst.data.set(src.data.subarray(src.off[i], src.off[i] + size), 0);
  dst.ts[0] = src.ts[i];
  dst.cpu[0] = src.cpu[i];
  dst.type[0] = src.type[i];
  dst.pid[0] = src.pid[i];
  dst.flags[0] = src.flags[i];
  dst.preempt[0] = src.preempt[i];
  dst.buffer[0] = src.buffer[i];
  dst.off[0] = 0;
  dst.size[0] = size;
  dst.used = size;
  dst.length = 1;
  const lost = src.lost?.get(i);
  if (lost !== undefined) dst.markLost(0, lost);
  return dst;
}
