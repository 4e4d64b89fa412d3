import { TIMER_VALUES } from './ipi.ts';
import { HARDIRQ, IRQS_OFF, type Machine } from './machine.ts';
import { FROM_SYSCALL } from './stacks.ts';

/** The syscall the bad-case loop makes, and the one a strict task is killed for. */
const NR_CLOCK_GETTIME = 228;
const NR_WRITE = 1;
const SIGKILL = 9;
const SI_KERNEL = 0x80;
const SYSCALL_NS = 350;

/**
 * The isolated CPUs: one user task each that stays in user space, with the
 * nohz_full residual tick, optional periodic syscalls (the bad case) and page
 * faults; in dataplane-strict mode the first synchronous kernel entry kills it.
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
        else if (m.tp.sys_enter.on || m.tp.sys_exit.on) this.syscalls(cpu, first, period);
        else {
          // untraced, the syscalls are arithmetic: 50k episodes per CPU-second would dominate the run
          c.sysPeriod = period;
          c.sysPhase = first;
          c.sysLen = SYSCALL_NS + (s.kernel.defer_ipis ? s.kernel.deferral_entry_cost_ns : 0);
        }
      }
      this.poisson(cpu, `isolated.tick.${cpu}`, s.sources.residual_ticks_per_sec, (t) => m.onCpu(cpu, t, this.tick));
      this.poisson(cpu, `isolated.fault.${cpu}`, s.isolated_load.page_faults_per_sec, (t) => this.at(cpu, t, 'fault'));
    }
  }

  /** Kernel entries of periodic syscalls that were not emitted one by one. */
  finish(): void {
    const m = this.m;
    for (const cpu of m.iso) {
      const c = m.cpus[cpu];
      if (!c.sysPeriod) continue;
      const n = c.sysPhase < m.end ? Math.floor((m.end - 1 - c.sysPhase) / c.sysPeriod) + 1 : 0;
      c.stats.kernelEntries += n;
      c.stats.kernelNs += n * c.sysLen;
      if (m.s.kernel.defer_ipis) c.stats.deferralCostNs += n * m.s.kernel.deferral_entry_cost_ns;
      if (c.deferred && c.nextSyscall(c.deferredSince) < m.end) c.stats.deferredRuns++;
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

  /** The residual 1 Hz tick nohz_full keeps. */
  private readonly tick = (t0: number, cpu: number): number => {
    const m = this.m;
    const tp = m.tp;
    let now = m.kernelEntry(cpu, t0);
    const f = IRQS_OFF | HARDIRQ;
    m.emit(tp.local_timer_entry, cpu, now, f, 0, TIMER_VALUES);
    m.emit(tp.rcu_utilization, cpu, now + 700, f, 0, m.tickStart);
    m.emit(tp.rcu_utilization, cpu, now + 1100, f, 0, m.tickEnd);
    now += 1900;
    m.emit(tp.local_timer_exit, cpu, now, f, 0, TIMER_VALUES);
    now += 300;
    m.kernelStay(cpu, t0, now);
    return now;
  };

  /** Traced periodic syscalls: sys_enter/sys_exit pairs, one action per syscall (and no object made per syscall). */
  private syscalls(cpu: number, first: number, period: number): void {
    const m = this.m;
    const enter = [NR_CLOCK_GETTIME, argBytes([1n, 0x7ffd3a1c2e40n])];
    const exit = [NR_CLOCK_GETTIME, 0];
    const episode = (t0: number): number => {
      let now = m.kernelEntry(cpu, t0);
      m.emit(m.tp.sys_enter, cpu, now, 0, 0, enter);
      now += SYSCALL_NS;
      m.emit(m.tp.sys_exit, cpu, now, 0, 0, exit);
      m.kernelStay(cpu, t0, now);
      return now;
    };
    let t = first;
    const step = () => {
      if (t >= m.end) return;
      m.onCpu(cpu, t, episode);
      t += period;
      m.at(t, step);
    };
    m.at(first, step);
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
