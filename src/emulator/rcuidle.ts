import { HARDIRQ, IRQS_OFF, type Machine, type Task } from './machine.ts';
import { TIMER_VALUES } from './ipi.ts';
import { IrqOffSite } from './irq-off-site.ts';
import { parseKernelCpulist } from '../filter/cpulist-kernel.ts';
import { NR } from '../core/x86-64-abi.ts';
import { argBytes } from './syscalls.ts';

/**
 * Seed 000 (Instrumentation and RCU, 2020): what an irq on/off tracepoint
 * costs, by how its wrapper makes RCU watch. kernel.rcuidle picks the wrapper:
 *
 * - "srcu": 5.6's __DO_TRACE() for rcuidle tracepoints, which
 *   trace_hardirqs_on/off() always used: srcu_read_lock_notrace()
 *   (this_cpu_inc() and smp_mb()), then rcu_irq_enter_irqson()
 *   (local_irq_save(), the nesting count; from RCU idle also
 *   rcu_dynticks_eqs_exit()'s atomic_add_return()), the handlers, and the
 *   same backwards.
 * - "watching_check": Mathieu Desnoyers' proposal in the thread: a
 *   rcu_is_watching() test, and the rcu_irq_enter_irqson() dance only where
 *   RCU does not watch (the idle loop); plain sched-RCU (preemption off)
 *   otherwise.
 * - "noinstr": 6.3+, after the thread: the idle path is noinstr (raw irq
 *   disabling, no tracepoint while RCU does not watch); every other
 *   tracepoint is the plain one.
 *
 * The bench replaces the housekeeping load (its CPUs' ticks, 0.2% of their
 * time, are not modelled). The cost is paid when the tracepoints are on (kernel.irq_tracepoints: a
 * tracer attached to them), whatever tracelab records. Two loads show it:
 * bench.hackbench_cpus run a closed loop of messages between two tasks per
 * CPU (socket write, the reader woken, its read: bench.msg_kernel_ns of
 * kernel work with bench.irq_sections_per_msg local_irq_save/restore
 * sections), so their throughput is what the tracepoints leave; the other
 * housekeeping CPUs idle, woken bench.idle_wakeups_per_sec times a second
 * by a timer, and 5.6's idle loop (do_idle() -> rcu_idle_enter() ->
 * default_idle() -> trace_hardirqs_on() -> safe_halt()) traces irq_enable
 * while RCU does not watch. rcu:rcu_watching shows RCU's state changes
 * (ct_idle_enter/exit's "Start"/"End", an interrupt's "Endirq"/"Startirq").
 */

/** preempt_disable_notrace()/preempt_enable_notrace(). */
const PREEMPT_NS = 1;
/** The consumer's handler: the preemptirq event reserved, filled and committed in the ring buffer. */
const HANDLER_NS = 60;
/** this_cpu_inc() of an SRCU counter. */
const PERCPU_INC_NS = 1;
/** rcu_irq_enter_irqson() and rcu_irq_exit_irqson() where RCU watches: local_irq_save/restore and the nesting count, each way. */
const RCU_IRQ_WATCHING_NS = 10;
/** rcu_is_watching(): a read of this CPU's watching counter with preemption off. */
const IS_WATCHING_NS = 2;
/** The message's user work in each task: composing it, reading it. */
const USER_NS = 200;
/** One local_irq_save/restore section's own work (a spinlock taken and released), part of msg_kernel_ns. */
const SECTION_NS = 80;
/** The timer interrupt that wakes an idle CPU: entry, the expired timer's callback, exit. */
const WAKEUP_IRQ_NS = 1500;
/** do_idle()'s loop around the halt: tick_nohz_idle_*, cpuidle governor, between the interrupt and the next halt. */
const IDLE_LOOP_NS = 1200;

export class RcuIdle {
  /** Messages the ping-pong loops completed (the benchmark's throughput). */
  messages = 0;

  constructor(private readonly m: Machine) {}

  /** What one irq on/off tracepoint invocation costs its CPU (0 with the tracepoints off). */
  tracepointNs(watching: boolean): number {
    const s = this.m.s;
    if (!s.kernel.irq_tracepoints) return 0;
    const base = 2 * PREEMPT_NS + HANDLER_NS;
    const atomic = s.hw.atomic_ns;
    // rcu_irq_enter_irqson() from RCU idle: rcu_dynticks_eqs_exit() and, on the way out, eqs_enter: an atomic each
    const dance = RCU_IRQ_WATCHING_NS + (watching ? 0 : 2 * atomic);
    switch (s.kernel.rcuidle) {
      case 'srcu':
        return base + 2 * (PERCPU_INC_NS + atomic) + dance;
      case 'watching_check':
        return base + IS_WATCHING_NS + (watching ? 0 : dance);
      default:
        return base;
    }
  }

  start(): void {
    const m = this.m;
    const b = m.s.bench;
    const cpus = b.hackbench_cpus ? [...parseKernelCpulist(b.hackbench_cpus, m.s.cpus)!].sort((x, y) => x - y) : [];
    if (!cpus.length) return;
    for (const cpu of cpus) this.pingPong(cpu);
    const bench = new Set(cpus);
    for (const cpu of m.hk) {
      if (bench.has(cpu)) continue;
      const c = m.cpus[cpu];
      c.task = c.idle;
      c.rest = 'idle';
      this.idleWakeups(cpu);
    }
  }

  /** A closed loop of messages between two tasks on `cpu`: each one's write wakes the other, blocked in read. */
  private pingPong(cpu: number): void {
    const m = this.m;
    const tp = m.tp;
    const b = m.s.bench;
    const tasks: [Task, Task] = [m.newTask('hackbench'), m.newTask('hackbench')];
    const half = Math.max(0, Math.floor(b.irq_sections_per_msg / 2));
    const other = b.irq_sections_per_msg - 2 * half;
    // the kernel work between sections, so that sections and gaps add up to msg_kernel_ns
    const gap = Math.max(0, (b.msg_kernel_ns - b.irq_sections_per_msg * SECTION_NS) / (b.irq_sections_per_msg + 4));
    const tpNs = this.tracepointNs(true);
    // spin_lock_irqsave() of the runqueue in the wakeup, the socket's wait queue ...: one place stands for them
    const site = new IrqOffSite(m, '_raw_spin_lock_irqsave+0x3a', 'try_to_wake_up+0x5c');
    const section = (t: number): number => {
      let now = t + tpNs / 2;
      const st = site.stacks();
      m.emit(tp.irq_disable, cpu, now, IRQS_OFF, 0, site.offs, st?.[0]);
      now += tpNs / 2 + SECTION_NS + tpNs / 2;
      m.emit(tp.irq_enable, cpu, now, IRQS_OFF, 0, site.offs, st?.[1]);
      return now + tpNs / 2;
    };
    // the events' values, made once (the encoder copies them)
    const writeEnter = [NR.write, argBytes([4n, 0x7ffd3c2a1e40n, 100n])];
    const writeExit = [NR.write, 100];
    const readEnter = [NR.read, argBytes([3n, 0x7ffd3c2a1e40n, 100n])];
    const readExit = [NR.read, 100];
    let turn = 0;
    m.cpus[cpu].task = tasks[0];
    const message = (t0: number): number => {
      const peer = tasks[1 - turn];
      let now = t0 + USER_NS;
      m.emit(tp.sys_enter, cpu, now, 0, 0, writeEnter);
      for (let k = 0; k < half + other; k++) now = section(now + gap);
      now += gap;
      m.emit(tp.sys_exit, cpu, now, 0, 0, writeExit);
      now += gap;
      m.emit(tp.sys_enter, cpu, now, 0, 0, readEnter);
      for (let k = 0; k < half; k++) now = section(now + gap);
      now += gap;
      // blocked in read: the peer, woken by the write, runs
      m.switchTo(cpu, now, peer, 1);
      now += 300 + gap;
      m.emit(tp.sys_exit, cpu, now, 0, 0, readExit);
      turn = 1 - turn;
      return now;
    };
    const loop = (t: number) => {
      if (t >= m.end) return;
      m.onCpu(cpu, t, (t0) => {
        const end = message(t0);
        this.messages++;
        m.at(end, () => loop(end));
        return end;
      });
    };
    loop(1000);
  }

  /**
   * An idle CPU woken by a timer: the interrupt makes RCU watch ("Endirq",
   * "Startirq"), the idle loop leaves and re-enters RCU idle ("End",
   * "Start"), and, with an rcuidle wrapper, traces irq_disable at the loop's
   * top (RCU watching) and irq_enable in default_idle() (RCU idle: the
   * dance, or nothing in 6.3+'s noinstr idle).
   */
  private idleWakeups(cpu: number): void {
    const m = this.m;
    const rate = m.s.bench.idle_wakeups_per_sec;
    if (!(rate > 0)) return;
    const tp = m.tp;
    const r = m.rng.get(`rcuidle.wakeups.${cpu}`);
    const period = 1e9 / rate;
    // local_irq_disable() at do_idle()'s loop top; trace_hardirqs_on() in default_idle() before the halt
    const loopTop = new IrqOffSite(m, 'do_idle+0x1e3', 'cpu_startup_entry+0x29');
    const halt = new IrqOffSite(m, 'default_idle+0x9', 'default_idle_call+0x2c');
    const instr = m.s.kernel.rcuidle !== 'noinstr';
    const start = m.sym.str('Start');
    const end = m.sym.str('End');
    const endIrq = m.sym.str('Endirq');
    const startIrq = m.sym.str('Startirq');
    let counter = 0x4c4 + 8 * cpu;
    const watching = (t: number, pol: bigint, from: number, to: number, flags: number) => {
      counter += 1;
      m.emit(tp.rcu_watching, cpu, t, flags, 0, [pol, BigInt(from), BigInt(to), counter]);
    };
    const wake = (t: number) => {
      if (t >= m.end) return;
      m.onCpu(cpu, t, (t0) => {
        let now = t0;
        watching(now, endIrq, 0, 1, IRQS_OFF | HARDIRQ);
        m.emit(tp.local_timer_entry, cpu, now + 100, IRQS_OFF | HARDIRQ, 1, TIMER_VALUES);
        now += WAKEUP_IRQ_NS;
        m.emit(tp.local_timer_exit, cpu, now - 100, IRQS_OFF | HARDIRQ, 1, TIMER_VALUES);
        watching(now, startIrq, 1, 0, IRQS_OFF | HARDIRQ);
        // back from the halt in default_idle(): leave RCU idle, loop, enter it again
        now += 300;
        watching(now, end, 0, 1, IRQS_OFF);
        now += IDLE_LOOP_NS / 2;
        if (instr) {
          const c = this.tracepointNs(true);
          m.emit(tp.irq_disable, cpu, now + c / 2, IRQS_OFF, 1, loopTop.offs, loopTop.stacks()?.[0]);
          now += c;
        }
        now += IDLE_LOOP_NS / 2;
        watching(now, start, 1, 0, IRQS_OFF);
        if (instr) {
          // trace_hardirqs_on() in default_idle(), RCU idle: the wrapper makes RCU watch for it
          const c = this.tracepointNs(false);
          const dance = m.s.kernel.irq_tracepoints && (m.s.kernel.rcuidle === 'srcu' || m.s.kernel.rcuidle === 'watching_check');
          if (dance) watching(now + 20, endIrq, 0, 1, IRQS_OFF);
          m.emit(tp.irq_enable, cpu, now + c / 2, IRQS_OFF, 1, halt.offs, halt.stacks()?.[1]);
          if (dance) watching(now + c - 20, startIrq, 1, 0, IRQS_OFF);
          now += c;
        }
        m.at(t0 + r.exp(period), () => wake(m.now));
        return now + 50;
      });
    };
    m.at(r.exp(period), () => wake(m.now));
  }
}
