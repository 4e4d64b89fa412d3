import * as aq from 'arquero';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import type { EventBatch } from '../core/batch.ts';
import { readerCache, type FieldReader } from './field-values.ts';
import type { Report } from './arquero-reports.ts';
import { scan, spanSeconds, timestamp, type ScanInfo, type Selection } from './scan.ts';

/**
 * RCU Tasks grace periods the way one measures them on a real kernel, which
 * has no tracepoint for them: a kprobe and a kretprobe on
 * synchronize_rcu_tasks() (or _trace, _rude), e.g. `perf probe -a
 * synchronize_rcu_tasks -a synchronize_rcu_tasks%return`, give each call's
 * length. What held it comes from sched_switch: RCU Tasks waits for every
 * task that was runnable when it scanned, until it switches voluntarily or
 * runs in user space; a task preempted (R+) before the call and kept off its
 * CPU is such a holdout, and the one that got back last is the one the grace
 * period waited for. The kernel's own words, when printk:console was
 * recorded: rcu_tasks_wait_gp()'s "grace period ... is N jiffies old", the
 * "detected stalls on tasks" report, "RT throttling activated".
 */

export interface TasksGracePeriod {
  /** synchronize_rcu_tasks, synchronize_rcu_tasks_trace, ... */
  func: string;
  start: number;
  startTime: string;
  end: number | null;
  durationNs: number | null;
  caller: string;
  cpu: number;
  holdout: Holdout | null;
  /** Console lines about RCU Tasks or RT throttling while it lasted. */
  messages: string[];
}

export interface Holdout {
  task: string;
  cpu: number;
  preemptedAt: string;
  /** The task that took the CPU from it. */
  preemptedBy: string;
  /** When it ran again (null: not within the grace period). */
  resumedAt: string | null;
  /** From its preemption to its return (or to the grace period's end). */
  offCpuNs: number;
}

export interface RcuTasksSummary {
  seconds: number;
  gracePeriods: TasksGracePeriod[];
  notes: string[];
}

interface Out {
  t: number;
  cpu: number;
  comm: string;
  by: string;
}

interface Open {
  gp: TasksGracePeriod;
  pid: number;
  /** Tasks off their CPU, preempted and runnable, when the call began. */
  candidates: Map<number, Out>;
  resumed: Map<number, number>;
}

const SYNC = /^([pr])_(synchronize_rcu_tasks(?:_trace|_rude)?|synchronize_srcu)(?:_\d+)?$/;
const RCU_TASKS_TEXT = /rcu_tasks|RCU Tasks|detected stalls on tasks|RT throttling|nvcsw: \d+\/\d+ holdout: /;
/**
 * rcu_tasks_wait_gp() first looks at its holdouts init_fract = HZ/10 jiffies
 * (100 ms at any HZ) after its scan: a task back on its CPU sooner held nothing.
 */
const FIRST_SCAN_NS = 100_000_000;

export function rcuTasksGracePeriods(trace: Trace, sel: Selection = {}): Report<RcuTasksSummary> {
  const c = new TasksGpCollector(trace);
  const summary = c.finish(scan(trace, sel, (b, i, ev) => c.visit(b, i, ev)));
  return { table: gpTable(summary.gracePeriods), summary };
}

type Role = { kind: 'call'; entry: boolean; func: string } | { kind: 'switch' } | { kind: 'console' } | null;

/** The one pass of rcuTasksGracePeriods(), also run inside other analyses' passes (uprobeCost, rcuReport). */
export class TasksGpCollector {
  private readonly F: Record<'prevPid' | 'prevState' | 'prevComm' | 'nextPid' | 'nextComm' | 'msg', (ev: EventFormat) => FieldReader | undefined>;
  private readonly roles: Role[] = [];
  /** Per task: its last switch out while runnable (preempted), until it is switched in again. */
  private readonly preempted = new Map<number, Out>();
  private readonly open: Open[] = [];
  private readonly done: TasksGracePeriod[] = [];
  private sawSwitch = false;
  private sawCalls = false;
  private sawConsole = false;

  constructor(private readonly trace: Trace) {
    const field = readerCache(trace);
    this.F = { prevPid: field('prev_pid'), prevState: field('prev_state'), prevComm: field('prev_comm'), nextPid: field('next_pid'), nextComm: field('next_comm'), msg: field('msg') };
  }

  private roleOf(ev: EventFormat | undefined): Role {
    if (!ev) return null;
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    const m = ev.system === 'kprobes' ? SYNC.exec(ev.name) : null;
    r = m ? { kind: 'call', entry: m[1] === 'p', func: m[2] } : ev.system === 'sched' && ev.name === 'sched_switch' ? { kind: 'switch' } : ev.system === 'printk' && ev.name === 'console' ? { kind: 'console' } : null;
    this.roles[ev.id] = r;
    return r;
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    const role = this.roleOf(ev);
    if (!role) return;
    const { F, trace } = this;
    const t = b.ts[i];
    if (role.kind === 'switch') {
      this.sawSwitch = true;
      const prev = Number(F.prevPid(ev!)?.read(b, i));
      const next = Number(F.nextPid(ev!)?.read(b, i));
      const state = Number(F.prevState(ev!)?.read(b, i));
      // TASK_RUNNING (0), or TASK_REPORT_MAX (R+: preempted): still on the runqueue; the comms only then
      if (prev !== 0 && (state === 0 || state === 0x100 || state === 0x400)) {
        this.preempted.set(prev, { t, cpu: b.cpu[i], comm: String(F.prevComm(ev!)?.read(b, i) ?? ''), by: `${F.nextComm(ev!)?.read(b, i) ?? ''}-${next}` });
      } else this.preempted.delete(prev);
      this.preempted.delete(next);
      for (const o of this.open) if (o.candidates.has(next) && !o.resumed.has(next)) o.resumed.set(next, t);
      return;
    }
    if (role.kind === 'console') {
      this.sawConsole = true;
      if (!this.open.length) return;
      const text = String(F.msg(ev!)?.read(b, i) ?? '');
      if (!RCU_TASKS_TEXT.test(text)) return;
      for (const o of this.open) o.gp.messages.push(`${timestamp(trace, t)} [${String(b.cpu[i]).padStart(3, '0')}] ${text}`);
      return;
    }
    this.sawCalls = true;
    const pid = b.pid[i];
    if (role.entry) {
      const gp: TasksGracePeriod = { func: role.func, start: t, startTime: timestamp(trace, t), end: null, durationNs: null, caller: `${trace.comms.get(pid)}-${pid}`, cpu: b.cpu[i], holdout: null, messages: [] };
      this.open.push({ gp, pid, candidates: new Map(this.preempted), resumed: new Map() });
      return;
    }
    const k = this.open.findIndex((o) => o.pid === pid && o.gp.func === role.func);
    if (k < 0) return;
    const o = this.open.splice(k, 1)[0];
    o.gp.end = t;
    o.gp.durationNs = t - o.gp.start;
    o.gp.holdout = holdoutOf(trace, o, t);
    this.done.push(o.gp);
  }

  finish(info: ScanInfo): RcuTasksSummary {
    for (const o of this.open) {
      o.gp.holdout = holdoutOf(this.trace, o, info.last);
      this.done.push(o.gp);
    }
    this.open.length = 0;
    this.done.sort((a, b) => a.start - b.start);
    const notes: string[] = [];
    if (!this.sawCalls) notes.push('no kprobe on synchronize_rcu_tasks in the trace: add a pair (perf probe -a synchronize_rcu_tasks -a synchronize_rcu_tasks%return) and record -e kprobes');
    if (!this.sawSwitch) notes.push('holdouts need -e sched:sched_switch');
    if (!this.sawConsole) notes.push("the kernel's stall messages need -e printk:console");
    return { seconds: spanSeconds(info), gracePeriods: this.done, notes };
  }
}

/** The candidate that came back last before `end` (or not at all), if after the first holdout scan: the task the grace period waited for. */
function holdoutOf(trace: Trace, o: Open, end: number): Holdout | null {
  let best: Holdout | null = null;
  let bestAt = o.gp.start + FIRST_SCAN_NS;
  for (const [pid, out] of o.candidates) {
    const back = o.resumed.get(pid);
    const at = back === undefined || back > end ? Infinity : back;
    if (at <= bestAt) continue;
    bestAt = at;
    best = { task: `${out.comm}-${pid}`, cpu: out.cpu, preemptedAt: timestamp(trace, out.t), preemptedBy: out.by, resumedAt: at === Infinity ? null : timestamp(trace, at), offCpuNs: (at === Infinity ? end : at) - out.t };
  }
  return best;
}

export function gpTable(g: TasksGracePeriod[]): aq.ColumnTable {
  return aq.table({
    start: g.map((x) => x.startTime),
    func: g.map((x) => x.func),
    caller: g.map((x) => x.caller),
    cpu: g.map((x) => x.cpu),
    duration_ms: g.map((x) => (x.durationNs === null ? null : x.durationNs / 1e6)),
    holdout: g.map((x) => x.holdout?.task ?? null),
    holdout_cpu: g.map((x) => x.holdout?.cpu ?? null),
    preempted_at: g.map((x) => x.holdout?.preemptedAt ?? null),
    preempted_by: g.map((x) => x.holdout?.preemptedBy ?? null),
    off_cpu_ms: g.map((x) => (x.holdout ? x.holdout.offCpuNs / 1e6 : null)),
    resumed_at: g.map((x) => x.holdout?.resumedAt ?? null),
  });
}
