import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { ipiTargetReader, readerCache, type FieldReader } from './field-values.ts';
import { DurationSketch } from './quantiles.ts';

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
const GENERIC = /^generic_smp_call_function(_single)?_interrupt\b/;

type Role = { kind: 'queue'; cpu: FieldReader | undefined; func: FieldReader | undefined; callsite: FieldReader | undefined } | { kind: 'mask'; targets: (b: EventBatch, i: number) => number[]; callback: FieldReader | undefined; callsite: FieldReader | undefined } | { kind: 'enter' } | { kind: 'exit' } | null;

interface Group {
  t: number;
  last: number;
  func: string;
  callsite: string;
  queued: Set<number>;
  /** The measured CPUs in user space when the broadcast began, and how many user_exits each had shown by then. */
  inUser: Set<number>;
  exitsAt: Map<number, number>;
}

export class DeferredWorkCollector {
  private readonly roles: (Role | undefined)[] = [];
  private readonly field: ReturnType<typeof readerCache>;
  private readonly cpus = new Map<number, CpuDeferredWork>();
  /** Per CPU: 1 in user space, 0 in the kernel, -1 unknown (context tracking). */
  private readonly user: number[] = [];
  /** Per measured CPU: user_exits seen, the time of the last, and of the last user_enter. */
  private readonly exits = new Map<number, { n: number; last: number; enter: number }>();
  /** Per measured CPU: deferred work waiting for its next user_exit (times of the skips). */
  private readonly waiting = new Map<number, number[]>();
  /** The broadcast each sender is queueing. */
  private readonly open = new Map<number, Group>();
  private broadcasts = 0;
  private sawUserState = false;
  private readonly nrCpus: number;

  constructor(private readonly trace: Trace, measure: readonly number[]) {
    this.field = readerCache(trace);
    this.nrCpus = trace.cpus;
    for (const cpu of measure) {
      this.cpus.set(cpu, { cpu, skipped: 0, deferred: 0, latency: new DurationSketch(), pending: 0, byFunction: new Map() });
      this.waiting.set(cpu, []);
      this.exits.set(cpu, { n: 0, last: 0, enter: -1 });
    }
  }

  /** A broadcast begins at t: what the measured CPUs are doing decides which skips are deferrals. */
  private group(t: number, func: string, callsite: string, queued: Set<number>): Group {
    const inUser = new Set<number>();
    const exitsAt = new Map<number, number>();
    for (const [cpu, x] of this.exits) {
      if (this.user[cpu] === 1) inUser.add(cpu);
      exitsAt.set(cpu, x.n);
    }
    return { t, last: t, func, callsite, queued, inUser, exitsAt };
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
        const func = baseName(String(r.func?.read(b, i) ?? '?'));
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
        if (!BROADCASTER.test(callsite) || GENERIC.test(cb) || cb === '0x0') return;
        this.skips(cpu, this.group(t, baseName(cb), callsite, new Set(r.targets(b, i))));
        return;
      }
      case 'enter': {
        this.sawUserState = true;
        this.user[cpu] = 1;
        const x = this.exits.get(cpu);
        if (x) x.enter = t;
        return;
      }
      case 'exit': {
        this.sawUserState = true;
        this.user[cpu] = 0;
        const x = this.exits.get(cpu);
        if (x) {
          x.n++;
          x.last = t;
        }
        const w = this.waiting.get(cpu);
        if (w?.length) {
          const s = this.cpus.get(cpu)!;
          for (const at of w) s.latency.add(t - at);
          w.length = 0;
        }
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
    for (const [cpu, s] of this.cpus) {
      if (cpu === sender || cpu >= this.nrCpus || g.queued.has(cpu)) continue;
      s.skipped++;
      // the sender tries each CPU in turn: one that came back to user space before its turn was deferred too
      if (!g.inUser.has(cpu) && !(this.exits.get(cpu)!.enter >= g.t)) continue;
      s.deferred++;
      s.byFunction.set(g.func, (s.byFunction.get(g.func) ?? 0) + 1);
      // the CPU may have entered the kernel while the sender was still queueing: that entry ran it
      const x = this.exits.get(cpu)!;
      if (x.n > g.exitsAt.get(cpu)!) s.latency.add(x.last - g.t);
      else this.waiting.get(cpu)!.push(g.t);
    }
  }

  finish(): DeferredWorkSummary {
    for (const [cpu, g] of [...this.open]) this.close(cpu, g);
    for (const [cpu, w] of this.waiting) this.cpus.get(cpu)!.pending = w.length;
    return { broadcasts: this.broadcasts, userState: this.sawUserState, perCpu: [...this.cpus.values()] };
  }
}

/** "do_sync_core+0x0" -> "do_sync_core". */
function baseName(f: string): string {
  const k = f.indexOf('+');
  return k < 0 ? f : f.slice(0, k);
}
