import { HARDIRQ, IRQS_OFF, type Machine } from './machine.ts';
import type { Rng } from './rng.ts';

/** IRQ vectors as x86 numbers them (irq_vectors:* print them). */
export const CALL_FUNCTION_VECTOR = 252;
export const CALL_FUNCTION_SINGLE_VECTOR = 251;
export const RESCHEDULE_VECTOR = 253;
export const IRQ_WORK_VECTOR = 246;
export const LOCAL_TIMER_VECTOR = 236;
/** local_timer_entry/exit's values, shared by every tick (the encoder only reads them). */
export const TIMER_VALUES: readonly number[] = [LOCAL_TIMER_VECTOR];

/** A cross-CPU function call: what runs remotely and where the request comes from. */
export interface CallSpec {
  /** The csd function, e.g. "do_flush_tlb_all". */
  func: string;
  /** Return address of the sender (the `callsite=` of the events), e.g. "on_each_cpu_cond_mask+0x20". */
  callsite: string;
  /** DEFER_* kind when the deferral may postpone it for CPUs in user space (0: never). */
  kind: number;
  /** ns the function runs on a receiver. */
  cost: number;
  /** Chain for a kernel_stack after the send (-T). */
  stack?: readonly bigint[];
}

/**
 * The IPI layer of kernel/smp.c: csd queueing, the send tracepoints and the
 * receive side (call_function[_single] entry/exit around csd_function entry/exit).
 */
export class Ipis {
  private readonly singleIrq: bigint;
  private readonly maskBytes: number;
  /** Looked up once: wakeups and reschedules send IPIs hundreds of thousands of times a run. */
  private readonly lat: Rng;
  private readonly wakelistSite: bigint;
  private readonly ttwuPending: bigint;
  private readonly preemptSite: bigint;
  private reschedVec = [RESCHEDULE_VECTOR];

  constructor(private m: Machine) {
    this.singleIrq = m.sym.addr('generic_smp_call_function_single_interrupt');
    this.maskBytes = Math.ceil(m.cpus.length / 64) * 8;
    this.lat = m.rng.get('ipi-latency');
    this.wakelistSite = this.a('ttwu_queue_wakelist+0x11d');
    this.ttwuPending = this.a('sched_ttwu_pending');
    this.preemptSite = this.a('wakeup_preempt+0x55');
  }

  private a(frame: string): bigint {
    return this.m.sym.frame(frame);
  }

  /** The csd a sender uses for a target (per-CPU cfd data of the sender). */
  private csd(sender: number, target: number): bigint {
    return this.m.cpus[target].csdBase + BigInt(sender) * 0x20n;
  }

  /** A cpumask field value: nr_cpu_ids bits in unsigned longs, little endian. */
  mask(cpus: readonly number[]): Uint8Array {
    const b = new Uint8Array(this.maskBytes);
    for (const c of cpus) b[c >> 3] |= 1 << (c & 7);
    return b;
  }

  /**
   * smp_call_function_many_cond() from `cpu` in process context: targets the
   * deferral does not postpone get a csd and one IPI (ipi_send_cpu for one
   * target, ipi_send_cpumask for several, callback = the function as in the
   * seed-004 kernels); with `local` the function also runs on the sender.
   * Returns when the sender is done.
   */
  many(cpu: number, t: number, targets: readonly number[], spec: CallSpec, local: boolean): number {
    const m = this.m;
    const tp = m.tp;
    const sent: number[] = [];
    for (const c of targets) if (c !== cpu && !m.defers(c, t, spec.kind)) sent.push(c);
    const callsite = this.a(spec.callsite);
    const func = this.a(spec.func);
    let now = t;
    for (const c of sent) {
      m.emit(tp.csd_queue_cpu, cpu, now, 0, 1, [c, callsite, func, this.csd(cpu, c)]);
      now += 25;
    }
    if (sent.length === 1) m.emit(tp.ipi_send_cpu, cpu, now, 0, 1, [sent[0], callsite, this.singleIrq], spec.stack);
    else if (sent.length > 1) m.emit(tp.ipi_send_cpumask, cpu, now, 0, 1, [this.mask(sent), callsite, func], spec.stack);
    now += 150;
    const vector = sent.length === 1 ? CALL_FUNCTION_SINGLE_VECTOR : CALL_FUNCTION_VECTOR;
    const lat = this.lat;
    for (const c of sent) this.receive(c, now + 600 + lat.int(900), vector, func, this.csd(cpu, c), spec.cost);
    if (local) {
      m.emit(tp.csd_function_entry, cpu, now, IRQS_OFF, 1, [func, 0n]);
      now += spec.cost;
      m.emit(tp.csd_function_exit, cpu, now, IRQS_OFF, 1, [func, 0n]);
    }
    // wait for the remote functions (csd_lock_wait), a few µs on an idle machine
    return now + (sent.length ? 1500 + spec.cost : 100);
  }

  /** smp_call_function_single() from `cpu` to one `target` (callsite generic_exec_single). */
  single(cpu: number, t: number, target: number, spec: CallSpec): number {
    const m = this.m;
    if (m.defers(target, t, spec.kind)) return t + 100;
    const tp = m.tp;
    const callsite = this.a(spec.callsite);
    const func = this.a(spec.func);
    const csd = this.csd(cpu, target);
    m.emit(tp.csd_queue_cpu, cpu, t, 0, 1, [target, callsite, func, csd]);
    m.emit(tp.ipi_send_cpu, cpu, t + 40, 0, 1, [target, callsite, this.singleIrq], spec.stack);
    this.receive(target, t + 700 + this.lat.int(900), CALL_FUNCTION_SINGLE_VECTOR, func, csd, spec.cost);
    return t + 2000 + spec.cost;
  }

  /**
   * The receive side: an interrupt on `cpu` (a kernel entry if it was in user
   * space) running the queued function.
   */
  receive(cpu: number, t: number, vector: number, func: bigint, csd: bigint, cost: number, extra?: (t: number) => number): void {
    const m = this.m;
    m.onCpu(cpu, t, (t0) => {
      const tp = m.tp;
      let now = m.kernelEntry(cpu, t0);
      m.cpus[cpu].stats.ipisReceived++;
      const entry = vector === CALL_FUNCTION_VECTOR ? tp.call_function_entry : tp.call_function_single_entry;
      const exit = vector === CALL_FUNCTION_VECTOR ? tp.call_function_exit : tp.call_function_single_exit;
      const f = IRQS_OFF | HARDIRQ;
      m.emit(entry, cpu, now, f, 0, [vector]);
      now += 180;
      m.emit(tp.csd_function_entry, cpu, now, f, 0, [func, csd]);
      now += cost;
      if (extra) now = extra(now);
      m.emit(tp.csd_function_exit, cpu, now, f, 0, [func, csd]);
      now += 90;
      m.emit(exit, cpu, now, f, 0, [vector]);
      now += 250;
      m.kernelStay(cpu, t0, now);
      return now;
    });
  }

  /** A remote wakeup through the wakelist: csd + IPI, the woken task switched in on arrival. */
  wakelist(cpu: number, t: number, target: number, csd: bigint, onArrive: (t: number) => number): number {
    const m = this.m;
    const tp = m.tp;
    const callsite = this.wakelistSite;
    const func = this.ttwuPending;
    m.emit(tp.csd_queue_cpu, cpu, t, IRQS_OFF, 2, [target, callsite, func, csd]);
    m.emit(tp.ipi_send_cpu, cpu, t + 60, IRQS_OFF, 2, [target, callsite, this.singleIrq]);
    this.receive(target, t + 800 + this.lat.int(700), CALL_FUNCTION_SINGLE_VECTOR, func, csd, 300, onArrive);
    return t + 400;
  }

  /** A reschedule IPI (smp_send_reschedule from wakeup_preempt): callback 0x0. */
  resched(cpu: number, t: number, target: number, then?: (t: number) => number): number {
    const m = this.m;
    const tp = m.tp;
    m.emit(tp.ipi_send_cpu, cpu, t, IRQS_OFF, 2, [target, this.preemptSite, 0n]);
    m.onCpu(target, t + 700 + this.lat.int(600), (t0) => {
      let now = m.kernelEntry(target, t0);
      m.cpus[target].stats.ipisReceived++;
      m.emit(tp.reschedule_entry, target, now, IRQS_OFF | HARDIRQ, 0, this.reschedVec);
      now += 300;
      m.emit(tp.reschedule_exit, target, now, IRQS_OFF | HARDIRQ, 0, this.reschedVec);
      now += 200;
      if (then) now = then(now);
      m.kernelStay(target, t0, now);
      return now;
    });
    return t + 200;
  }
}
