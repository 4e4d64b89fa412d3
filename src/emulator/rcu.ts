import { Housekeeping } from './housekeeping.ts';
import { HARDIRQ, IRQS_OFF, SOFTIRQ, type Machine, type Task } from './machine.ts';
import type { Rng } from './rng.ts';

const SOFTIRQ_RCU = 9;
const CALLBACKS = ['delayed_put_task_struct', 'file_free_rcu', 'i_callback'];
/** The longest a grace-period kthread step runs on its CPU (it is housekeeping load: traced only when recorded). */
const GP_BOUND = 8000;

/**
 * How long one normal (rcu_preempt) grace period takes here, and so a
 * synchronize_rcu(): a few jiffies of the grace-period kthread waiting for
 * every CPU's quiescent state.
 */
export function rcuGracePeriodNs(r: Rng): number {
  return 2_000_000 + Math.round(r.exp(3_000_000));
}

/**
 * RCU: rcu_preempt grace periods with callbacks queued during one and invoked
 * in the RCU softirq after it. The RCU Tasks flavours, which probe removal
 * waits on, are rcu-tasks.ts's.
 */
export class Rcu {
  private gpTask: Task;
  /** The RCU Tasks kthreads (rcu-tasks.ts runs their grace periods). */
  readonly tasksTask: Task;
  readonly traceTask: Task;
  private seq = 0x6c2ac;

  constructor(private m: Machine) {
    this.gpTask = m.newTask('rcu_preempt');
    this.tasksTask = m.newTask('rcu_tasks_kthre');
    this.traceTask = m.newTask('rcu_tasks_trace');
  }

  start(): void {
    const m = this.m;
    const tp = m.tp;
    // housekeeping load: it runs with the rest of the load (Housekeeping.needed)
    if (!Housekeeping.needed(m) || !(m.s.rcu.grace_periods_per_sec > 0)) return;
    const r = m.rng.get('rcu');
    const gap = 1e9 / m.s.rcu.grace_periods_per_sec;
    const cpu = m.hk[0];
    const gp = (t: number) => {
      if (t >= m.end) return;
      const seq = (this.seq += 4);
      const len = rcuGracePeriodNs(r);
      const name = m.sym.str('rcu_preempt');
      m.onLoad(cpu, t, GP_BOUND, (t0) => m.borrow(cpu, t0, this.gpTask, 0x80, (t1) => {
        m.emit(tp.rcu_grace_period, cpu, t1, 0, 0, [name, seq - 3, m.sym.str('start')], m.siteStack('rcu_gp_start', cpu));
        return t1 + 2500;
      }));
      // callbacks queued by the load while the grace period runs
      const cbs: { rhp: bigint; func: bigint; cpu: number }[] = [];
      for (let k = 0; k < m.s.rcu.callbacks_per_gp; k++) {
        const c = r.pick(m.hk);
        const rhp = 0xffff888100000000n + BigInt(r.int(0x3fffffff)) * 0x40n;
        const func = m.sym.addr(r.pick(CALLBACKS));
        cbs.push({ rhp, func, cpu: c });
        m.onLoad(c, t + Math.round(r.range(0.1, 0.9) * len), 1000, (t0) => {
          m.emit(tp.rcu_callback, c, t0, IRQS_OFF, 0, [name, rhp, func, cbs.filter((x) => x.cpu === c).length]);
          return t0 + 300;
        });
      }
      m.onLoad(cpu, t + len, GP_BOUND, (t0) => m.borrow(cpu, t0, this.gpTask, 0x80, (t1) => {
        m.emit(tp.rcu_grace_period, cpu, t1, 0, 0, [name, seq, m.sym.str('end')], m.siteStack('rcu_gp_end', cpu));
        return t1 + 1800;
      }));
      for (const c of new Set(cbs.map((x) => x.cpu))) {
        m.onLoad(c, t + len + 200_000 + r.int(800_000), 2000 + 400 * cbs.length, (t0) => {
          let now = t0;
          m.emit(tp.softirq_raise, c, now, IRQS_OFF | HARDIRQ, 0, [SOFTIRQ_RCU]);
          now += 500;
          m.emit(tp.softirq_entry, c, now, SOFTIRQ, 0, [SOFTIRQ_RCU]);
          for (const cb of cbs) {
            if (cb.cpu !== c) continue;
            now += 400;
            m.emit(tp.rcu_invoke_callback, c, now, SOFTIRQ, 0, [name, cb.rhp, cb.func]);
          }
          now += 600;
          m.emit(tp.softirq_exit, c, now, SOFTIRQ, 0, [SOFTIRQ_RCU]);
          return now + 100;
        });
      }
      m.at(t + len + Math.round(r.exp(gap)), () => gp(m.now));
    };
    m.at(Math.round(r.exp(gap)), () => gp(m.now));
  }
}
