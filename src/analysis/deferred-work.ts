import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { ipiTargetReader, readerCache, type FieldReader } from './field-values.ts';
import { DurationSketch } from './quantiles.ts';
import { GENERIC_CALLBACK, functionName } from './ipi-causality.ts';

/**
 * Work the IPI-deferral series kept from isolated CPUs, read from a trace.
 * The series leaves no event of its own: on_each_cpu_cond_mask()'s cond
 * function (the series' ct_set_cpu_work()) drops a CPU in user space from
 * the broadcast, so smp_call_function_many_cond() queues nothing to it, and
 * the work runs at its next kernel entry in ct_kernel_enter(), before
 * trace_user_exit(). What a trace shows is the hole: a broadcast queued to
 * every online CPU but some (6.6+: the csd_queue_cpu run of one sender,
 * function and callsite; 6.4/6.5: the ipi_send_cpumask that traces the
 * queued mask with the function as callback), and that CPU's next
 * context_tracking:user_exit. A CPU left out while in user space (its last
 * context-tracking event a user_enter) had its work deferred; the time to
 * that user_exit is how long the work waited.
 *
 * v6.4/v6.5 trace the mask once the loop is done, so a CPU that entered the
 * kernel while the sender was still trying the others counts as skipped but
 * not deferred there; 6.6+'s csd_queue_cpu run starts with the first try.
 *
 * Only broadcasts from on_each_cpu_cond_mask() count: other senders aim at
 * a chosen mask (an mm's CPUs, one wakee) and leave CPUs out by design. The
 * CPUs queued to must be recorded unfiltered: a filter to isolated targets
 * hides a broadcast that skipped them all.
 */
export interface CpuDeferredWork {
  cpu: number;
  /** Broadcasts that left this CPU out. */
  skipped: number;
  /** Of those, while it was in user space: deferred (needs context_tracking events). */
  deferred: number;
  /** Skip to the CPU's next user_exit, where the deferred work ran. */
  latency: DurationSketch;
  /** Deferred work still waiting when the trace ends. */
  pending: number;
  /** By function. */
  byFunction: Map<string, number>;
}

export interface DeferredWorkSummary {
  /** Broadcasts seen (whole-machine csd_queue_cpu runs, or v6.4's function traces). */
  broadcasts: number;
  /** Whether the user/kernel state of the CPUs is known (context_tracking events). */
  userState: boolean;
  perCpu: CpuDeferredWork[];
}

/** A broadcast's queue trace (csd_queue_cpu) longer apart than this from the last is a new broadcast. */
const GROUP_GAP_NS = 50_000;
const BROADCASTER = /^on_each_cpu_cond_mask\b/;

type Role = { kind: 'queue'; cpu: FieldReader | undefined; func: FieldReader | undefined; callsite: FieldReader | undefined } | { kind: 'mask'; targets: (b: EventBatch, i: number) => number[]; callback: FieldReader | undefined; callsite: FieldReader | undefined } | { kind: 'enter' } | { kind: 'exit' } | null;

/** A measured CPU: what context tracking last said of it, and the deferred work waiting for its next entry. */
interface CpuState {
  out: CpuDeferredWork;
  inUser: boolean;
  /** user_exits seen, the time of the last, and of the last user_enter (-1: none). */
  exits: number;
  lastExit: number;
  lastEnter: number;
  /** Times of the skips whose work waits for the next user_exit. */
  waiting: number[];
}

interface Group {
  t: number;
  last: number;
  func: string;
  callsite: string;
  queued: Set<number>;
  /** Per measured CPU (by its order): in user space when the broadcast began, and its user_exits by then (-1: in the kernel). */
  exitsAt: Int32Array;
}

export class DeferredWorkCollector {
  private readonly roles: (Role | undefined)[] = [];
  private readonly field: ReturnType<typeof readerCache>;
  private readonly cpus = new Map<number, CpuState>();
  private readonly order: CpuState[] = [];
  /** The broadcast each sender is queueing. */
  private readonly open = new Map<number, Group>();
  private broadcasts = 0;
  private sawUserState = false;
  private readonly nrCpus: number;

  constructor(private readonly trace: Trace, measure: readonly number[]) {
    this.field = readerCache(trace);
    this.nrCpus = trace.cpus;
    for (const cpu of measure) {
      const st: CpuState = { out: { cpu, skipped: 0, deferred: 0, latency: new DurationSketch(), pending: 0, byFunction: new Map() }, inUser: false, exits: 0, lastExit: 0, lastEnter: -1, waiting: [] };
      this.cpus.set(cpu, st);
      this.order.push(st);
    }
  }

  /** A broadcast begins at t: what the measured CPUs are doing then decides which skips are deferrals. */
  private group(t: number, func: string, callsite: string, queued: Set<number>): Group {
    const exitsAt = new Int32Array(this.order.length);
    this.order.forEach((st, k) => (exitsAt[k] = st.inUser ? st.exits : -1));
    return { t, last: t, func, callsite, queued, exitsAt };
  }

  private role(ev: EventFormat): Role {
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    const f = (n: string) => this.field(n)(ev);
    r = null;
    if (ev.system === 'csd' && ev.name === 'csd_queue_cpu') r = { kind: 'queue', cpu: f('cpu'), func: f('func'), callsite: f('callsite') };
    else if (ev.system === 'ipi' && ev.name === 'ipi_send_cpumask' && !this.trace.formats.find('csd_queue_cpu', 'csd').length) {
      // v6.4/v6.5 trace the queued mask with the function itself (no csd events there)
      const targets = ipiTargetReader(this.trace, ev);
      if (targets) r = { kind: 'mask', targets, callback: f('callback'), callsite: f('callsite') };
    } else if (ev.system === 'context_tracking') r = ev.name === 'user_enter' ? { kind: 'enter' } : ev.name === 'user_exit' ? { kind: 'exit' } : null;
    this.roles[ev.id] = r;
    return r;
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    if (!ev) return;
    const cpu = b.cpu[i];
    const t = b.ts[i];
    const r = this.role(ev);
    const g = this.open.get(cpu);
    // a sender's broadcast ends with its first other event
    if (g && (r?.kind !== 'queue' || t - g.last > GROUP_GAP_NS)) this.close(cpu, g);
    if (!r) return;
    switch (r.kind) {
      case 'queue': {
        const callsite = String(r.callsite?.read(b, i) ?? '');
        if (!BROADCASTER.test(callsite)) return;
        const func = functionName(String(r.func?.read(b, i) ?? '?'));
        const target = Number(r.cpu?.read(b, i) ?? -1);
        let open = this.open.get(cpu);
        if (open && (open.func !== func || open.callsite !== callsite)) {
          this.close(cpu, open);
          open = undefined;
        }
        if (!open) this.open.set(cpu, (open = this.group(t, func, callsite, new Set())));
        open.queued.add(target);
        open.last = t;
        return;
      }
      case 'mask': {
        const callsite = String(r.callsite?.read(b, i) ?? '');
        const cb = String(r.callback?.read(b, i) ?? '');
        if (!BROADCASTER.test(callsite) || GENERIC_CALLBACK.test(cb) || cb === '0x0') return;
        this.skips(cpu, this.group(t, functionName(cb), callsite, new Set(r.targets(b, i))));
        return;
      }
      case 'enter': {
        this.sawUserState = true;
        const st = this.cpus.get(cpu);
        if (!st) return;
        st.inUser = true;
        st.lastEnter = t;
        return;
      }
      case 'exit': {
        this.sawUserState = true;
        const st = this.cpus.get(cpu);
        if (!st) return;
        st.inUser = false;
        st.exits++;
        st.lastExit = t;
        for (const at of st.waiting) st.out.latency.add(t - at);
        st.waiting.length = 0;
        return;
      }
    }
  }

  private close(cpu: number, g: Group): void {
    this.open.delete(cpu);
    this.skips(cpu, g);
  }

  /** A broadcast from `sender` queued to g.queued: the measured CPUs it left out. */
  private skips(sender: number, g: Group): void {
    this.broadcasts++;
    this.order.forEach((st, k) => {
      const cpu = st.out.cpu;
      if (cpu === sender || cpu >= this.nrCpus || g.queued.has(cpu)) return;
      const s = st.out;
      s.skipped++;
      // the sender tries each CPU in turn: one that came back to user space before its turn was deferred too
      if (g.exitsAt[k] < 0 && !(st.lastEnter >= g.t)) return;
      s.deferred++;
      s.byFunction.set(g.func, (s.byFunction.get(g.func) ?? 0) + 1);
      // the CPU may have entered the kernel while the sender was still queueing: that entry ran it
      if (g.exitsAt[k] >= 0 && st.exits > g.exitsAt[k]) s.latency.add(st.lastExit - g.t);
      else if (st.inUser) st.waiting.push(g.t);
      else s.latency.add(st.lastExit - g.t);
    });
  }

  finish(): DeferredWorkSummary {
    for (const [cpu, g] of [...this.open]) this.close(cpu, g);
    for (const st of this.order) st.out.pending = st.waiting.length;
    return { broadcasts: this.broadcasts, userState: this.sawUserState, perCpu: this.order.map((st) => st.out) };
  }
}
