import type { FieldValue } from '../core/record-encoder.ts';
import { ActionQueue } from './action-queue.ts';
import type { KernelSymbols } from './kernel-symbols.ts';
import { Streams } from './rng.ts';
import { Stacks } from './stacks.ts';
import type { Scenario } from './scenario.ts';
import { cpuSets } from './scenario.ts';
import type { Tracepoint, Tracing } from './tracing.ts';

/** The tracepoints the emulated kernel fires, by name. */
export type Tracepoints = ReturnType<typeof tracepoints>;

/**
 * Looked up once. An object literal, so V8 gives it a fixed shape: filled in
 * by computed names, it fell into dictionary mode and every `m.tp.x` of every
 * emit was a hash lookup.
 */
function tracepoints(t: Tracing) {
  const r = (sys: string, name: string) => t.require(sys, name);
  return {
    ipi_send_cpu: r('ipi', 'ipi_send_cpu'),
    ipi_send_cpumask: r('ipi', 'ipi_send_cpumask'),
    csd_queue_cpu: r('csd', 'csd_queue_cpu'),
    csd_function_entry: r('csd', 'csd_function_entry'),
    csd_function_exit: r('csd', 'csd_function_exit'),
    call_function_entry: r('irq_vectors', 'call_function_entry'),
    call_function_exit: r('irq_vectors', 'call_function_exit'),
    call_function_single_entry: r('irq_vectors', 'call_function_single_entry'),
    call_function_single_exit: r('irq_vectors', 'call_function_single_exit'),
    reschedule_entry: r('irq_vectors', 'reschedule_entry'),
    reschedule_exit: r('irq_vectors', 'reschedule_exit'),
    local_timer_entry: r('irq_vectors', 'local_timer_entry'),
    local_timer_exit: r('irq_vectors', 'local_timer_exit'),
    irq_work_entry: r('irq_vectors', 'irq_work_entry'),
    irq_work_exit: r('irq_vectors', 'irq_work_exit'),
    irq_handler_entry: r('irq', 'irq_handler_entry'),
    irq_handler_exit: r('irq', 'irq_handler_exit'),
    softirq_raise: r('irq', 'softirq_raise'),
    softirq_entry: r('irq', 'softirq_entry'),
    softirq_exit: r('irq', 'softirq_exit'),
    sched_switch: r('sched', 'sched_switch'),
    sched_wakeup: r('sched', 'sched_wakeup'),
    sched_waking: r('sched', 'sched_waking'),
    sched_process_exit: r('sched', 'sched_process_exit'),
    sched_process_fork: r('sched', 'sched_process_fork'),
    rcu_utilization: r('rcu', 'rcu_utilization'),
    rcu_grace_period: r('rcu', 'rcu_grace_period'),
    rcu_callback: r('rcu', 'rcu_callback'),
    rcu_invoke_callback: r('rcu', 'rcu_invoke_callback'),
    irq_disable: r('preemptirq', 'irq_disable'),
    irq_enable: r('preemptirq', 'irq_enable'),
    sys_enter: r('raw_syscalls', 'sys_enter'),
    sys_exit: r('raw_syscalls', 'sys_exit'),
    signal_generate: r('signal', 'signal_generate'),
    signal_deliver: r('signal', 'signal_deliver'),
  };
}

/** trace_flag_type bits of common_flags. */
export const IRQS_OFF = 0x01;
export const NEED_RESCHED = 0x04;
export const HARDIRQ = 0x08;
export const SOFTIRQ = 0x10;

export interface Task {
  pid: number;
  comm: string;
  prio: number;
}

/** Kinds of kernel-only work the deferral can postpone (one bit each: they coalesce). */
export const DEFER_SYNC_CORE = 1;
export const DEFER_TLB_FLUSH = 2;
export const DEFER_SINGLE_SYNC = 4;

export interface CpuStats {
  kernelEntries: number;
  kernelNs: number;
  ipisReceived: number;
  deferred: number;
  deferredRuns: number;
  deferralCostNs: number;
  /** The isolated task was killed (dataplane-strict). */
  killed: boolean;
}

export class Cpu {
  task: Task;
  /** The CPU is inside a kernel episode until this time. */
  busyUntil = 0;
  /** Between episodes: what the CPU runs (isolated CPUs: their user task; dead tasks leave it idle). */
  rest: 'user' | 'idle' | 'kernel' = 'kernel';
  /** Pending deferred work (DEFER_* bits), and since when. */
  deferred = 0;
  deferredSince = 0;
  /** A user task that makes a syscall every sysPeriod ns (from sysPhase, lasting sysLen): the bad case. */
  sysPeriod = 0;
  sysPhase = 0;
  sysLen = 0;
  alive = true;
  readonly stats: CpuStats = { kernelEntries: 0, kernelNs: 0, ipisReceived: 0, deferred: 0, deferredRuns: 0, deferralCostNs: 0, killed: false };
  /** csd addresses per CPU: the per-CPU call_single_data of each CPU. */
  readonly csdBase: bigint;

  constructor(
    readonly id: number,
    readonly isolated: boolean,
    readonly idle: Task,
  ) {
    this.task = idle;
    this.csdBase = 0xffff888104cf0000n + BigInt(id) * 0x40000n;
  }

  /** In user space at time t: not inside an episode and running a user task. */
  inUser(t: number): boolean {
    if (t < this.busyUntil || this.rest !== 'user' || !this.alive) return false;
    if (this.sysPeriod && t >= this.sysPhase && (t - this.sysPhase) % this.sysPeriod < this.sysLen) return false;
    return true;
  }

  /** The next periodic syscall entry at or after t (Infinity without one). */
  nextSyscall(t: number): number {
    if (!this.sysPeriod) return Infinity;
    if (t <= this.sysPhase) return this.sysPhase;
    return this.sysPhase + Math.ceil((t - this.sysPhase) / this.sysPeriod) * this.sysPeriod;
  }
}

/**
 * The emulated kernel: CPUs with context-tracking state, tasks, a clock and the
 * tracepoints. Work on a CPU happens in episodes (an interrupt, a syscall, a
 * context switch) that emit their events in time order; an episode that
 * arrives while the CPU is busy waits, as an interrupt waits for irqs-on.
 */
export class Machine {
  readonly q = new ActionQueue();
  readonly cpus: Cpu[];
  /** Time the recording ends (ns from its start). */
  end = 0;
  readonly hk: number[];
  readonly iso: number[];
  readonly rng: Streams;
  readonly stacks: Stacks;
  now = 0;
  private nextPid = 4000;
  /** Events emitted that are not recorded by any filter still cost nothing: enabled checks come first. */
  readonly tp: Tracepoints;
  /** sched_switch and rcu_utilization values, reused from switch to switch (the encoder copies them). */
  private sw: [string, number, number, number, string, number, number] = ['', 0, 0, 0, '', 0, 0];
  private csStart: [bigint];
  private csEnd: [bigint];
  /** rcu_utilization's values around a scheduler tick (housekeeping and residual ticks). */
  readonly tickStart: readonly [bigint];
  readonly tickEnd: readonly [bigint];

  constructor(
    readonly s: Scenario,
    readonly sym: KernelSymbols,
    readonly tracing: Tracing,
    seed: number,
  ) {
    this.rng = new Streams(seed);
    this.stacks = new Stacks(sym);
    const { hk, iso } = cpuSets(s);
    this.hk = hk;
    this.iso = iso;
    const isoSet = new Set(iso);
    this.cpus = Array.from({ length: s.cpus }, (_, c) => new Cpu(c, isoSet.has(c), { pid: 0, comm: `swapper/${c}`, prio: 120 }));
    for (const c of this.cpus) c.rest = 'idle';
    tracing.commOf = (cpu) => this.cpus[cpu].task.comm;
    this.tp = tracepoints(tracing);
    this.csStart = [sym.str('Start context switch')];
    this.csEnd = [sym.str('End context switch')];
    this.tickStart = [sym.str('Start scheduler-tick')];
    this.tickEnd = [sym.str('End scheduler-tick')];
  }

  /** sched_switch's fields for prev -> next. */
  private switchValues(prev: Task, prevState: number, next: Task): readonly (string | number)[] {
    const v = this.sw;
    v[0] = prev.comm;
    v[1] = prev.pid;
    v[2] = prev.prio;
    v[3] = prevState;
    v[4] = next.comm;
    v[5] = next.pid;
    v[6] = next.prio;
    return v;
  }

  /** Every task that ever ran, for the saved_cmdlines of the trace. */
  readonly tasks: Task[] = [];

  newTask(comm: string, prio = 120): Task {
    const t = { pid: this.nextPid++, comm: comm.slice(0, 15), prio };
    this.tasks.push(t);
    return t;
  }

  /**
   * Runs `fn` on a CPU as `task` (a kworker or process woken for the job),
   * with the context switches in and out when sched_switch is traced.
   * `sleepState` is the state it leaves in (0x80 idle kworker, 1 sleeping).
   */
  borrow(cpu: number, t: number, task: Task, sleepState: number, fn: (t: number) => number): number {
    const c = this.cpus[cpu];
    const prev = c.task;
    if (prev === task) return fn(t);
    const sw = this.tp.sched_switch;
    this.switchTo(cpu, t, task, prev === c.idle ? 0 : 0x100);
    let now = fn(t + 1200);
    now += 200;
    if (sw.on) this.emit(sw, cpu, now, 0, 0, this.switchValues(task, sleepState, prev));
    c.task = prev;
    return now + 1500;
  }

  /** A context switch on a CPU, taking 300 ns from t (prevState: 0 runnable, 0x100 preempted, 1 S, 0x80 I, 0x20 Z). */
  switchTo(cpu: number, t: number, next: Task, prevState: number): void {
    const c = this.cpus[cpu];
    const prev = c.task;
    const sw = this.tp.sched_switch;
    if (sw.on) {
      const ru = this.tp.rcu_utilization;
      if (ru.on) this.emit(ru, cpu, t, IRQS_OFF, 1, this.csStart);
      if (ru.on) this.emit(ru, cpu, t + 150, IRQS_OFF, 1, this.csEnd);
      this.emit(sw, cpu, t + 300, IRQS_OFF, 0, this.switchValues(prev, prevState, next));
    }
    c.task = next;
  }

  /** Schedules work at time t. */
  at(t: number, fn: () => void): void {
    this.q.at(t, fn);
  }

  /**
   * Runs an episode on a CPU at time t (or when the CPU is free). The episode
   * gets its start time and the CPU, and returns when it ends; a generator can
   * so pass one function made once rather than a closure per arrival.
   */
  onCpu(cpu: number, t: number, episode: (t: number, cpu: number) => number): void {
    const c0 = this.cpus[cpu];
    if (t === this.now && c0.busyUntil <= t) {
      // due now on a free CPU: run it without a trip through the queue
      const end = episode(t, cpu);
      if (end > c0.busyUntil) c0.busyUntil = end;
      return;
    }
    this.q.at(t, () => {
      const c = this.cpus[cpu];
      if (c.busyUntil > t) {
        this.onCpu(cpu, c.busyUntil, episode);
        return;
      }
      const end = episode(t, cpu);
      if (end > c.busyUntil) c.busyUntil = end;
    });
  }

  /** Emits a tracepoint on a CPU for its current task; one branch when the event is off. */
  emit(tp: Tracepoint, cpu: number, t: number, flags: number, preempt: number, values: readonly (FieldValue | undefined)[], stack?: readonly bigint[]): void {
    if (!tp.on) return;
    this.tracing.fire(tp, cpu, t, this.cpus[cpu].task.pid, flags, preempt, values, stack);
  }

  /**
   * The user->kernel transition of an isolated CPU (context tracking): with the
   * deferral built in, every entry pays the extra atomic, and runs the work
   * deferred while the CPU was in user space. Returns the time after it.
   */
  kernelEntry(cpu: number, t: number): number {
    const c = this.cpus[cpu];
    if (!c.isolated || !c.inUser(t)) return t;
    c.stats.kernelEntries++;
    if (!this.s.kernel.defer_ipis) return t;
    const cost = this.s.kernel.deferral_entry_cost_ns;
    c.stats.deferralCostNs += cost;
    t += cost;
    if (c.deferred) {
      // coalesced: each kind runs once whatever number of IPIs it replaced
      if (c.deferred & DEFER_SYNC_CORE) t += 350;
      if (c.deferred & DEFER_TLB_FLUSH) t += 1800;
      if (c.deferred & DEFER_SINGLE_SYNC) t += 600;
      c.stats.deferredRuns++;
      c.deferred = 0;
    }
    return t;
  }

  /** Accounts a kernel stay of an isolated CPU. */
  kernelStay(cpu: number, from: number, to: number): void {
    const c = this.cpus[cpu];
    if (c.isolated) c.stats.kernelNs += to - from;
  }

  /**
   * Whether an IPI of a deferrable kind to `cpu` at time t is deferred instead
   * of sent: only with the switch on, and only to isolated CPUs in user space.
   */
  defers(cpu: number, t: number, kind: number): boolean {
    if (!this.s.kernel.defer_ipis || !kind) return false;
    const c = this.cpus[cpu];
    if (!c.isolated || !c.inUser(t)) return false;
    // a periodic syscall since the last deferral already ran the pending work
    if (c.deferred && c.nextSyscall(c.deferredSince) <= t) {
      c.stats.deferredRuns++;
      c.deferred = 0;
    }
    if (!c.deferred) c.deferredSince = t;
    c.deferred |= kind;
    c.stats.deferred++;
    return true;
  }
}
