import { IRQS_OFF, type EntryPath, type Machine } from './machine.ts';
import { FROM_SYSCALL } from './stacks.ts';
import { ERESTARTNOINTR, NR, SIGKILL, TASK_ISOLATION_EXEMPT, TASK_ISOLATION_LOST } from '../core/x86-64-abi.ts';
import { SYSCALLS, SYSCALL_HOOK_NS as HOOK_NS, type SyscallSpec } from './syscalls.ts';

/**
 * Strict task isolation (seed 003): a task that asked for it is told when it
 * enters the kernel synchronously, by a syscall or an exception such as a
 * page fault, and never for an asynchronous interrupt (a machine check or an
 * IPI is not the task's doing). The 2015 thread (PR_DATAPLANE_STRICT) agreed
 * to test in syscall_trace_enter() and exception_enter(); what follows is the
 * code that design became, Chris Metcalf's task isolation v9 (2016,
 * kernel/isolation.c), placed in 6.18's entry code:
 *
 * - task_isolation_syscall(): prctl, exit and exit_group pass (a task must be
 *   able to leave the mode and to die); any other syscall is refused before
 *   it runs (the hook sits ahead of seccomp and of trace_sys_enter(), so no
 *   sys_enter is traced), returns -ERESTARTNOINTR, and the task is signalled.
 * - _task_isolation_quiet_exception(): a user page fault that raised no
 *   signal of its own is reported after it was handled.
 * - task_isolation_deliver_signal(): pr_warn("%s/%d: task_isolation mode lost
 *   due to %s"), the mode switched off (task_isolation_set_flags(task, 0)),
 *   then send_sig_info() with a zeroed siginfo (si_code SI_USER, a
 *   PIDTYPE_PID send: grp=0). The signal is SIGKILL unless the task chose
 *   another with PR_TASK_ISOLATION_USERSIG|SET_SIG(sig); a task that catches
 *   it logs the violation in its handler, the refused syscall restarts after
 *   rt_sigreturn (ERESTARTNOINTR), and it re-arms the mode with prctl():
 *   Metcalf's "in production you might say fix it up and keep going".
 *
 * Not modelled: v9's notification of a remote CPU's interrupts
 * (task_isolation_debug), which the 2015 thread did not ask for, and console
 * drivers' time to print the warning (the ring buffer store is counted).
 */

const SI_USER = 0;
/** pr_warn(): vsnprintf and the printk ring-buffer store (vprintk_store()). */
const PRINTK_NS = 1200;
/** send_sig_info(): siglock, the sigqueue, signal_wake_up(). */
const SEND_SIG_NS = 600;
/** setup_rt_frame(): the signal frame written to the user stack. */
const SETUP_FRAME_NS = 900;
/** The task's handler: formats a record of the violation into a ring in its own memory (no syscall). */
const HANDLER_NS = 2500;
/** From rt_sigreturn back in the main loop to its prctl() re-arming the mode. */
const REARM_AFTER_NS = 1000;
/** do_user_addr_fault(): the VMA look-up, a zeroed page allocated and mapped. */
const FAULT_NS = 900;
/** do_group_exit() to the final schedule: mm torn down, files closed, the parent notified. */
const EXIT_NS = 4000;
const EXIT_SWITCH_NS = 9000;
/** The handler the task installed, and SA_SIGINFO|SA_RESTORER|SA_RESTART. */
const SA_HANDLER = 0x55d0c1a01a30n;
const SA_FLAGS = 0x14000004n;
/** The task's text, heap and the X86_PF_USER|X86_PF_WRITE error code of a first write to a page. */
const USER_TEXT = 0x55d0c1a00000;
const USER_HEAP = 0x7f3a1c600000;
const PF_USER_WRITE = 6n;

const SEND = ['__send_signal_locked+0x1b5', 'do_send_sig_info+0x5e', 'send_sig_info+0x1d', 'task_isolation_deliver_signal+0x6e'];
const WARN = ['vprintk_store+0x3f1', 'vprintk_emit+0xa1', '_printk+0x4d', 'task_isolation_deliver_signal+0x4a'];
const SYSCALL_CHECK = ['task_isolation_syscall+0x3a', 'syscall_trace_enter+0x4d', ...FROM_SYSCALL];
const FAULT_CHECK = ['_task_isolation_quiet_exception+0x8c', 'do_user_addr_fault+0x2a1', 'exc_page_fault+0x70', 'asm_exc_page_fault+0x26'];
/** get_signal() on the way back to user space from an exception (the syscall way is event-stacks.ts's). */
const FROM_EXCEPTION = ['arch_do_signal_or_restart+0x3d', 'irqentry_exit_to_user_mode+0x10b', 'irqentry_exit+0x1d', 'exc_page_fault+0x7d', 'asm_exc_page_fault+0x26'];

export class TaskIsolation {
  /** Per CPU: its task has strict mode armed (it called prctl before the recording began). */
  private readonly armed: boolean[];

  constructor(private readonly m: Machine) {
    this.armed = m.cpus.map((c) => c.isolated && m.s.kernel.dataplane_strict);
  }

  /**
   * The isolated task on `cpu` makes a syscall at t. `then` gets the time
   * the task is back in user space, done with it (a caught signal's handler,
   * the restart and the re-arming included), unless the task died.
   */
  syscall(cpu: number, t: number, spec: SyscallSpec, then?: (t: number) => void, ret = spec.ret): void {
    const m = this.m;
    if (t >= m.end) return;
    m.onCpu(cpu, t, (t0) => {
      const c = m.cpus[cpu];
      if (!c.alive) return t0;
      const tp = m.tp;
      let now = m.kernelEntry(cpu, t0, 'sys') + HOOK_NS;
      if (this.armed[cpu] && !TASK_ISOLATION_EXEMPT.has(spec.nr)) {
        now = this.deliver(cpu, now, `syscall ${spec.nr}`, SYSCALL_CHECK);
        m.emit(tp.sys_exit, cpu, now, 0, 0, [spec.nr, -ERESTARTNOINTR]);
        return this.signalled(cpu, t0, now + HOOK_NS, 'sys', spec, then);
      }
      m.emit(tp.sys_enter, cpu, now, 0, 0, [spec.nr, spec.argv]);
      now += spec.ns;
      if (spec.nr === NR.exit_group || spec.nr === NR.exit) return this.exit(cpu, t0, now, false, ['__x64_sys_exit_group+0x18', 'x64_sys_call+0x1bd2', ...FROM_SYSCALL]);
      m.emit(tp.sys_exit, cpu, now, 0, 0, [spec.nr, ret]);
      // PR_SET_TASK_ISOLATION: the mode is on again from the return to user space
      if (spec.nr === NR.prctl && m.s.kernel.dataplane_strict) this.armed[cpu] = true;
      const end = m.kernelExit(cpu, t0, now + HOOK_NS, 'sys');
      if (then) then(end);
      return end;
    });
  }

  /**
   * A user page fault of the isolated task at t (6.18 exc_page_fault():
   * irqentry_enter(), then handle_page_fault() traces page_fault_user with
   * irqs still off, do_user_addr_fault() handles it), reported afterwards in
   * strict mode.
   */
  fault(cpu: number, t: number, page: number): void {
    const m = this.m;
    m.onCpu(cpu, t, (t0) => {
      const c = m.cpus[cpu];
      if (!c.alive) return t0;
      let now = m.kernelEntry(cpu, t0, 'irq') + 80;
      const address = BigInt(USER_HEAP + page * 4096 + ((page * 0x238) & 0xff8));
      const ip = BigInt(USER_TEXT + 0x1a40 + ((page * 0x47) & 0x3f0));
      m.emit(m.tp.page_fault_user, cpu, now, IRQS_OFF, 0, [address, ip, PF_USER_WRITE], m.stacks.chain('trace_event_raw_event_x86_exceptions+0x95', 'exc_page_fault+0x70', 'asm_exc_page_fault+0x26'));
      now += FAULT_NS;
      if (!this.armed[cpu]) return m.kernelExit(cpu, t0, now);
      now = this.deliver(cpu, now, `page fault at 0x${address.toString(16)}`, FAULT_CHECK);
      return this.signalled(cpu, t0, now, 'irq', null);
    });
  }

  /** task_isolation_deliver_signal(): the warning, the mode off, the signal queued. */
  private deliver(cpu: number, now: number, why: string, check: readonly string[]): number {
    const m = this.m;
    const task = m.cpus[cpu].task;
    const tp = m.tp;
    now += PRINTK_NS;
    m.emit(tp.console, cpu, now, IRQS_OFF, 0, [`${task.comm}/${task.pid}: ${TASK_ISOLATION_LOST}${why}`], m.stacks.chain('trace_event_raw_event_console+0x8e', ...WARN, ...check));
    now += 200;
    this.armed[cpu] = false;
    m.emit(tp.signal_generate, cpu, now, IRQS_OFF, 1, [this.signal(), 0, SI_USER, task.comm, task.pid, 0, 0], m.stacks.chain('trace_event_raw_event_signal_generate+0x11c', ...SEND, ...check));
    return now + SEND_SIG_NS;
  }

  private signal(): number {
    return this.m.s.kernel.dataplane_signal;
  }

  /**
   * Back to user space with the signal pending: exit_to_user_mode_loop() ->
   * arch_do_signal_or_restart() -> get_signal(). SIGKILL ends the task; a
   * caught signal runs its handler, and a refused syscall (`restart`) runs
   * again after rt_sigreturn, before the task re-arms the mode.
   */
  private signalled(cpu: number, t0: number, now: number, via: EntryPath, restart: SyscallSpec | null, then?: (t: number) => void): number {
    const m = this.m;
    const tp = m.tp;
    const sig = this.signal();
    if (sig === SIGKILL) {
      // a fatal signal set SIGNAL_GROUP_EXIT when queued: get_signal() traces it without siginfo
      m.emit(tp.signal_deliver, cpu, now, IRQS_OFF, 1, [SIGKILL, 0, SI_USER, 0n, 0n], via === 'sys' ? undefined : m.stacks.chain('trace_event_raw_event_signal_deliver+0xa4', 'get_signal+0x7ab', ...FROM_EXCEPTION));
      return this.exit(cpu, t0, now + 1500, true, via === 'sys' ? undefined : ['do_group_exit+0x34', 'get_signal+0x88c', ...FROM_EXCEPTION]);
    }
    m.emit(tp.signal_deliver, cpu, now, IRQS_OFF, 1, [sig, 0, SI_USER, SA_HANDLER, SA_FLAGS], via === 'sys' ? undefined : m.stacks.chain('trace_event_raw_event_signal_deliver+0xa4', 'get_signal+0x7ab', ...FROM_EXCEPTION));
    const end = m.kernelExit(cpu, t0, now + SETUP_FRAME_NS, via);
    const rearm = (t: number) => this.syscall(cpu, t + REARM_AFTER_NS, SYSCALLS.prctl, then);
    // rt_sigreturn restores the frame, whose ax the restart set back to the syscall number
    this.syscall(cpu, end + HANDLER_NS, SYSCALLS.rt_sigreturn, restart ? (t) => this.syscall(cpu, t + HOOK_NS, restart, rearm) : rearm, restart ? restart.nr : 0);
    return end;
  }

  /** do_group_exit(): sched_process_exit, and the last switch (EXIT_ZOMBIE) to the idle task. */
  private exit(cpu: number, t0: number, now: number, killed: boolean, from?: readonly string[]): number {
    const m = this.m;
    const c = m.cpus[cpu];
    const task = c.task;
    now += EXIT_NS;
    m.emit(m.tp.sched_process_exit, cpu, now, 0, 0, [task.comm, task.pid, task.prio, 1], from ? m.stacks.chain('trace_event_raw_event_sched_process_exit+0x8c', 'do_exit+0x2b5', ...from) : undefined);
    now += EXIT_SWITCH_NS;
    m.switchTo(cpu, now, c.idle, 0x20);
    now += 300;
    c.alive = false;
    c.rest = 'idle';
    c.stats.killed = killed;
    return m.kernelExit(cpu, t0, now);
  }
}
