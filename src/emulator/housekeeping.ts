import { IrqOffSite } from './irq-off-site.ts';
import { TIMER_VALUES, type Ipis } from './ipi.ts';
import { HARDIRQ, IRQS_OFF, NEED_RESCHED, SOFTIRQ, type Machine, type Task } from './machine.ts';
import type { Rng } from './rng.ts';

const SOFTIRQ_TIMER = 1;
const SOFTIRQ_NET_RX = 3;
const SOFTIRQ_SCHED = 7;
const SOFTIRQ_RCU = 9;

/**
 * The longest each load episode runs (ns), for onLoad(): the load yields to
 * always-on work due within that time.
 */
const TICK_BOUND = 14_000;
const WAKEUP_BOUND = 8_000;
const SYSCALL_BOUND = 60_000;
const IRQ_BOUND = 22_000;
const IRQ_OFF_BOUND = 451_000;

/** Syscalls of a compile/hackbench mix: number, weight. */
const SYSCALLS: [number, number][] = [
  [0, 30], // read
  [1, 25], // write
  [257, 6], // openat
  [3, 6], // close
  [9, 5], // mmap
  [202, 10], // futex
  [7, 5], // poll
  [56, 1], // clone
  [61, 1], // wait4
  [262, 5], // newfstatat
];

/** irqs-off sections: where they are, for the preemptirq caller/parent fields. */
const IRQ_OFF_SITES: [caller: string, parent: string][] = [
  ['try_to_wake_up+0x5c', 'wake_up_process+0x15'],
  ['__schedule+0x1b4', 'schedule+0x5e'],
  ['rcu_core+0x2ed', 'handle_softirqs+0xd5'],
  ['__do_softirq+0x1f', '__irq_exit_rcu+0x73'],
  ['pipe_write+0x31a', 'vfs_write+0x2b4'],
  ['finish_task_switch+0x8f', '__schedule+0x3c1'],
];

const DEVICE_IRQS: [irq: number, name: string][] = [
  [24, 'virtio0-input.0'],
  [25, 'virtio0-output.0'],
  [27, 'virtio1-req.0'],
  [11, 'uhci_hcd:usb1'],
];

/**
 * The housekeeping CPUs under rteval-like load (kernel build + hackbench):
 * timer ticks, context switches and wakeups (remote ones through the wakelist
 * IPI), syscalls, device interrupts with their softirqs, and irqs-off
 * sections. The load starts only if one of its events is traced, so a
 * recording of IPIs to isolated CPUs is not slowed by millions of untraced
 * ticks; it never moves always-on work (Machine.onLoad), and has random
 * streams of its own.
 */
export class Housekeeping {
  private pool: Task[] = [];
  /** CPUs the load runs on: housekeeping, minus a CPU given to a hog. */
  private load: number[];
  private args = new Uint8Array(48);
  private argView = new DataView(this.args.buffer);
  private irqOffSites: IrqOffSite[];
  /** Field values reused from event to event (the encoder copies them): no array per event. */
  private raiseTimer = [SOFTIRQ_TIMER];
  private raiseRcu = [SOFTIRQ_RCU];
  private raiseNet = [SOFTIRQ_NET_RX];
  private vec = [0];
  private wake: [string, number, number, number] = ['', 0, 0, 0];
  private sys: [number, Uint8Array | number] = [0, 0];
  private irq: [number, string | number] = [0, ''];
  private csds = new Map<Task, bigint>();
  /** Each generator's random stream (named, so enabling one leaves the others unchanged). */
  private rTick: Rng;
  private rSched: Rng;
  private rSys: Rng;
  private rIrq: Rng;
  private rIrqOff: Rng;

  constructor(
    private m: Machine,
    private ipis: Ipis,
  ) {
    const l = m.s.housekeeping_load;
    const names: string[] = [];
    if (l.hackbench) for (let k = 0; k < 20; k++) names.push('hackbench');
    if (l.kernel_build) names.push('make', 'cc1', 'cc1', 'cc1', 'as', 'ld', 'cc1', 'as', 'sh');
    if (!names.length) names.push('bash');
    for (const n of names) this.pool.push(m.newTask(n));
    this.load = m.hk.filter((c) => c !== m.s.probes.hog_cpu);
    if (!this.load.length) this.load = m.hk;
    for (const c of m.hk) m.cpus[c].task = this.pool[c % this.pool.length];
    for (const c of m.hk) m.cpus[c].rest = 'kernel';
    this.irqOffSites = IRQ_OFF_SITES.map(([c, p]) => new IrqOffSite(m, c, p));
    this.rTick = m.rng.get('hk.tick');
    this.rSched = m.rng.get('hk.sched');
    this.rSys = m.rng.get('hk.syscalls');
    this.rIrq = m.rng.get('hk.irqs');
    this.rIrqOff = m.rng.get('hk.irqoff');
  }

  /**
   * The load runs whole or not at all: only when one of the events it (or
   * the RCU kthreads, which share its CPUs) emits is recorded. Its parts
   * contend for the CPUs, so starting some of them would change the others.
   */
  static needed(m: Machine): boolean {
    const tp = m.tp;
    return [tp.local_timer_entry, tp.local_timer_exit, tp.rcu_utilization, tp.softirq_raise, tp.softirq_entry, tp.softirq_exit, tp.rcu_invoke_callback, tp.rcu_callback, tp.rcu_grace_period, tp.sched_switch, tp.sched_wakeup, tp.csd_queue_cpu, tp.csd_function_entry, tp.csd_function_exit, tp.ipi_send_cpu, tp.call_function_single_entry, tp.call_function_single_exit, tp.call_function_entry, tp.call_function_exit, tp.reschedule_entry, tp.reschedule_exit, tp.sys_enter, tp.sys_exit, tp.irq_handler_entry, tp.irq_handler_exit, tp.irq_disable, tp.irq_enable].some((t) => t.on);
  }

  start(): void {
    const m = this.m;
    const l = m.s.housekeeping_load;
    // a closed-loop bench (rcuidle.ts) takes the housekeeping CPUs instead
    if (!Housekeeping.needed(m) || m.s.bench.hackbench_cpus) return;
    const period = 1e9 / m.s.hz;
    const rt = this.rTick;
    for (const c of m.hk) this.periodic(c, rt.range(0, period), period, (t) => m.onLoad(c, t, TICK_BOUND, this.tick));
    const rs = this.rSched;
    this.poisson(rs, l.context_switches_per_sec, (t) => m.onLoad(rs.pick(this.load), t, WAKEUP_BOUND, this.wakeup));
    const ry = this.rSys;
    this.poisson(ry, l.syscalls_per_sec, (t) => m.onLoad(ry.pick(this.load), t, SYSCALL_BOUND, this.syscall));
    const ri = this.rIrq;
    this.poisson(ri, l.device_irqs_per_sec, (t) => m.onLoad(ri.pick(m.hk), t, IRQ_BOUND, this.deviceIrq));
    const ro = this.rIrqOff;
    this.poisson(ro, l.irq_off_sections_per_sec * m.hk.length, (t) => m.onLoad(ro.pick(m.hk), t, IRQ_OFF_BOUND, this.irqOff));
  }

  private periodic(cpu: number, first: number, period: number, fn: (t: number) => void): void {
    const m = this.m;
    let k = 0;
    const step = () => {
      const t = first + k * period;
      if (t >= m.end) return;
      fn(Math.round(t));
      k++;
      m.at(Math.round(first + k * period), step);
    };
    m.at(Math.round(first), step);
  }

  private poisson(r: Rng, rate: number, fn: (t: number) => void): void {
    if (!(rate > 0)) return;
    const m = this.m;
    const mean = 1e9 / rate;
    const next = () => {
      if (m.now >= m.end) return;
      fn(m.now);
      m.at(m.now + r.exp(mean), next);
    };
    m.at(r.exp(mean), next);
  }

  /** A scheduler tick: rcu_utilization around the tick work; TIMER/RCU softirqs now and then. */
  private readonly tick = (t0: number, cpu: number): number => {
    const m = this.m;
    const r = this.rTick;
    const tp = m.tp;
    const f = IRQS_OFF | HARDIRQ;
    const d = m.depth(cpu);
    let now = t0;
    m.emit(tp.local_timer_entry, cpu, now, f, d, TIMER_VALUES);
    m.emit(tp.rcu_utilization, cpu, now + 500, f, d, m.tickStart);
    m.emit(tp.rcu_utilization, cpu, now + 900, f, d, m.tickEnd);
    const timers = r.chance(0.3);
    const rcu = r.chance(0.05);
    if (timers) m.emit(tp.softirq_raise, cpu, now + 1100, f, d, this.raiseTimer);
    if (rcu) m.emit(tp.softirq_raise, cpu, now + 1200, f, d, this.raiseRcu);
    now += 1600 + r.int(800);
    m.emit(tp.local_timer_exit, cpu, now, f, d, TIMER_VALUES);
    now += 150;
    if (timers) now = this.softirq(cpu, now, SOFTIRQ_TIMER, 1500 + r.int(4000));
    if (rcu) now = this.softirq(cpu, now, SOFTIRQ_RCU, 2000 + r.int(3000));
    return now;
  };

  /** A softirq run on irq exit: irqs on, the interrupted context's preemption depth (`..s1.` on idle). */
  private softirq(cpu: number, t: number, vec: number, dur: number): number {
    const m = this.m;
    const tp = m.tp;
    const v = this.vec;
    const d = m.depth(cpu);
    v[0] = vec;
    m.emit(tp.softirq_entry, cpu, t, SOFTIRQ, d, v);
    m.emit(tp.softirq_exit, cpu, t + dur, SOFTIRQ, d, v);
    return t + dur + 100;
  }

  /**
   * A hackbench wakeup: a task on `cpu` wakes a sleeper. Most wake on the
   * same CPU; a remote wakee is queued on its CPU's wakelist (csd + IPI,
   * sched_ttwu_pending) or, if that CPU runs something, a reschedule IPI.
   */
  private readonly wakeup = (t0: number, cpu: number): number => {
    const m = this.m;
    const r = this.rSched;
    const tp = m.tp;
    const hk = this.load;
    const wakee = this.pool[r.int(this.pool.length)];
    const target = hk.length > 1 && r.chance(0.35) ? hk[(hk.indexOf(cpu) + 1 + r.int(hk.length - 1)) % hk.length] : cpu;
    let now = t0 + 800;
    if (target === cpu) {
      // try_to_wake_up() under p->pi_lock and the runqueue lock: the real `dN.3.`/`d..3.`
      m.emit(tp.sched_wakeup, cpu, now, IRQS_OFF | NEED_RESCHED, 3, this.wakeValues(wakee, cpu));
      now += 1500;
      if (m.cpus[cpu].task !== wakee) m.switchTo(cpu, now, wakee, r.chance(0.6) ? 1 : 0x100);
      return now + 2000;
    }
    if (r.chance(0.8)) {
      const csd = this.wakeCsd(wakee);
      now = this.ipis.wakelist(cpu, now, target, csd, (tt) => {
        // sched_ttwu_pending() in the IPI handler, under the runqueue lock: the real `dNh2.` on idle
        m.emit(tp.sched_wakeup, target, tt, IRQS_OFF | HARDIRQ | NEED_RESCHED, m.depth(target) + 1, this.wakeValues(wakee, target));
        return tt + 400;
      });
      this.switchLater(target, now + 4000, wakee, r);
    } else {
      m.emit(tp.sched_wakeup, cpu, now, IRQS_OFF, 3, this.wakeValues(wakee, target));
      now = this.ipis.resched(cpu, now + 300, target);
      this.switchLater(target, now + 3000, wakee, r);
    }
    return now + 1200;
  };

  /** The wakee's task_struct wake_entry csd (one per task, computed once). */
  private wakeCsd(t: Task): bigint {
    let v = this.csds.get(t);
    if (v === undefined) this.csds.set(t, (v = 0xffff8881c2a40000n + BigInt(t.pid) * 0x2c40n + 0x48n));
    return v;
  }

  /** sched_wakeup's fields: comm, pid, prio, target_cpu. */
  private wakeValues(wakee: Task, target: number): readonly (string | number)[] {
    const v = this.wake;
    v[0] = wakee.comm;
    v[1] = wakee.pid;
    v[2] = wakee.prio;
    v[3] = target;
    return v;
  }

  private switchLater(cpu: number, t: number, next: Task, r: Rng): void {
    const m = this.m;
    m.onLoad(cpu, t, 2000, (t0) => {
      if (m.cpus[cpu].task === next) return t0;
      m.switchTo(cpu, t0, next, r.chance(0.5) ? 1 : 0x100);
      return t0 + 1800;
    });
  }

  private readonly syscall = (t0: number, cpu: number): number => {
    const m = this.m;
    const r = this.rSys;
    const nr = r.weighted(SYSCALLS);
    // args[6] written into one reused buffer: the encoder copies it
    const dv = this.argView;
    dv.setUint32(0, 3 + r.int(20), true);
    dv.setUint32(8, r.int(0x7fffffff), true);
    dv.setUint32(12, 0x7ffd, true);
    dv.setUint32(16, 1 << r.int(14), true);
    const v = this.sys;
    v[0] = nr;
    v[1] = this.args;
    m.emit(m.tp.sys_enter, cpu, t0, 0, 0, v);
    const dur = 400 + Math.min(SYSCALL_BOUND - 600, Math.round(r.exp(2500)));
    v[1] = nr === 0 || nr === 1 ? 1 << r.int(14) : 0;
    m.emit(m.tp.sys_exit, cpu, t0 + dur, 0, 0, v);
    return t0 + dur + 100;
  };

  private readonly deviceIrq = (t0: number, cpu: number): number => {
    const m = this.m;
    const r = this.rIrq;
    const tp = m.tp;
    const [irq, name] = r.pick(DEVICE_IRQS);
    const f = IRQS_OFF | HARDIRQ;
    const d = m.depth(cpu);
    const v = this.irq;
    v[0] = irq;
    v[1] = name;
    m.emit(tp.irq_handler_entry, cpu, t0, f, d, v);
    const net = name.includes('input');
    if (net) m.emit(tp.softirq_raise, cpu, t0 + 1500, f, d, this.raiseNet);
    let now = t0 + 2500 + r.int(3000);
    v[1] = 1;
    m.emit(tp.irq_handler_exit, cpu, now, f, d, v);
    now += 200;
    if (net) now = this.softirq(cpu, now, SOFTIRQ_NET_RX, 3000 + r.int(12000));
    else if (r.chance(0.2)) now = this.softirq(cpu, now, SOFTIRQ_SCHED, 800 + r.int(2000));
    return now;
  };

  /**
   * An irqs-off section; lengths are mostly short with a long tail. Both
   * tracepoints fire with irqs off (trace_hardirqs_off() after disabling,
   * trace_hardirqs_on() before enabling), and nothing else runs on the CPU
   * in between: interrupts wait for it.
   */
  private readonly irqOff = (t0: number, cpu: number): number => {
    const m = this.m;
    const r = this.rIrqOff;
    const site = this.irqOffSites[r.int(this.irqOffSites.length)];
    const dur = r.chance(0.02) ? 50_000 + r.int(400_000) : 300 + Math.min(40_000, Math.round(r.exp(3000)));
    const st = site.stacks();
    m.emit(m.tp.irq_disable, cpu, t0, IRQS_OFF, 0, site.offs, st?.[0]);
    m.emit(m.tp.irq_enable, cpu, t0 + dur, IRQS_OFF, 0, site.offs, st?.[1]);
    return t0 + dur + 50;
  };
}
