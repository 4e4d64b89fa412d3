import { IRQS_OFF, type Machine, type Task } from './machine.ts';
import { rcuGracePeriodNs } from './rcu.ts';

/**
 * RCU Tasks grace periods as 6.18's kernel/rcu/tasks.h runs them
 * (rcu_tasks_kthread() -> rcu_tasks_one_gp() -> rcu_tasks_wait_gp()):
 *
 * - rcu_tasks_pregp_step(): synchronize_rcu(), one normal grace period.
 * - the task-list scan (rcu_tasks_pertask()): every runnable non-idle task
 *   other than the kthread is a holdout, its voluntary-switch count
 *   (nvcsw) snapshotted.
 * - rcu_tasks_postscan(): synchronize_srcu(&tasks_rcu_exit_srcu).
 * - the holdout loop: sleep `fract` jiffies (init_fract = HZ/10, one more
 *   each pass up to HZ), then check_holdout_task() drops the tasks that
 *   switched voluntarily, left the runqueue, or run in user space on a
 *   nohz_full CPU; a task preempted (R+) and not run since stays, however
 *   long. A running task is dropped at its next tick in user space
 *   (rcu_sched_clock_irq() -> rcu_tasks_qs()). Before a stall is reported,
 *   pr_info() says every rcu_task_stall_info (10 s, times 3 each time) how
 *   old the grace period is; after rcu_task_stall_timeout (10 min) it
 *   reports "INFO: rcu_tasks detected stalls on tasks:" and each holdout.
 * - rcu_tasks_postgp(): synchronize_rcu() again; then the callbacks run
 *   (wakeme_after_rcu() wakes the synchronize_rcu_tasks() caller), and the
 *   kthread sleeps gp_sleep (HZ/10) before it looks for more.
 *
 * RCU Tasks has no tracepoint of its own: on a real kernel one measures it
 * with a kprobe/kretprobe pair on synchronize_rcu_tasks(), and sees its
 * stall messages on printk:console; the emulator offers exactly that.
 */

/** A task the holdout scan may find preempted: when it was, and when it next reaches a quiescent state. */
export interface HoldoutSource {
  task: Task;
  cpu: number;
  /** Off the CPU, preempted and runnable, at time t (on_rq, nvcsw unchanged since). */
  preemptedAt(t: number): boolean;
  /** The first time at or after t at which check_holdout_task() would drop it. */
  quiescentAt(t: number): number;
}

/** Where a probe may see the kernel run a function: a kprobe at entry, a kretprobe at return. */
export interface FunctionHooks {
  entry(func: string, cpu: number, t: number): void;
  exit(func: string, cpu: number, t: number, caller: string): void;
}

/** synchronize_srcu(&tasks_rcu_exit_srcu) with no reader in an exit path: one SRCU grace period, about a jiffy (HZ=1000). */
const SRCU_GP_NS = 1_000_000;
/** call_rcu_tasks() to the kthread running: irq_work, then a wakeup. */
const WAKE_NS = 30_000;
/** rcu_tasks_trace_pregp_step(): one CPU's current task looked at (cpu_curr_snapshot(), its reader nesting). */
const PER_CPU_LOOK_NS = 50;
/** A work item queued on a workqueue until its kworker runs it (SRCU's process_srcu(), srcu_invoke_callbacks()). */
const SRCU_WORK_NS = 30_000;
/** One per-CPU SRCU counter read during a scan (a remote cache line). */
const SRCU_COUNTER_READ_NS = 10;

export interface TasksGp {
  flavour: 'rcu_tasks';
  start: number;
  end: number;
  holdouts: Task[];
  stallWarnings: number;
}

export class RcuTasks {
  hooks: FunctionHooks | null = null;
  holdoutSources: HoldoutSource[] = [];
  /** Completed grace periods (for the record summary and tests). */
  readonly done: TasksGp[] = [];
  private seq = 0x1e4;
  /** The kthreads' gp_sleep after their last grace period ends here. */
  private idleFrom = 0;
  private traceIdleFrom = 0;

  constructor(
    private readonly m: Machine,
    readonly kthread: Task,
    readonly traceKthread: Task,
  ) {}

  /** The CPU the kthread runs on: a housekeeping CPU without a holdout. */
  private cpu(): number {
    const busy = new Set(this.holdoutSources.map((h) => h.cpu));
    return this.m.hk.find((c) => !busy.has(c)) ?? this.m.hk[0];
  }

  /**
   * synchronize_rcu_tasks() from `caller` (running on `cpu` at t, then
   * sleeping in wait_for_completion()): kprobes on its entry and return
   * fire, and `then` runs in the caller once it is back, returning when it
   * is done there.
   */
  synchronize(cpu: number, t: number, caller: Task, callerSite: string, then: (t: number) => number): void {
    const m = this.m;
    this.hooks?.entry('synchronize_rcu_tasks', cpu, t);
    const r = m.rng.get('rcu_tasks.gp');
    const kcpu = this.cpu();
    // the kthread picks the callback up once its gp_sleep after the previous grace period is over
    const k0 = Math.max(t + WAKE_NS, this.idleFrom);
    const gpStart = k0;
    const pregp = k0 + rcuGracePeriodNs(r);
    const holdouts = this.holdoutSources.filter((h) => h.preemptedAt(pregp));
    // each holdout's first quiescent state after the scan
    const qs = new Map(holdouts.map((h) => [h, h.quiescentAt(pregp)]));
    const s = this.m.s.rcu;
    const stallNs = s.tasks_stall_timeout_s * 1e9;
    let infoNs = s.tasks_stall_info_s * 1e9;
    const jiffy = 1e9 / m.s.hz;
    let fract = Math.round(m.s.hz / 10);
    let now = pregp + SRCU_GP_NS;
    let lastReport = now;
    let lastInfo = now;
    let reported = false;
    let stalls = 0;
    const left = new Set(holdouts);
    const seq = (this.seq += 4);
    const messages: [number, string][] = [];
    // the list is never empty: the running tasks of the other CPUs are on it until their next tick in user space
    do {
      now += fract * jiffy;
      if (fract < m.s.hz) fract++;
      const needReport = stallNs > 0 && now > lastReport + stallNs;
      if (needReport) {
        lastReport = now;
        reported = true;
      }
      let first = true;
      for (const h of [...left]) {
        if (qs.get(h)! <= now) {
          left.delete(h);
          continue;
        }
        if (!needReport) continue;
        if (first) messages.push([now, 'INFO: rcu_tasks detected stalls on tasks:']);
        first = false;
        stalls++;
        // pr_alert("%p: %c%c nvcsw: %lu/%lu holdout: %d idle_cpu: %d/%d\n"): %p hashes the pointer
        messages.push([now, `${hashedPointer(h.task.pid)}: .. nvcsw: ${nvcsw(h.task.pid)}/${nvcsw(h.task.pid)} holdout: 1 idle_cpu: -1/${h.cpu}`]);
      }
      if (infoNs > 0 && !reported && now > lastInfo + infoNs && left.size) {
        lastInfo = now;
        infoNs *= 3;
        messages.push([now, `rcu_tasks_wait_gp: rcu_tasks grace period number ${seq} (since boot) is ${Math.round((now - gpStart) / jiffy)} jiffies old.`]);
      }
    } while (left.size);
    const postgp = now + rcuGracePeriodNs(r);
    this.idleFrom = postgp + Math.round(m.s.hz / 10) * jiffy;
    this.done.push({ flavour: 'rcu_tasks', start: gpStart, end: postgp, holdouts: holdouts.map((h) => h.task), stallWarnings: stalls });
    // the kthread: woken for the callback, then by its timer for each message it prints (the scans in between run too briefly to matter here)
    m.onCpu(kcpu, k0, (t0) => m.borrow(kcpu, t0, this.kthread, 0x80, (t1) => t1 + 2000));
    for (const [at, text] of messages) {
      m.onCpu(kcpu, at, (t0) => m.borrow(kcpu, t0, this.kthread, 0x80, (t1) => {
        m.emit(m.tp.console, kcpu, t1 + 500, IRQS_OFF, 0, [text]);
        return t1 + 3000;
      }));
    }
    // the callbacks: wakeme_after_rcu() completes the caller's wait; it returns from synchronize_rcu_tasks()
    this.resume(cpu, postgp + WAKE_NS, caller, 'synchronize_rcu_tasks', callerSite, then);
  }

  /** The caller woken on its CPU, back from `func`. */
  private resume(cpu: number, t: number, caller: Task, func: string, callerSite: string, then: (t: number) => number): void {
    const m = this.m;
    m.onCpu(cpu, t, (t0) =>
      m.borrow(cpu, t0, caller, 0x80, (t1) => {
        this.hooks?.exit(func, cpu, t1, callerSite);
        return then(t1 + 500);
      }),
    );
  }

  /**
   * synchronize_rcu_tasks_trace() (uprobe unregistration), after tasks.h's
   * Tasks Trace flavour: rcu_tasks_trace_pregp_step() looks at the task
   * running on each online CPU (a reader in progress would become a
   * holdout; a uprobe handler's microseconds are not modelled as one),
   * rcu_tasks_trace_postscan() waits for a normal grace period
   * (synchronize_rcu(): Tasks Trace implies one), and the kthread sleeps
   * gp_sleep = HZ/200 after each grace period before it takes the next.
   */
  synchronizeTrace(cpu: number, t: number, caller: Task, callerSite: string, then: (t: number) => number): void {
    const m = this.m;
    this.hooks?.entry('synchronize_rcu_tasks_trace', cpu, t);
    const r = m.rng.get('rcu_tasks_trace.gp');
    const k0 = Math.max(t + WAKE_NS, this.traceIdleFrom);
    const pregp = k0 + m.cpus.length * PER_CPU_LOOK_NS;
    const end = pregp + rcuGracePeriodNs(r);
    const jiffy = 1e9 / m.s.hz;
    this.traceIdleFrom = end + Math.max(1, Math.floor(m.s.hz / 200)) * jiffy;
    const kcpu = this.cpu();
    m.onCpu(kcpu, k0, (t0) => m.borrow(kcpu, t0, this.traceKthread, 0x80, (t1) => t1 + 2000));
    this.resume(cpu, end + WAKE_NS, caller, 'synchronize_rcu_tasks_trace', callerSite, then);
  }

  /**
   * synchronize_srcu() on an SRCU domain (uprobes_srcu, uretprobes_srcu: each
   * its own, and alike here) with no callbacks pending and its
   * last grace period over (srcu_might_be_idle()): expedited, as 6.18's
   * srcutree.c runs it. process_srcu() on a workqueue, two index flips each
   * with smp_mb() and a scan of every CPU's lock/unlock counters
   * (srcu_readers_active_idx_check()), then srcu_invoke_callbacks() on a
   * workqueue wakes the caller. A reader in its section at a scan would be
   * waited for; uprobe handlers' microseconds are not modelled as one.
   */
  synchronizeSrcu(cpu: number, t: number, caller: Task, callerSite: string, then: (t: number) => number): void {
    const m = this.m;
    this.hooks?.entry('synchronize_srcu', cpu, t);
    const scan = m.s.hw.atomic_ns + m.cpus.length * 2 * SRCU_COUNTER_READ_NS;
    const end = t + SRCU_WORK_NS + 2 * scan + SRCU_WORK_NS;
    this.resume(cpu, end + WAKE_NS, caller, 'synchronize_srcu', callerSite, then);
  }
}

/** What %p prints for a task pointer: hashed, 16 hex digits (lib/vsprintf.c ptr_to_id()); stable per task here. */
function hashedPointer(pid: number): string {
  let h = (pid * 0x9e3779b1) >>> 0;
  h ^= h >>> 15;
  const lo = (Math.imul(h, 0x85ebca6b) >>> 0).toString(16).padStart(8, '0');
  return `00000000${lo}`;
}

/** A plausible voluntary-switch count for the stall report (the snapshot equals the count: it never switched). */
function nvcsw(pid: number): number {
  return 1000 + (pid % 7919);
}
