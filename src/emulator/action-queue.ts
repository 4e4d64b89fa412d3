/**
 * The simulation's future: timed actions in a binary heap, popped in time
 * order; equal times pop in the order they were scheduled (a sequence number),
 * which keeps runs deterministic. The heap is kept as parallel arrays (times,
 * sequence numbers, actions) so scheduling allocates nothing per action.
 */
export class ActionQueue {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private runs: (() => void)[] = [];
  private n = 0;
  private seq = 0;

  get size(): number {
    return this.n;
  }

  at(t: number, run: () => void): void {
    // simulated time is integer ns; random arrivals are rounded here
    const time = Math.round(t);
    const seq = this.seq++;
    if (this.n === this.times.length) this.grow();
    const ts = this.times;
    const ss = this.seqs;
    const rs = this.runs;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ts[p] < time || (ts[p] === time && ss[p] < seq)) break;
      ts[i] = ts[p];
      ss[i] = ss[p];
      rs[i] = rs[p];
      i = p;
    }
    ts[i] = time;
    ss[i] = seq;
    rs[i] = run;
  }

  /** Time of the earliest action (Infinity when none). */
  peekTime(): number {
    return this.n ? this.times[0] : Infinity;
  }

  /** Removes the earliest action and returns it (undefined when none). */
  pop(): (() => void) | undefined {
    if (!this.n) return undefined;
    const ts = this.times;
    const ss = this.seqs;
    const rs = this.runs;
    const top = rs[0];
    const n = --this.n;
    const lt = ts[n];
    const ls = ss[n];
    const lr = rs[n];
    rs[n] = undefined as unknown as () => void;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (ts[r] < ts[l] || (ts[r] === ts[l] && ss[r] < ss[l])) ? r : l;
        if (lt < ts[c] || (lt === ts[c] && ls < ss[c])) break;
        ts[i] = ts[c];
        ss[i] = ss[c];
        rs[i] = rs[c];
        i = c;
      }
      ts[i] = lt;
      ss[i] = ls;
      rs[i] = lr;
    }
    return top;
  }

  private grow(): void {
    const t = new Float64Array(this.times.length * 2);
    t.set(this.times);
    this.times = t;
    const s = new Float64Array(this.seqs.length * 2);
    s.set(this.seqs);
    this.seqs = s;
  }
}
