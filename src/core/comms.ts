import { glibcBsearch } from './glibc-bsearch.ts';

/**
 * pid -> comm as libtraceevent resolves it: pid 0 is always "<idle>", the
 * saved_cmdlines entries (reverse order, stable-sorted by pid, glibc bsearch),
 * then comms the sched plugins learn while printing (never overriding), else "<...>".
 */
export class CommTable {
  private pids = new Int32Array(0);
  private comms: string[] = [];
  private memo = new Map<number, string>();
  /** Bumped whenever a comm is added, so callers can drop derived caches. */
  version = 0;

  constructor(readonly source: string = '') {
    const pids: number[] = [];
    const comms: string[] = [];
    for (const line of source.split('\n')) {
      if (!line) continue;
      const m = /^\s*([+-]?\d+) (.+)$/.exec(line);
      if (!m) break; // sscanf failure ends libtraceevent's parse
      pids.push(Number(m[1]) | 0);
      comms.push(m[2]);
    }
    const n = pids.length;
    const order = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = n - 1 - i;
    order.sort((a, b) => pids[a] - pids[b]);
    this.pids = Int32Array.from(order, (k) => pids[k]);
    this.comms = order.map((k) => comms[k]);
  }

  private index(pid: number): number {
    const P = this.pids;
    return glibcBsearch(P.length, (i) => (pid < P[i] ? -1 : pid > P[i] ? 1 : 0));
  }

  /** The comm printed for a pid. */
  get(pid: number): string {
    if (pid === 0) return '<idle>';
    let c = this.memo.get(pid);
    if (c === undefined) {
      const i = this.index(pid);
      c = i < 0 ? '<...>' : this.comms[i];
      this.memo.set(pid, c);
    }
    return c;
  }

  has(pid: number): boolean {
    return pid === 0 || this.index(pid) >= 0;
  }

  /** Registers a comm learned from an event, keeping any comm already known. */
  register(pid: number, comm: string): void {
    if (pid === 0 || this.index(pid) >= 0) return;
    const P = this.pids;
    let at = 0;
    while (at < P.length && P[at] < pid) at++;
    const np = new Int32Array(P.length + 1);
    np.set(P.subarray(0, at));
    np[at] = pid;
    np.set(P.subarray(at), at + 1);
    this.pids = np;
    this.comms.splice(at, 0, comm);
    this.memo.delete(pid);
    this.version++;
  }

  /** An independent copy (printing teaches the table comms; each report starts afresh). */
  clone(): CommTable {
    const c = new CommTable();
    c.pids = this.pids.slice();
    c.comms = this.comms.slice();
    (c as { source: string }).source = this.source;
    return c;
  }

  /** Every known (pid, comm), for writers. */
  entries(): [number, string][] {
    return Array.from(this.pids, (p, i) => [p, this.comms[i]] as [number, string]);
  }
}
