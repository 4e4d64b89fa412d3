/**
 * The bad case's isolated task: `for (;;) { work(W); getppid(); }`, a loop
 * driven by its own work, as a syscall microbenchmark is. Each getppid() is a
 * window [start, start + len) in the kernel; the next starts W later. What
 * delays the task delays every later window by as much: an interrupt taken
 * in user space (its time is added to the work in progress) and deferred work
 * run on an entry (that window is longer). So, unlike a periodic timer, the
 * loop shows a slower kernel entry as fewer iterations, which is how Nadav
 * Amit's objection to the series is measured.
 *
 * Millions of windows are computed, not simulated: between two perturbations
 * they are periodic (a segment: first start `phase`, period W + len), and a
 * perturbation starts a new segment. The same computation answers "is the
 * CPU in the kernel at t" whether the syscall events are traced or not.
 */
export class SyscallLoop {
  /** One iteration when nothing delays it: work, then the syscall. */
  readonly period: number;
  /** First window of the current segment. */
  phase: number;
  /** The previous segment (windows before `phase`): its first window, its last, and the last's length. */
  private prevPhase = -1;
  private prevLast = -1;
  private prevLastLen = 0;
  /** Windows of segments closed so far, and the kernel time of their deferred work. */
  private closed = 0;
  /**
   * The window that will run pending deferred work (-1: none) and what the
   * work adds to it. It is the last window of the current segment: the one
   * after it starts flushLen later than the period says.
   */
  flushStart = -1;
  flushLen = 0;

  constructor(
    first: number,
    readonly work: number,
    readonly len: number,
  ) {
    this.period = work + len;
    this.phase = first;
  }

  /** The window holding t: its start, or -1 (in user space, or before the loop began). Its length is windowLen(start). */
  windowAt(t: number): number {
    if (t < this.phase) {
      if (this.prevPhase < 0 || t < this.prevPhase) return -1;
      let s = this.prevPhase + Math.floor((t - this.prevPhase) / this.period) * this.period;
      if (s > this.prevLast) s = this.prevLast;
      return t < s + (s === this.prevLast ? this.prevLastLen : this.len) ? s : -1;
    }
    if (this.flushStart >= 0 && t >= this.flushStart) {
      const e = this.flushStart + this.len + this.flushLen;
      if (t < e) return this.flushStart;
      const p = this.afterFlush();
      if (t < p) return -1;
      const s = p + Math.floor((t - p) / this.period) * this.period;
      return t < s + this.len ? s : -1;
    }
    const s = this.phase + Math.floor((t - this.phase) / this.period) * this.period;
    return t < s + this.len ? s : -1;
  }

  /** How long the window starting at s stays in the kernel. */
  windowLen(s: number): number {
    if (s === this.flushStart) return this.len + this.flushLen;
    if (s === this.prevLast) return this.prevLastLen;
    return this.len;
  }

  /** The first window starting at or after t. */
  nextStart(t: number): number {
    if (t <= this.phase) {
      if (this.prevPhase >= 0 && t > this.prevPhase && t <= this.prevLast) return this.prevPhase + Math.ceil((t - this.prevPhase) / this.period) * this.period;
      return this.phase;
    }
    const s = this.phase + Math.ceil((t - this.phase) / this.period) * this.period;
    if (this.flushStart >= 0 && s > this.flushStart) {
      const p = this.afterFlush();
      return t <= p ? p : p + Math.ceil((t - p) / this.period) * this.period;
    }
    return s;
  }

  /** Where the segment after the flush window begins. */
  private afterFlush(): number {
    return this.flushStart + this.period + this.flushLen;
  }

  /**
   * The window that has begun by t with pending deferred work ran it: close
   * the segment there. Returns what the work cost (0 if nothing ran).
   */
  settle(t: number): number {
    if (this.flushStart < 0 || t < this.flushStart) return 0;
    const cost = this.flushLen;
    this.close(this.flushStart, this.len + this.flushLen, this.afterFlush());
    this.flushStart = -1;
    this.flushLen = 0;
    return cost;
  }

  /** Pending deferred work will run at the next entry after t, and takes `len` there. */
  defer(t: number, len: number): void {
    if (this.flushStart < 0) this.flushStart = this.nextStart(t);
    this.flushLen = len;
  }

  /** The deferred work ran elsewhere (an interrupt's entry got there first). */
  cancelFlush(): void {
    this.flushStart = -1;
    this.flushLen = 0;
  }

  /**
   * An interrupt held the CPU over [s, e) while the task was in user space:
   * the work in progress, and every window after it, resumes e - s later.
   */
  delay(s: number, e: number): void {
    const n = this.nextStart(s);
    const d = e - s;
    const shiftFlush = this.flushStart >= 0 && this.flushStart >= n;
    // n before the current segment cannot happen for an interrupt at "now"; shift the segment then
    if (n <= this.phase) this.phase += d;
    else this.close(n - this.period, this.len, n + d);
    if (shiftFlush) this.flushStart += d;
  }

  /** The current segment ends with the window at `last` (of length lastLen); the next begins at `next`. */
  private close(last: number, lastLen: number, next: number): void {
    this.closed += Math.round((last - this.phase) / this.period) + 1;
    this.prevPhase = this.phase;
    this.prevLast = last;
    this.prevLastLen = lastLen;
    this.phase = next;
  }

  /** Windows begun before t (settle(t) first, so a flush window is counted in its segment). */
  windowsBefore(t: number): number {
    const cur = t > this.phase ? Math.floor((t - 1 - this.phase) / this.period) + 1 : 0;
    return this.closed + cur;
  }
}
