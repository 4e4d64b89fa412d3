import { IRQS_OFF, type Machine } from './machine.ts';
import { FROM_SYSCALL } from './stacks.ts';

/** The syscall the bad-case loop makes (getppid: no vDSO, it always enters the kernel), and the one a strict task is killed for. */
const NR_GETPPID = 110;
const NR_WRITE = 1;
const SIGKILL = 9;
const SI_KERNEL = 0x80;

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
    const period = Math.round(s.isolated_load.syscall_interval_us * 1000);
    const phase = m.rng.get('isolated.phase');
    for (const cpu of m.iso) {
      const c = m.cpus[cpu];
      c.task = m.newTask(s.isolated_load.task, 120);
      c.rest = 'user';
      if (period > 0) {
        const first = 1000 + phase.int(period);
        if (s.kernel.dataplane_strict) this.at(cpu, first, 'syscall');
        else {
          // the windows are computed the same way traced or not; tracing only writes them out
          c.sysPeriod = period;
          c.sysPhase = first;
          // ct_kernel_enter() and ct_kernel_exit() each do one atomic on the context-tracking word
          c.sysLen = s.hw.syscall_ns + 2 * s.hw.atomic_ns;
          if (m.tp.sys_enter.on || m.tp.sys_exit.on) this.traceSyscalls(cpu);
        }
      }
      this.poisson(cpu, `isolated.fault.${cpu}`, s.isolated_load.page_faults_per_sec, (t) => this.at(cpu, t, 'fault'));
    }
  }

  /** Kernel entries of the periodic syscalls, and deferred work they ran, accounted at the end. */
  finish(): void {
    const m = this.m;
    for (const cpu of m.iso) {
      const c = m.cpus[cpu];
      if (!c.sysPeriod) continue;
      const n = c.sysPhase < m.end ? Math.floor((m.end - 1 - c.sysPhase) / c.sysPeriod) + 1 : 0;
      c.stats.kernelEntries += n;
      c.stats.kernelNs += n * c.sysLen;
      m.settle(c, m.end);
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
   * sys_enter/sys_exit of the periodic syscalls, one action per grid point,
   * written where the computed window is (an interrupt may have delayed it;
   * deferred work run on entry lengthens it).
   */
  private traceSyscalls(cpu: number): void {
    const m = this.m;
    const c = m.cpus[cpu];
    const enter = [NR_GETPPID, argBytes([])];
    const exit = [NR_GETPPID, 3900];
    let g = c.sysPhase;
    const step = () => {
      if (g >= m.end) return;
      const s = c.syscallStart(g);
      m.settle(c, s);
      m.emit(m.tp.sys_enter, cpu, s, 0, 0, enter);
      m.emit(m.tp.sys_exit, cpu, s + c.syscallLen(s), 0, 0, exit);
      g += c.sysPeriod;
      m.at(g, step);
    };
    m.at(g, step);
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
      if (why === 'syscall') m.emit(tp.sys_enter, cpu, now, 0, 0, [NR_WRITE, argBytes([1n, 0x55d0c1a2b2a0n, 64n])]);
      now += why === 'fault' ? 900 : 200;
      if (!m.s.kernel.dataplane_strict) {
        m.kernelStay(cpu, t0, now);
        return now;
      }
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
      m.kernelStay(cpu, t0, now);
      return now;
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
