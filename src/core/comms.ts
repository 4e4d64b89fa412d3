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
  /**
   * libtraceevent keeps comms in a list until the first lookup of a pid other
   * than 0 (find_cmdline() returns "<idle>" for pid 0 before cmdline_init()),
   * then sorts them into the array it searches. A comm registered before that
   * goes to the list's head even if its pid is known, and may win the search;
   * after it, a known pid keeps its comm. `pending` is that list's head.
   */
  private sorted = false;
  private pending: { pid: number; comm: string }[] = [];
  /** Bumped whenever a comm is added, so callers can drop derived caches. */
  version = 0;

  constructor(readonly source: string = '') {
    const pids: number[] = [];
    const comms: string[] = [];
    // tep_parse_saved_cmdlines(): strtok_r on "\n" (empty lines skipped), then
    // sscanf(line, "%d %m[^\n]s"): the " " takes any run of C whitespace, even none
    // ("4259_bash" is pid 4259, comm "_bash"); a line it cannot read, or a pid past
    // int (ERANGE), ends the parse
    for (const line of source.split('\n')) {
      if (!line) continue;
      const m = /^[ \t\v\f\r]*([+-]?\d+)[ \t\v\f\r]*([^ \t\v\f\r][^]*)$/.exec(line);
      if (!m) break;
      const pid = Number(m[1]);
      if (pid > 0x7fffffff || pid < -0x80000000) break;
      pids.push(pid);
      comms.push(m[2]);
    }
    // each saved line was prepended to the list: the list is in reverse file order
    this.pids = Int32Array.from(pids).reverse();
    this.comms = comms.reverse();
  }

  /** cmdline_init(): the list (latest registration first) stable-sorted by pid (glibc qsort is a merge sort). */
  private sort(): void {
    this.sorted = true;
    const pids = [...this.pending.map((x) => x.pid), ...this.pids];
    const comms = [...this.pending.map((x) => x.comm), ...this.comms];
    this.pending = [];
    const n = pids.length;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => pids[a] - pids[b] || a - b);
    this.pids = Int32Array.from(order, (k) => pids[k]);
    this.comms = order.map((k) => comms[k]);
  }

  private index(pid: number): number {
    if (!this.sorted) this.sort();
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

  /** Told when a registration is refused because the pid has a comm (report --verbose follows errno). */
  onExists?: () => void;

  /** Registers a comm learned from an event (tep_register_comm()): before the first lookup it joins the list, after it a known pid keeps its comm. */
  register(pid: number, comm: string): void {
    if (pid === 0) return;
    if (!this.sorted) {
      this.pending.unshift({ pid, comm });
      this.version++;
      return;
    }
    if (this.index(pid) >= 0) {
      // add_new_comm(): a pid it has already is refused with errno EEXIST
      this.onExists?.();
      return;
    }
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
    c.sorted = this.sorted;
    c.pending = this.pending.slice();
    (c as { source: string }).source = this.source;
    return c;
  }

  /**
   * The pids known by this comm, in the order tep_data_pid_from_comm() finds
   * them before any lookup sorted the table (its list: newest first, then the
   * saved_cmdlines in reverse file order).
   */
  pidsOf(comm: string): number[] {
    const out: number[] = [];
    if (!this.sorted) for (const p of this.pending) if (p.comm === comm) out.push(p.pid);
    this.comms.forEach((c, i) => void (c === comm && out.push(this.pids[i])));
    return out;
  }

  /** Every known (pid, comm), for writers. */
  entries(): [number, string][] {
    if (!this.sorted) this.sort();
    return Array.from(this.pids, (p, i) => [p, this.comms[i]] as [number, string]);
  }
}
