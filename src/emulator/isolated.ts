import { CT_DUMMY, IRQS_OFF, type Machine } from './machine.ts';
import { FROM_SYSCALL } from './stacks.ts';
import { SyscallLoop } from './syscall-loop.ts';

/** The syscall the bad-case loop makes (getppid: no vDSO, it always enters the kernel), and the one a strict task is killed for. */
const NR_GETPPID = 110;
const NR_WRITE = 1;
const SIGKILL = 9;
const SI_KERNEL = 0x80;
/** From a context-tracking tracepoint to the syscall tracepoint beside it (irqs enabled, the syscall work's checks). */
const HOOK_NS = 40;

/**
 * The isolated CPUs: one user task each that stays in user space (its tick
 * stopped: nothing runs there unless sent), with optional periodic syscalls
 * (the bad case) and page faults; in dataplane-strict mode the first
 * synchronous kernel entry kills it.
 */
export class IsolatedLoad {
  constructor(private m: Machine) {}

  start(): void {
    const m = this.m;
    const s = m.s;
    const work = Math.round(s.isolated_load.user_work_us * 1000);
    const phase = m.rng.get('isolated.phase');
    for (const cpu of m.iso) {
      const c = m.cpus[cpu];
      c.task = m.newTask(s.isolated_load.task, 120);
      c.rest = 'user';
      if (work > 0) {
        const first = 1000 + phase.int(work);
        if (s.kernel.dataplane_strict) this.at(cpu, first, 'syscall');
        else {
          // ct_kernel_enter() and ct_kernel_exit() each do one atomic on the context-tracking word
          c.loop = new SyscallLoop(first, work, s.hw.syscall_ns + 2 * s.hw.atomic_ns);
          // the windows are computed the same way traced or not; tracing only writes them out
          if (m.tp.sys_enter.on || m.tp.sys_exit.on || m.tp.user_exit.on || m.tp.user_enter.on) this.traceSyscalls(cpu, c.loop);
        }
      }
      this.poisson(cpu, `isolated.fault.${cpu}`, s.isolated_load.page_faults_per_sec, (t) => this.at(cpu, t, 'fault'));
    }
  }

  /** Kernel entries of the loop's syscalls, and deferred work they ran, accounted at the end. */
  finish(): void {
    const m = this.m;
    for (const cpu of m.iso) {
      const c = m.cpus[cpu];
      const l = c.loop;
      if (!l) continue;
      m.settle(c, m.end);
      const n = l.windowsBefore(m.end);
      c.stats.kernelEntries += n;
      c.stats.kernelNs += n * l.len;
    }
  }

  private poisson(cpu: number, stream: string, rate: number, fn: (t: number) => void): void {
    if (!(rate > 0)) return;
    const r = this.m.rng.get(stream);
    const mean = 1e9 / rate;
    const next = (t: number) => {
      if (t >= this.m.end || !this.m.cpus[cpu].alive) return;
      fn(t);
      this.m.at(t + r.exp(mean), () => next(this.m.now));
    };
    this.m.at(r.exp(mean), () => next(this.m.now));
  }

  /**
   * The events of the loop's syscalls, one action per window, written where
   * the computed window is when its time comes (an interrupt may have moved
   * it since). 6.18 do_syscall_64() -> syscall_enter_from_user_mode():
   * enter_from_user_mode() runs ct_kernel_enter() (its atomic, and with the
   * series the deferred work, before any tracepoint), then trace_user_exit()
   * with irqs still off; trace_sys_enter() after irqs are enabled. On the way
   * out trace_sys_exit(), then exit_to_user_mode(): trace_user_enter() with
   * irqs off and ct_kernel_exit()'s atomic.
   */
  private traceSyscalls(cpu: number, l: SyscallLoop): void {
    const m = this.m;
    const tp = m.tp;
    const c = m.cpus[cpu];
    const atomic = m.s.hw.atomic_ns;
    const enter = [NR_GETPPID, argBytes([])];
    const exit = [NR_GETPPID, 3900];
    const step = () => {
      const now = m.now;
      const s = l.nextStart(now);
      if (s >= m.end || !c.alive) return;
      if (s > now) {
        m.at(s, step);
        return;
      }
      m.settle(c, s);
      const len = l.windowLen(s);
      const e = s + len - atomic;
      const u = e - l.len + 2 * atomic;
      m.emit(tp.user_exit, cpu, u, IRQS_OFF, 0, CT_DUMMY, m.siteStack('user_exit_sys', cpu));
      m.emit(tp.sys_enter, cpu, u + HOOK_NS, 0, 0, enter);
      m.emit(tp.sys_exit, cpu, e - HOOK_NS, 0, 0, exit);
      m.emit(tp.user_enter, cpu, e, IRQS_OFF, 0, CT_DUMMY, m.siteStack('user_enter_sys', cpu));
      m.at(s + len, step);
    };
    m.at(l.nextStart(0), step);
  }

  /**
   * A synchronous kernel entry of the isolated task: a syscall or a page
   * fault. Harmless unless dataplane-strict, where the kernel kills the task.
   */
  private at(cpu: number, t: number, why: 'syscall' | 'fault'): void {
    const m = this.m;
    m.onCpu(cpu, t, (t0) => {
      const c = m.cpus[cpu];
      if (!c.alive) return t0;
      const tp = m.tp;
      let now = m.kernelEntry(cpu, t0);
      if (why === 'syscall') m.emit(tp.sys_enter, cpu, now + HOOK_NS, 0, 0, [NR_WRITE, argBytes([1n, 0x55d0c1a2b2a0n, 64n])]);
      now += why === 'fault' ? 900 : 200;
      if (!m.s.kernel.dataplane_strict) return m.kernelExit(cpu, t0, now);
      const task = c.task;
      const where = why === 'fault' ? ['do_user_addr_fault+0x2a1', 'exc_page_fault+0x70', 'asm_exc_page_fault+0x26'] : ['x64_sys_call+0x14c0', ...FROM_SYSCALL];
      m.emit(tp.signal_generate, cpu, now, IRQS_OFF, 1, [SIGKILL, 0, SI_KERNEL, task.comm, task.pid, 1, 0], m.stacks.chain('__send_signal_locked+0x1b5', 'force_sig+0x22', 'dataplane_strict_check+0x5b', ...where));
      now += 1500;
      m.emit(tp.signal_deliver, cpu, now, 0, 0, [SIGKILL, 0, 0, 0n, 0n]);
      now += 4000;
      m.emit(tp.sched_process_exit, cpu, now, 0, 0, [task.comm, task.pid, task.prio, 1]);
      now += 9000;
      m.switchTo(cpu, now, c.idle, 0x20);
      now += 300;
      c.alive = false;
      c.rest = 'idle';
      c.stats.killed = true;
      return m.kernelExit(cpu, t0, now);
    });
  }
}

/** sys_enter's args[6] as bytes (unsigned longs, little endian). */
function argBytes(args: bigint[]): Uint8Array {
  const b = new Uint8Array(48);
  const dv = new DataView(b.buffer);
  args.forEach((a, k) => dv.setBigUint64(8 * k, a, true));
  return b;
}
