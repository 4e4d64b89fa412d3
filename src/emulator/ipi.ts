import { DEFER_DONE, DEFER_NOT_TRIED, HARDIRQ, IRQS_OFF, NEED_RESCHED, type Machine, type QueuedCall } from './machine.ts';
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
  /** DEFER_* kind when the series may postpone it for CPUs in user space (0: never). */
  kind: number;
  /** ns the function runs on a receiver. */
  cost: number;
  /** Chain for a kernel_stack after the send (-T). */
  stack?: readonly bigint[];
}

/** Sender-side costs: queueing one csd (csd_lock + llist_add), one x2APIC ICR write per destination. */
const CSD_QUEUE_NS = 25;
const ICR_WRITE_NS = 20;
/** Handler overhead around the functions (__flush_smp_call_function_queue), and the return. */
const HANDLER_IN_NS = 180;
const HANDLER_OUT_NS = 90;
const IRQ_RETURN_NS = 250;

/**
 * The IPI layer of kernel/smp.c, per kernel version (KernelProfile): csd
 * queueing onto the target's call_single_queue, the send tracepoints, and the
 * receive side, where one interrupt runs every function queued by then.
 */
export class Ipis {
  private readonly generic: bigint;
  private readonly maskBytes: number;
  /**
   * IPI delivery latencies: one stream for always-on senders, one for the
   * housekeeping load's wakeups, so that simulating the load or not leaves
   * the always-on draws as they were.
   */
  private readonly lat: Rng;
  private readonly latLoad: Rng;
  private readonly wakelistSite: bigint;
  private readonly ttwuPending: bigint;
  private readonly preemptSite: bigint;
  /** Field values reused from event to event (the encoder copies them): no array per event. */
  private reschedVec = [RESCHEDULE_VECTOR];
  private vec = [0];
  private queueVals: [number, bigint, bigint, bigint] = [0, 0n, 0n, 0n];
  private sendVals: [number | Uint8Array, bigint, bigint] = [0, 0n, 0n];
  private funcVals: [bigint, bigint] = [0n, 0n];
  private maskBuf: Uint8Array;
  /** The handlers' episodes, made once (an IPI a closure would allocate hundreds of thousands a run). */
  private readonly singleHandler = (t0: number, cpu: number): number => this.flush(t0, cpu, CALL_FUNCTION_SINGLE_VECTOR);
  private readonly maskHandler = (t0: number, cpu: number): number => this.flush(t0, cpu, CALL_FUNCTION_VECTOR);

  constructor(private m: Machine) {
    this.generic = m.sym.addr('generic_smp_call_function_single_interrupt');
    this.maskBytes = Math.ceil(m.cpus.length / 64) * 8;
    this.maskBuf = new Uint8Array(this.maskBytes);
    this.lat = m.rng.get('ipi-latency');
    this.latLoad = m.rng.get('ipi-latency.load');
    this.wakelistSite = this.a('ttwu_queue_wakelist+0x11d');
    this.ttwuPending = this.a('sched_ttwu_pending');
    this.preemptSite = this.a(`${m.kernel.wakeupPreempt}+0x55`);
  }

  /** A sender-side event's stack (-T): the send's callers under the event's own raw-event function. */
  private beside(raw: string, spec: CallSpec): readonly bigint[] | undefined {
    return spec.stack && this.m.tracing.stacks ? this.m.eventStacks.beside(raw, spec.stack) : undefined;
  }

  private a(frame: string): bigint {
    return this.m.sym.frame(frame);
  }

  /** The csd a sender uses for a target (per-CPU cfd data of the sender). */
  private csd(sender: number, target: number): bigint {
    return this.m.cpus[target].csdBase + BigInt(sender) * 0x20n;
  }

  /** A cpumask field value: nr_cpu_ids bits in unsigned longs, little endian (one buffer, reused: the encoder copies it). */
  private mask(cpus: readonly number[]): Uint8Array {
    const b = this.maskBuf;
    b.fill(0);
    for (const c of cpus) b[c >> 3] |= 1 << (c & 7);
    return b;
  }

  /** ipi_send_cpu / ipi_send_cpumask's values: target (a CPU or a mask), callsite, callback. */
  private send(target: number | Uint8Array, callsite: bigint, callback: bigint): readonly (number | Uint8Array | bigint)[] {
    const v = this.sendVals;
    v[0] = target;
    v[1] = callsite;
    v[2] = callback;
    return v;
  }

  /** csd_queue_cpu's values: cpu, callsite, func, csd. */
  private queuedValues(cpu: number, callsite: bigint, func: bigint, csd: bigint): readonly (number | bigint)[] {
    const v = this.queueVals;
    v[0] = cpu;
    v[1] = callsite;
    v[2] = func;
    v[3] = csd;
    return v;
  }

  /** csd_function_entry/exit's values: func, csd. */
  private funcValues(func: bigint, csd: bigint): readonly bigint[] {
    const v = this.funcVals;
    v[0] = func;
    v[1] = csd;
    return v;
  }

  /**
   * llist_add() onto the target's call_single_queue: true when it was empty
   * at that time (an IPI is needed; the caller then says when its handler
   * will run, with sent()).
   */
  private enqueue(target: number, call: QueuedCall): boolean {
    const c = this.m.cpus[target];
    c.csq.push(call);
    return c.csqUntil <= call.at;
  }

  /** An IPI to `target` arrives at t: its handler takes the queue when the CPU lets it. */
  private sent(target: number, t: number, vector: number): number {
    const c = this.m.cpus[target];
    const start = c.freeAt(t);
    c.csqUntil = start;
    this.handler(target, t, vector);
    return start;
  }

  /**
   * smp_call_function_many_cond() from `cpu` in process context (the
   * on_each_cpu_cond_mask() of text_poke_bp_batch, flush_tlb_kernel_range,
   * flush_tlb_all), v6.4 and v6.18 alike in what it does:
   * - cond_func: with the series, ct_set_cpu_work() on every isolated target
   *   (a cmpxchg on its context-tracking word); a target in user space gets
   *   the work deferred and is cleared from cfd->cpumask.
   * - each remaining target gets its csd queued (6.6+: trace_csd_queue_cpu);
   *   those whose queue was empty go in cfd->cpumask_ipi.
   * - 6.4/6.5 only: trace_ipi_send_cpumask(cfd->cpumask, _RET_IP_, func) once.
   * - one target: send_call_function_single_ipi() (ipi_send_cpu), several:
   *   send_call_function_ipi_mask() (ipi_send_cpumask), both traced with
   *   generic_smp_call_function_single_interrupt since 5c3124975e15 (6.4).
   * - run_local: func on the sender with irqs off (6.6+: csd_function_entry/exit, csd NULL).
   * - SCF_WAIT: csd_lock_wait() on every queued target's csd.
   * Returns when the sender is done. Runs with preemption disabled
   * (on_each_cpu_cond_mask's preempt_disable() and smp's get_cpu()): depth 2.
   */
  many(cpu: number, t: number, targets: readonly number[], spec: CallSpec, local: boolean): number {
    const m = this.m;
    const tp = m.tp;
    const k = m.kernel;
    const callsite = this.a(spec.callsite);
    const func = this.a(spec.func);
    let now = t;
    const queued: number[] = [];
    const ipi: number[] = [];
    for (const c of targets) {
      if (c === cpu) continue;
      const d = m.tryDefer(c, now, spec.kind);
      if (d !== DEFER_NOT_TRIED) now += m.s.hw.line_transfer_ns;
      if (d === DEFER_DONE) continue;
      queued.push(c);
      const csd = this.csd(cpu, c);
      if (k.csdEvents) m.emit(tp.csd_queue_cpu, cpu, now, 0, 2, this.queuedValues(c, callsite, func, csd), this.beside('csd_queue_cpu+0x8e', spec));
      if (this.enqueue(c, { func, csd, cost: spec.cost, at: now })) ipi.push(c);
      now += CSD_QUEUE_NS;
    }
    if (k.callTracedAsIpi && queued.length && tp.ipi_send_cpumask.on) m.emit(tp.ipi_send_cpumask, cpu, now, 0, 2, this.send(this.mask(queued), callsite, func), spec.stack);
    if (ipi.length === 1) m.emit(tp.ipi_send_cpu, cpu, now, 0, 2, this.send(ipi[0], callsite, this.generic), this.beside('ipi_send_cpu+0x88', spec));
    else if (ipi.length > 1 && tp.ipi_send_cpumask.on) m.emit(tp.ipi_send_cpumask, cpu, now, 0, 2, this.send(this.mask(ipi), callsite, this.generic), spec.stack);
    now += 100 + ICR_WRITE_NS * ipi.length;
    const vector = ipi.length === 1 ? CALL_FUNCTION_SINGLE_VECTOR : CALL_FUNCTION_VECTOR;
    let done = now;
    for (const c of ipi) {
      // csd_lock_wait(): the target runs our function once it takes the interrupt; what it is
      // doing now (always-on work, a syscall) is known, what the load does there is not waited for
      const start = this.sent(c, now + 600 + this.lat.int(900), vector);
      const end = start + HANDLER_IN_NS + spec.cost + HANDLER_OUT_NS;
      if (end > done) done = end;
    }
    if (local) {
      if (k.csdEvents) m.emit(tp.csd_function_entry, cpu, now, IRQS_OFF, 2, this.funcValues(func, 0n), this.beside('csd_function+0x6c', spec));
      now += spec.cost;
      if (k.csdEvents) m.emit(tp.csd_function_exit, cpu, now, IRQS_OFF, 2, this.funcValues(func, 0n), this.beside('csd_function+0x6c', spec));
    }
    return Math.max(now, done) + 100;
  }

  /**
   * __smp_call_single_queue() for a remote wakeup (ttwu_queue_wakelist()):
   * 6.4 traces ipi_send_cpu with sched_ttwu_pending, 6.6+ csd_queue_cpu;
   * then, if the queue was empty, the IPI traced with generic_... Called
   * under p->pi_lock with irqs off (the real 6.18 `d..2.`).
   */
  wakelist(cpu: number, t: number, target: number, csd: bigint, onArrive: (t: number) => number): number {
    const m = this.m;
    const tp = m.tp;
    const callsite = this.wakelistSite;
    const func = this.ttwuPending;
    if (m.kernel.csdEvents) m.emit(tp.csd_queue_cpu, cpu, t, IRQS_OFF, 2, this.queuedValues(target, callsite, func, csd), m.siteStack('wakelist_queue', cpu));
    else m.emit(tp.ipi_send_cpu, cpu, t, IRQS_OFF, 2, this.send(target, callsite, func), m.siteStack('wakelist_ipi', cpu));
    if (this.enqueue(target, { func, csd, cost: 300, then: onArrive, at: t })) {
      m.emit(tp.ipi_send_cpu, cpu, t + 60, IRQS_OFF, 2, this.send(target, callsite, this.generic), m.siteStack('wakelist_ipi', cpu));
      this.sent(target, t + 800 + this.latLoad.int(700), CALL_FUNCTION_SINGLE_VECTOR);
    }
    return t + 400;
  }

  /** The receive side of an IPI sent to `cpu`, arriving at t. */
  private handler(cpu: number, t: number, vector: number): void {
    const m = this.m;
    const episode = vector === CALL_FUNCTION_SINGLE_VECTOR ? this.singleHandler : this.maskHandler;
    if (m.cpus[cpu].isolated) m.onCpu(cpu, t, episode);
    else m.onLoad(cpu, t, HANDLER_BOUND, episode);
  }

  /**
   * sysvec_call_function[_single] -> __flush_smp_call_function_queue(): takes
   * everything queued by t0 (llist_del_all()) and runs it; a kernel entry if
   * the CPU was in user space. Preemption depth is that of the interrupted
   * context; a wakeup inside sets need-resched.
   */
  private flush(t0: number, cpu: number, vector: number): number {
    const m = this.m;
    const tp = m.tp;
    const c = m.cpus[cpu];
    let now = m.kernelEntry(cpu, t0);
    c.stats.ipisReceived++;
    const single = vector === CALL_FUNCTION_SINGLE_VECTOR;
    const depth = m.depth(cpu);
    let f = IRQS_OFF | HARDIRQ;
    const v = this.vec;
    v[0] = vector;
    m.emit(single ? tp.call_function_single_entry : tp.call_function_entry, cpu, now, f, depth, v);
    now += HANDLER_IN_NS;
    const chain = m.siteStack(single ? 'csd_function_single' : 'csd_function_multi', cpu);
    for (const q of c.csq) {
      if (q.at > t0) continue;
      if (m.kernel.csdEvents) m.emit(tp.csd_function_entry, cpu, now, f, depth, this.funcValues(q.func, q.csd), chain);
      now += q.cost;
      if (q.then) {
        now = q.then(now);
        f |= NEED_RESCHED;
      }
      if (m.kernel.csdEvents) m.emit(tp.csd_function_exit, cpu, now, f, depth, this.funcValues(q.func, q.csd), chain);
    }
    // what was queued after t0 stays for the next handler
    let keep = 0;
    for (const q of c.csq) if (q.at > t0) c.csq[keep++] = q;
    c.csq.length = keep;
    now += HANDLER_OUT_NS;
    m.emit(single ? tp.call_function_single_exit : tp.call_function_exit, cpu, now, f, depth, v);
    now += IRQ_RETURN_NS;
    return m.kernelExit(cpu, t0, now);
  }

  /**
   * A reschedule IPI: resched_curr() inlined into the wakeup's preemption
   * check (smp_send_reschedule(): trace_ipi_send_cpu(cpu, _RET_IP_, NULL),
   * callback 0x0), sent under the runqueue lock (`d..2.`); need-resched is
   * set on the target before, so its handler shows `dNh`.
   */
  resched(cpu: number, t: number, target: number): number {
    const m = this.m;
    m.emit(m.tp.ipi_send_cpu, cpu, t, IRQS_OFF, 2, this.send(target, this.preemptSite, 0n), m.siteStack('resched_ipi', cpu));
    const at = t + 700 + this.latLoad.int(600);
    if (m.cpus[target].isolated) m.onCpu(target, at, this.reschedHandler);
    else m.onLoad(target, at, HANDLER_BOUND, this.reschedHandler);
    return t + 200;
  }

  /** sysvec_reschedule_ipi on the target. */
  private readonly reschedHandler = (t0: number, cpu: number): number => {
    const m = this.m;
    const tp = m.tp;
    let now = m.kernelEntry(cpu, t0);
    m.cpus[cpu].stats.ipisReceived++;
    const f = IRQS_OFF | HARDIRQ | NEED_RESCHED;
    const depth = m.depth(cpu);
    m.emit(tp.reschedule_entry, cpu, now, f, depth, this.reschedVec);
    now += 300;
    m.emit(tp.reschedule_exit, cpu, now, f, depth, this.reschedVec);
    now += 200;
    return m.kernelExit(cpu, t0, now);
  };
}

/** The longest an IPI handler on a housekeeping CPU runs (its functions included). */
const HANDLER_BOUND = 20_000;
