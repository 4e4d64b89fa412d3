import { CT_DUMMY, IRQS_OFF, type Machine } from './machine.ts';
import { SyscallLoop } from './syscall-loop.ts';
import { SYSCALLS, SYSCALL_HOOK_NS as HOOK_NS, syscallSpec } from './syscalls.ts';
import { TaskIsolation } from './task-isolation.ts';

/**
 * The isolated CPUs: one user task each that stays in user space (its tick
 * stopped: nothing runs there unless sent), with optional periodic syscalls
 * (the bad case), stray syscalls and page faults; what strict task
 * isolation does with those synchronous entries is task-isolation.ts's.
 */
export class IsolatedLoad {
  private readonly isolation: TaskIsolation;

  constructor(private m: Machine) {
    this.isolation = new TaskIsolation(m);
  }

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
        if (s.kernel.dataplane_strict) {
          // the loop under strict mode: every getppid() is a violation (a caught signal lets it go on)
          const step = (t: number) => this.isolation.syscall(cpu, t, SYSCALLS.getppid, (e) => step(e + work));
          step(first);
        } else {
          // ct_kernel_enter() and ct_kernel_exit() each do one atomic on the context-tracking word
          c.loop = new SyscallLoop(first, work, s.hw.syscall_ns + 2 * s.hw.atomic_ns);
          // the windows are computed the same way traced or not; tracing only writes them out
          if (m.tp.sys_enter.on || m.tp.sys_exit.on || m.tp.user_exit.on || m.tp.user_enter.on) this.traceSyscalls(cpu, c.loop);
        }
      }
      let page = 0;
      this.poisson(cpu, `isolated.fault.${cpu}`, s.isolated_load.page_faults_per_sec, (t) => this.isolation.fault(cpu, t, page++));
      const stray = s.isolated_load.syscalls.map((n) => syscallSpec(n, 'isolated_load.syscalls'));
      if (stray.length) {
        const pick = m.rng.get(`isolated.syscall.pick.${cpu}`);
        this.poisson(cpu, `isolated.syscall.${cpu}`, s.isolated_load.syscalls_per_sec, (t) => this.isolation.syscall(cpu, t, pick.pick(stray)));
      }
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
    const getppid = SYSCALLS.getppid;
    const enter = [getppid.nr, getppid.argv];
    const exit = [getppid.nr, getppid.ret];
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
}
