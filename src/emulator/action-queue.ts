/**
 * The simulation's future: timed actions in a binary heap, popped in time
 * order; equal times pop in the order they were scheduled (a sequence number),
 * which keeps runs deterministic.
 */
export interface Action {
  t: number;
  seq: number;
  run: () => void;
}

export class ActionQueue {
  private heap: Action[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  at(t: number, run: () => void): void {
    // simulated time is integer ns; random arrivals are rounded here
    const a: Action = { t: Math.round(t), seq: this.seq++, run };
    const h = this.heap;
    let i = h.length;
    h.push(a);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (earlier(h[p], a)) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = a;
  }

  peekTime(): number {
    return this.heap.length ? this.heap[0].t : Infinity;
  }

  pop(): Action | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && earlier(h[r], h[l]) ? r : l;
        if (earlier(last, h[c])) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function earlier(a: Action, b: Action): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
