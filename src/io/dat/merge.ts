import { EventBatch } from '../../core/batch.ts';
import type { CpuStream } from './cpu-stream.ts';

/**
 * Merges per-CPU streams into global time order, as trace-cmd report does:
 * the smallest timestamp first, ties to the earlier stream (top buffer before
 * instances, lower CPU first). A binary heap keeps it O(log CPUs) per event.
 */
export function* mergeStreams(streams: CpuStream[], batchSize: number, reuse: boolean, le: boolean): Generator<EventBatch> {
  const heap: CpuStream[] = [];
  for (const s of streams) if (s.fill()) heap.push(s);
  const less = (a: CpuStream, b: CpuStream) => {
    const ta = a.recs.ts[a.i];
    const tb = b.recs.ts[b.i];
    return ta < tb || (ta === tb && a.order < b.order);
  };
  const down = (i: number) => {
    const n = heap.length;
    const item = heap[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[c], item)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = item;
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);

  let batch = new EventBatch(batchSize);
  while (heap.length) {
    const s = heap[0];
    const recs = s.recs;
    const src = s.bytes;
    const words = s.words;
    const cpu = s.d.cpu;
    const buffer = s.d.buffer;
    // Take records from this stream while it stays the earliest one.
    const second = heap.length > 1 ? (heap.length > 2 && less(heap[2], heap[1]) ? heap[2] : heap[1]) : null;
    const limitTs = second ? second.recs.ts[second.i] : Infinity;
    const limitOrder = second ? second.order : 0;
    let i = s.i;
    const n = recs.n;
    const ts = recs.ts;
    while (i < n) {
      const t = ts[i];
      if (t > limitTs || (t === limitTs && s.order > limitOrder)) break;
      const len = recs.len[i];
      const off = recs.off[i];
      const k = batch.length;
      // records are 4-byte aligned and whole words long (RB_ALIGNMENT): copied as words
      const dst = batch.put(k, src, words, off, len);
      const data = batch.data;
      batch.ts[k] = t;
      batch.cpu[k] = cpu;
      batch.buffer[k] = buffer;
      if (len >= 8) {
        batch.type[k] = le ? data[dst] | (data[dst + 1] << 8) : (data[dst] << 8) | data[dst + 1];
        batch.flags[k] = data[dst + 2];
        batch.preempt[k] = data[dst + 3];
        batch.pid[k] = batch.dv.getInt32(dst + 4, le);
      } else {
        batch.type[k] = -1;
        batch.flags[k] = 0;
        batch.preempt[k] = 0;
        batch.pid[k] = 0;
      }
      if (recs.lost !== null) {
        const lost = recs.lost.get(i);
        if (lost !== undefined) batch.markLost(k, lost);
      }
      batch.length = k + 1;
      i++;
      if (batch.length === batch.capacity) {
        s.i = i;
        yield batch;
        if (reuse) {
          batch.length = 0;
          batch.used = 0;
          batch.lost = null;
        } else batch = new EventBatch(batchSize);
      }
    }
    s.i = i;
    if (!s.fill()) {
      const last = heap.pop()!;
      if (heap.length && last !== s) {
        heap[0] = last;
        down(0);
      }
    } else down(0);
  }
  if (batch.length) yield batch;
}

