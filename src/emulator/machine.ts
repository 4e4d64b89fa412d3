import { IRQS_OFF } from '../core/trace-flags.ts';
import type { FieldValue } from '../core/record-encoder.ts';
import { ActionQueue } from './action-queue.ts';
import type { KernelSymbols } from './kernel-symbols.ts';
import { Streams } from './rng.ts';
import { Stacks } from './stacks.ts';
import type { Scenario } from './scenario.ts';
import { cpuSets } from './scenario.ts';
import type { Tracepoint, Tracing } from './tracing.ts';
import type { SyscallLoop } from './syscall-loop.ts';
import { EventStacks, type StackContext } from './event-stacks.ts';
import { kernelProfile, type KernelProfile } from './kernel-version.ts';

/** The tracepoints the emulated kernel fires, by name. */
export type Tracepoints = ReturnType<typeof tracepoints>;

/**
 * Looked up once. An object literal, so V8 gives it a fixed shape: filled in
 * by computed names, it fell into dictionary mode and every `m.tp.x` of every
 * emit was a hash lookup.
 */
function tracepoints(t: Tracing) {
  const r = (sys: string, name: string) => t.require(sys, name);
  // events a kernel version lacks (csd before 6.6) exist here but can never be enabled
  const v = (sys: string, name: string) => t.point(sys, name) ?? t.absent(sys, name);
  return {
    ipi_send_cpu: r('ipi', 'ipi_send_cpu'),
    ipi_send_cpumask: r('ipi', 'ipi_send_cpumask'),
    csd_queue_cpu: v('csd', 'csd_queue_cpu'),
    csd_function_entry: v('csd', 'csd_function_entry'),
    csd_function_exit: v('csd', 'csd_function_exit'),
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
    hrtimer_expire_entry: r('timer', 'hrtimer_expire_entry'),
    hrtimer_expire_exit: r('timer', 'hrtimer_expire_exit'),
    timer_expire_entry: r('timer', 'timer_expire_entry'),
    timer_expire_exit: r('timer', 'timer_expire_exit'),
    timer_start: r('timer', 'timer_start'),
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
    rcu_watching: r('rcu', 'rcu_watching'),
    irq_disable: r('preemptirq', 'irq_disable'),
    irq_enable: r('preemptirq', 'irq_enable'),
    sys_enter: r('raw_syscalls', 'sys_enter'),
    user_enter: r('context_tracking', 'user_enter'),
    user_exit: r('context_tracking', 'user_exit'),
    sys_exit: r('raw_syscalls', 'sys_exit'),
    signal_generate: r('signal', 'signal_generate'),
    signal_deliver: r('signal', 'signal_deliver'),
    page_fault_user: r('exceptions', 'page_fault_user'),
    console: r('printk', 'console'),
  };
}

export { HARDIRQ, IRQS_OFF, NEED_RESCHED, SOFTIRQ } from '../core/trace-flags.ts';

/** context_tracking events' only field (TP_PROTO(int dummy): always 0). */
export const CT_DUMMY: readonly number[] = [0];

export interface Task {
  pid: number;
  comm: string;
  prio: number;
}

/**
 * Kinds of kernel-only work the deferral series (seed 004, v1 patches 11-14)
 * can postpone: one bit each in the target's context-tracking word, so they
 * coalesce (ct_set_cpu_work() sets a bit; ct_work_flush() runs each set bit
 * once on kernel entry).
 */
export const DEFER_SYNC_CORE = 1;
export const DEFER_TLB_FLUSH = 2;

export interface CpuStats {
  kernelEntries: number;
  kernelNs: number;
  ipisReceived: number;
  deferred: number;
  deferredRuns: number;
  /** Time the deferral added to kernel entries (work run there, context-tracking line fetched back). */
  deferralCostNs: number;
  /** IPIs of a deferrable kind sent anyway because the target was in the kernel. */
  sentInKernel: number;
  /** The isolated task was killed (dataplane-strict). */
  killed: boolean;
}

/** A function queued on a CPU's call_single_queue (kernel/smp.c), run by its next IPI handler. */
export interface QueuedCall {
  func: bigint;
  csd: bigint;
  cost: number;
  /** Work the function does besides its cost (a wakeup's sched_wakeup), returning when it is done. */
  then?: (t: number) => number;
  /** When it was queued: a handler takes what is queued by the time it runs (llist_del_all()). */
  at: number;
}

export class Cpu {
  task: Task;
  /** Always-on work (interference sources, IPI handlers of isolated CPUs, probes) holds the CPU until this time. */
  busyUntil = 0;
  /** The housekeeping load holds the CPU until this time; only the load itself waits for it. */
  loadUntil = 0;
  /** Between episodes: what the CPU runs (isolated CPUs: their user task; dead tasks leave it idle). */
  rest: 'user' | 'idle' | 'kernel' = 'kernel';
  /** Pending deferred work (DEFER_* bits). */
  deferred = 0;
  /** The isolated task's syscall loop (the bad case), or null. */
  loop: SyscallLoop | null = null;
  /** The episode in progress entered the kernel from user space (user_enter is due at its end). */
  fromUser = false;
  alive = true;
  /**
   * call_single_queue: functions queued and not yet run, and when the
   * handler of the IPI already sent for them will take them (-1: none). The
   * simulation runs a sender's whole episode at once, ahead of its targets,
   * so "is the queue empty now" is asked of that time, not of the queue.
   */
  readonly csq: QueuedCall[] = [];
  csqUntil = -1;
  readonly stats: CpuStats = { kernelEntries: 0, kernelNs: 0, ipisReceived: 0, deferred: 0, deferredRuns: 0, deferralCostNs: 0, sentInKernel: 0, killed: false };
  /** csd addresses per CPU: the per-CPU call_single_data of each CPU. */
  readonly csdBase: bigint;
  /** Times at which always-on work is due here (the load yields to them). */
  readonly reserved: number[] = [];

  constructor(
    readonly id: number,
    readonly isolated: boolean,
    readonly idle: Task,
  ) {
    this.task = idle;
    this.csdBase = 0xffff888104cf0000n + BigInt(id) * 0x40000n;
  }

  /** The end of the loop's syscall that holds the CPU at t, or 0. */
  inSyscall(t: number): number {
    const l = this.loop;
    if (!l) return 0;
    const s = l.windowAt(t);
    return s < 0 ? 0 : s + l.windowLen(s);
  }

  /** When an interrupt arriving at t can run: after the always-on work and the syscall in progress. */
  freeAt(t: number): number {
    const f = t > this.busyUntil ? t : this.busyUntil;
    const e = this.inSyscall(f);
    return e || f;
  }

  /** In user space at time t: not inside an episode or a syscall, and running a user task. */
  inUser(t: number): boolean {
    if (t < this.busyUntil || this.rest !== 'user' || !this.alive) return false;
    return !this.inSyscall(t);
  }

  reserve(t: number): void {
    this.reserved.push(t);
  }

  release(t: number): void {
    const k = this.reserved.indexOf(t);
    if (k >= 0) this.reserved.splice(k, 1);
  }

  /** The earliest always-on work due in [from, to), or -1. */
  reservedIn(from: number, to: number): number {
    let best = -1;
    // indexed, not for-of: the heap profile had its iterator results at ~25 bytes an event
    const rs = this.reserved;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      if (r >= from && r < to && (best < 0 || r < best)) best = r;
    }
    return best;
  }
}

/**
 * A load episode waiting for its CPU (Machine.onLoad): one queued action,
 * reused once it has run. A closure per wait was 28.6 of the 75.1 bytes the
 * emulator allocated per event (the sampling heap profiler, isolation-ipi with
 * every event), each kept alive across scavenges while queued.
 */
class LoadRetry {
  private cpu = 0;
  private when = 0;
  private bound = 0;
  private episode: ((t: number, cpu: number) => number) | null = null;

  constructor(private readonly m: Machine) {}

  set(cpu: number, when: number, bound: number, episode: (t: number, cpu: number) => number): void {
    this.cpu = cpu;
    this.when = when;
    this.bound = bound;
    this.episode = episode;
  }

  readonly run = (): void => {
    const episode = this.episode!;
    this.episode = null;
    this.m.retries.push(this);
    this.m.onLoad(this.cpu, this.when, this.bound, episode);
  };
}

/**
 * The emulated kernel: CPUs with context-tracking state, tasks, a clock and the
 * tracepoints. Work on a CPU happens in episodes (an interrupt, a syscall, a
 * context switch) that emit their events in time order; an episode that
 * arrives while the CPU is busy waits, as an interrupt waits for irqs-on.
 *
 * Causality: what the kernel does must not depend on what is traced, yet the
 * housekeeping load (millions of ticks, switches and syscalls) is simulated
 * only when one of its events is recorded. So work comes in two classes.
 * Always-on work (interference sources, the isolated CPUs, probes) never
 * waits for the load: it reserves its slot when scheduled, and the load,
 * which waits for everything, yields to a reservation that falls inside one
 * of its episodes (a woken kworker preempts the load: CFS wakeup preemption).
 * Switching the load on or off therefore moves no always-on episode.
 */
export class Machine {
  readonly q = new ActionQueue();
  /** Load episodes' retries not in the queue, for reuse (onLoad). */
  readonly retries: LoadRetry[] = [];
  readonly cpus: Cpu[];
  /** Time the recording ends (ns from its start). */
  end = 0;
  readonly hk: number[];
  readonly iso: number[];
  readonly rng: Streams;
  readonly stacks: Stacks;
  readonly eventStacks: EventStacks;
  readonly kernel: KernelProfile;
  now = 0;
  private nextPid = 4000;
  /** Events emitted that are not recorded by any filter still cost nothing: enabled checks come first. */
  readonly tp: Tracepoints;
  /** sched_switch and rcu_utilization values, reused from switch to switch (the encoder copies them). */
  private sw: [string, number, number, number, string, number, number] = ['', 0, 0, 0, '', 0, 0];
  private csStart: [bigint];
  private csEnd: [bigint];
  /** rcu_utilization's values around a scheduler tick. */
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
    this.kernel = kernelProfile(s.kernel.version);
    this.eventStacks = new EventStacks(this.stacks, this.kernel.stackNames);
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
   * Preemption depth of what a CPU runs, as the events inside an interrupt
   * show it: the idle task runs with preemption disabled (do_idle() from
   * cpu_startup_entry()), tasks in user space or preemptible kernel code at 0.
   * The real 6.18 traces: local_timer_entry `d.h1.` on <idle>, `d.h..` on tasks.
   */
  depth(cpu: number): number {
    const c = this.cpus[cpu];
    return c.task === c.idle ? 1 : 0;
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
    this.switchTo(cpu, t, task, prev === c.idle ? 0 : 0x100);
    let now = fn(t + 1200);
    now += 200;
    this.switchTo(cpu, now, prev, sleepState);
    return now + 1500;
  }

  /**
   * A context switch on a CPU, taking 300 ns from t (prevState: 0 runnable,
   * 0x100 preempted, 1 S, 0x80 I, 0x20 Z). __schedule() (6.18): rcu_note_context_switch()
   * traces Start/End context switch with irqs off at depth 1, then the
   * runqueue lock makes it 2 at trace_sched_switch (`d..2.` on every real switch).
   */
  switchTo(cpu: number, t: number, next: Task, prevState: number): void {
    const c = this.cpus[cpu];
    const prev = c.task;
    const sw = this.tp.sched_switch;
    const ru = this.tp.rcu_utilization;
    if (ru.on) {
      this.emit(ru, cpu, t, IRQS_OFF, 1, this.csStart);
      this.emit(ru, cpu, t + 150, IRQS_OFF, 1, this.csEnd);
    }
    if (sw.on) this.emit(sw, cpu, t + 300, IRQS_OFF, 2, this.switchValues(prev, prevState, next));
    c.task = next;
  }

  /** Schedules work at time t. */
  at(t: number, fn: () => void): void {
    this.q.at(t, fn);
  }

  /**
   * Always-on work: an episode on a CPU at time t (or when the CPU is free of
   * other always-on work and, on an isolated CPU, of the syscall in progress).
   * The episode gets its start time and the CPU and returns when it ends. A
   * slot in the future is reserved, so the load yields to it.
   */
  onCpu(cpu: number, t: number, episode: (t: number, cpu: number) => number): void {
    const c0 = this.cpus[cpu];
    if (t === this.now && c0.freeAt(t) === t && c0.loadUntil <= t) {
      this.runAlwaysOn(c0, t, episode);
      return;
    }
    const slot = Math.round(t);
    c0.reserve(slot);
    this.q.at(slot, () => {
      const c = this.cpus[cpu];
      c.release(slot);
      // work that came unannounced while the load was mid-episode waits for it (the load yields to reservations)
      let f = c.freeAt(slot);
      if (c.loadUntil > f) f = c.loadUntil;
      if (f > slot) {
        this.onCpu(cpu, f, episode);
        return;
      }
      this.runAlwaysOn(c, slot, episode);
    });
  }

  private runAlwaysOn(c: Cpu, t: number, episode: (t: number, cpu: number) => number): void {
    const l = c.loop;
    if (l) this.settle(c, t);
    const inUser = l !== null && c.inUser(t);
    const end = episode(t, c.id);
    if (end > c.busyUntil) c.busyUntil = end;
    // the loop's work was interrupted: it, and every later syscall, resumes that much later
    if (inUser) l.delay(t, end);
  }

  /**
   * Housekeeping load: an episode of at most `bound` ns that waits for
   * everything else on the CPU and yields to always-on work due before it
   * would end.
   */
  onLoad(cpu: number, t: number, bound: number, episode: (t: number, cpu: number) => number): void {
    const c = this.cpus[cpu];
    let start = t;
    if (c.busyUntil > start) start = c.busyUntil;
    if (c.loadUntil > start) start = c.loadUntil;
    const r = c.reservedIn(t, start + bound);
    if (start > this.now || r >= 0) {
      // wait for the CPU, or for the reserved work (its action was queued earlier, so it runs first)
      const when = r >= 0 && r >= start ? r : start;
      const retry = this.retries.pop() ?? new LoadRetry(this);
      retry.set(cpu, when, bound, episode);
      this.q.at(when, retry.run);
      return;
    }
    const end = episode(start, cpu);
    if (end > c.loadUntil) c.loadUntil = end;
  }

  /**
   * Emits a tracepoint on a CPU for its current task; one branch when the
   * event is off. With -T every event gets a kernel_stack: the caller's chain,
   * or the one of the place the event fires from (event-stacks.ts).
   */
  emit(tp: Tracepoint, cpu: number, t: number, flags: number, preempt: number, values: readonly (FieldValue | undefined)[], stack?: readonly bigint[]): void {
    if (!tp.on) return;
    if (stack === undefined && this.tracing.stacks) stack = this.eventStacks.of(tp.name, flags, values, this.stackContext(cpu));
    this.tracing.fire(tp, cpu, t, this.cpus[cpu].task.pid, flags, preempt, values, stack);
  }

  /** What the CPU's stack holds below the event's own frames: the idle loop, a kworker, or a task. */
  stackContext(cpu: number): StackContext {
    const c = this.cpus[cpu];
    return c.task === c.idle ? 'idle' : c.task.comm.startsWith('kworker/') ? 'kworker' : 'task';
  }

  /** The chain of a known site in the CPU's context (-T), or undefined when stacks are off. */
  siteStack(site: string, cpu: number): readonly bigint[] | undefined {
    return this.tracing.stacks ? this.eventStacks.site(site, this.stackContext(cpu)) : undefined;
  }

  /**
   * What running the deferred kinds adds to a kernel entry: each kind's work
   * once (the same work the IPI would have done), and the context-tracking
   * line the senders wrote, fetched back.
   */
  private flushNs(kinds: number): number {
    return (kinds & DEFER_SYNC_CORE ? SYNC_CORE_NS : 0) + (kinds & DEFER_TLB_FLUSH ? FLUSH_TLB_ALL_NS : 0) + this.s.hw.line_transfer_ns;
  }

  /**
   * Deferred work that a syscall of the loop has run by time t is accounted
   * (the loop's windows are computed, so this happens when someone looks).
   */
  settle(c: Cpu, t: number): void {
    if (!c.deferred || !c.loop) return;
    const cost = c.loop.settle(t);
    if (!cost) return;
    c.stats.deferredRuns++;
    c.stats.deferralCostNs += cost;
    c.stats.kernelNs += cost;
    c.deferred = 0;
  }

  /**
   * The user->kernel transition of an isolated CPU for an interrupt or
   * exception at t (6.18 irqentry_enter() -> enter_from_user_mode() ->
   * __ct_user_exit()): ct_kernel_enter() does its atomic on the
   * context-tracking word; with the series it runs the pending deferred work
   * there (ct_work_flush(), noinstr: no tracepoint sees it), and only then
   * is trace_user_exit() reached (ct->active: nohz_full CPUs only). Returns
   * the time after it.
   */
  kernelEntry(cpu: number, t: number, via: EntryPath = 'irq'): number {
    const c = this.cpus[cpu];
    if (!c.isolated || !c.inUser(t)) return t;
    c.stats.kernelEntries++;
    c.fromUser = true;
    let now = t + this.s.hw.atomic_ns;
    if (c.deferred) {
      const cost = this.flushNs(c.deferred);
      c.stats.deferralCostNs += cost;
      c.stats.deferredRuns++;
      c.deferred = 0;
      c.loop?.cancelFlush();
      now += cost;
    }
    this.emit(this.tp.user_exit, cpu, now, IRQS_OFF, 0, CT_DUMMY, this.siteStack(via === 'irq' ? 'user_exit_irq' : 'user_exit_sys', cpu));
    return now;
  }

  /**
   * The end of a kernel stay of an isolated CPU that began at `from`; back to
   * user space if it came from there (exit_to_user_mode() -> __ct_user_enter():
   * trace_user_enter(), then ct_kernel_exit()'s atomic). Returns when the CPU
   * is back in user space.
   */
  kernelExit(cpu: number, from: number, to: number, via: EntryPath = 'irq'): number {
    const c = this.cpus[cpu];
    if (!c.isolated) return to;
    if (c.fromUser) {
      c.fromUser = false;
      if (c.alive && c.rest === 'user') {
        this.emit(this.tp.user_enter, cpu, to, IRQS_OFF, 0, CT_DUMMY, this.siteStack(via === 'irq' ? 'user_enter_irq' : 'user_enter_sys', cpu));
        to += this.s.hw.atomic_ns;
      }
    }
    c.stats.kernelNs += to - from;
    return to;
  }

  /**
   * The series' cond function for a deferrable IPI to `cpu` at t
   * (ct_set_cpu_work(): a cmpxchg on the target's context-tracking word that
   * succeeds only while it is in user space). Without the series, or for
   * work that cannot wait (kind 0), nothing is tried. A try costs the sender
   * a cache-line transfer (Machine.s.hw.line_transfer_ns).
   */
  tryDefer(cpu: number, t: number, kind: number): DeferResult {
    if (!this.s.kernel.defer_ipis || !kind) return DEFER_NOT_TRIED;
    const c = this.cpus[cpu];
    if (!c.isolated) return DEFER_NOT_TRIED;
    if (!c.inUser(t)) {
      c.stats.sentInKernel++;
      return DEFER_REFUSED;
    }
    this.settle(c, t);
    c.deferred |= kind;
    c.stats.deferred++;
    // the loop's next syscall runs it (unless an interrupt gets there first)
    c.loop?.defer(t, this.flushNs(c.deferred));
    return DEFER_DONE;
  }
}

/** How a CPU entered the kernel from user space: an interrupt or exception (irqentry_enter()), or a syscall (do_syscall_64()). */
export type EntryPath = 'irq' | 'sys';

/** What tryDefer() did: nothing, tried and failed (the target is in the kernel: send the IPI), or deferred. */
export const DEFER_NOT_TRIED = 0;
export const DEFER_REFUSED = 1;
export const DEFER_DONE = 2;
export type DeferResult = typeof DEFER_NOT_TRIED | typeof DEFER_REFUSED | typeof DEFER_DONE;

/**
 * What the deferred functions cost when they run: sync_core() is a
 * serialising IRET-to-self (arch/x86 sync_core(), a few hundred cycles);
 * __flush_tlb_all() toggles CR4.PGE, dropping every TLB entry, and the
 * misses that follow (about a microsecond on a server part).
 */
export const SYNC_CORE_NS = 250;
export const FLUSH_TLB_ALL_NS = 1200;
