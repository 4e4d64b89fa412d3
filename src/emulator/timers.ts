import { IRQ_WORK_VECTOR, TIMER_VALUES } from './ipi.ts';
import { HARDIRQ, IRQS_OFF, SOFTIRQ, type Machine } from './machine.ts';
import { FROM_TIMER_IRQ } from './stacks.ts';

const SOFTIRQ_TIMER = 1;
/** TIMER_CPUMASK bits of timer->flags: the CPU whose base holds the timer. */
const TIMER_CPU_MASK = 0x0003ffff;

/**
 * Timers that fire on isolated CPUs, and what nohz_full does about them.
 *
 * An isolated CPU running one task in user space has its tick stopped
 * (tick_nohz_full_update_tick(), kernel/time/tick-sched.c): the clockevent is
 * programmed for the next timer on that CPU's base, and nothing else runs
 * there. Its 1 Hz remainder of the tick (sched_tick_remote(), since 4.17)
 * runs from a housekeeping workqueue and touches the isolated CPU not at all,
 * as timekeeping never does (tick_do_timer_cpu is a housekeeping CPU).
 *
 * What does fire there is a timer that lives on the CPU's base. dev_watchdog()
 * (net/sched/sch_generic.c) re-arms itself from its own callback with
 * mod_timer(&dev->watchdog_timer, round_jiffies(jiffies + watchdog_timeo)):
 * __mod_timer() keeps a running timer on its base, so once it has run on an
 * isolated CPU it stays there. Each expiry there, as the seed's stack shows:
 * the clockevent interrupt (local_timer_entry) runs the tick's hrtimer,
 * raises TIMER_SOFTIRQ; run_timer_softirq() calls dev_watchdog(); the re-arm
 * enqueues on a nohz_full CPU's base, so trigger_dyntick_cpu() ->
 * wake_up_nohz_cpu() -> tick_nohz_full_kick_cpu() -> irq_work_queue_on() of
 * the local CPU -> __irq_work_queue_local() -> irq_work_raise(): a self-IPI
 * traced as ipi_send_cpu(this cpu, irq_work_queue_on+0x77, nohz_full_kick_func)
 * (both 6.4 and 6.18), whose irq_work runs once the softirq is done. On the
 * way out the tick stays stopped (it never restarted: no tick_stop event).
 */
export class Timers {
  constructor(private m: Machine) {}

  start(): void {
    const m = this.m;
    const s = m.s.sources;
    if (!(s.netdev_watchdogs > 0)) return;
    const r = m.rng.get('netdev.watchdog');
    for (let k = 0; k < s.netdev_watchdogs; k++) {
      // the CPU the device was brought up on at boot (dev_activate() arms the timer there)
      const cpu = r.int(m.cpus.length);
      if (!m.cpus[cpu].isolated) continue; // a housekeeping CPU's ticking base runs it inside its tick
      const timer = 0xffff888103a84000n + BigInt(k) * 0x2000n + 0x3f8n;
      // round_jiffies(): expiries fall on whole seconds of jiffies
      const firstSec = 1 + r.int(s.watchdog_timeo_s);
      // the clockevent fires a little after the jiffy the timer is due in
      const fire = (sec: number) => {
        const t = sec * 1e9 + 2000;
        if (t >= m.end) return;
        m.onCpu(cpu, t, (t0) => {
          fire(sec + s.watchdog_timeo_s);
          return this.expire(cpu, t0, timer);
        });
      };
      fire(firstSec);
    }
  }

  /** jiffies at t: CONFIG_HZ is the scenario's hz, from INITIAL_JIFFIES ((unsigned long)(unsigned int) (-300*HZ) on 64-bit). */
  private jiffies(t: number): number {
    const hz = this.m.s.hz;
    const ns = BigInt(Math.round(this.m.s.uptime * 1e9)) + BigInt(Math.round(t));
    return 4294967296 - 300 * hz + Number((ns * BigInt(hz)) / 1_000_000_000n);
  }

  /** One expiry of a dev_watchdog timer on an isolated CPU, from user space and back. */
  private expire(cpu: number, t0: number, timer: bigint): number {
    const m = this.m;
    const tp = m.tp;
    const depth = m.depth(cpu);
    const hard = IRQS_OFF | HARDIRQ;
    let now = m.kernelEntry(cpu, t0);
    m.emit(tp.local_timer_entry, cpu, now, hard, depth, TIMER_VALUES);
    const sched = 0xffff88847fc1e2c0n + BigInt(cpu) * 0x40000n;
    m.emit(tp.hrtimer_expire_entry, cpu, now + 300, hard, depth, [sched, BigInt(m.s.uptime) * 1_000_000_000n + BigInt(now), m.sym.addr(m.kernel.tickHandler)]);
    m.emit(tp.rcu_utilization, cpu, now + 700, hard, depth, m.tickStart);
    m.emit(tp.softirq_raise, cpu, now + 900, hard, depth, [SOFTIRQ_TIMER]);
    m.emit(tp.rcu_utilization, cpu, now + 1100, hard, depth, m.tickEnd);
    m.emit(tp.hrtimer_expire_exit, cpu, now + 1300, hard, depth, [sched]);
    now += 1800;
    m.emit(tp.local_timer_exit, cpu, now, hard, depth, TIMER_VALUES);
    now += 200;
    const soft = SOFTIRQ;
    m.emit(tp.softirq_entry, cpu, now, soft, depth, [SOFTIRQ_TIMER]);
    const j = this.jiffies(now);
    const watchdog = m.sym.addr('dev_watchdog');
    m.emit(tp.timer_expire_entry, cpu, now + 400, soft, depth, [timer, j, watchdog, j]);
    now += 1000;
    const expires = j + m.s.sources.watchdog_timeo_s * m.s.hz;
    // __mod_timer() under the base lock, irqs off
    m.emit(tp.timer_start, cpu, now, soft | IRQS_OFF, depth + 1, [timer, watchdog, expires, expires, j, cpu & TIMER_CPU_MASK]);
    now += 400;
    m.emit(tp.ipi_send_cpu, cpu, now, soft | IRQS_OFF, depth + 1, [cpu, m.sym.at('irq_work_queue_on', 0x77), m.sym.addr('nohz_full_kick_func')], this.kickStack());
    now += 500;
    m.emit(tp.timer_expire_exit, cpu, now, soft, depth, [timer]);
    now += 400;
    m.emit(tp.softirq_exit, cpu, now, soft, depth, [SOFTIRQ_TIMER]);
    now += 300;
    m.emit(tp.irq_work_entry, cpu, now, hard, depth, [IRQ_WORK_VECTOR]);
    now += 400;
    m.emit(tp.irq_work_exit, cpu, now, hard, depth, [IRQ_WORK_VECTOR]);
    now += 300;
    m.cpus[cpu].stats.ipisReceived++;
    return m.kernelExit(cpu, t0, now);
  }

  private kickStack(): readonly bigint[] {
    return this.m.stacks.chain('trace_event_raw_event_ipi_send_cpu+0x88', '__irq_work_queue_local+0x5d', 'irq_work_queue_on+0x77', '__mod_timer+0x2b1', 'dev_watchdog+0x230', 'call_timer_fn+0x24', '__run_timers+0x1fe', 'run_timer_softirq+0x66', '__do_softirq+0xc8', ...FROM_TIMER_IRQ);
  }
}
