import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { bump } from './counts.ts';
import { readerCache, type FieldReader } from './field-values.ts';

/**
 * Work aimed at a CPU that is not an IPI (what rt-trace-bcc shows for
 * isolated CPUs): timers armed on its base, hrtimers armed on it, work queued
 * to its per-CPU workqueue pool. Each is interference to come (the timer
 * fires there, the kworker runs there) whoever queued it.
 */
export type WorkKind = 'timer' | 'hrtimer' | 'workqueue';
export const WORK_KINDS: readonly WorkKind[] = ['timer', 'hrtimer', 'workqueue'];

/** The events each kind needs. */
export const WORK_EVENTS: Record<WorkKind, string> = { timer: 'timer:timer_start', hrtimer: 'timer:hrtimer_start', workqueue: 'workqueue:workqueue_queue_work' };

export interface QueuedWork {
  kind: WorkKind;
  function: string;
  count: number;
  /** Target CPUs, sender CPUs and comms, with counts. */
  targets: Map<number, number>;
  senders: Map<string, number>;
  /** kernel_stack after the event, when recorded (-T). */
  chains: Map<string, number>;
}

export interface QueuedWorkSummary {
  recorded: Record<WorkKind, boolean>;
  /** By kind and function, most first. */
  work: QueuedWork[];
  /** Per chosen CPU: work queued to it, by kind. */
  perCpu: Map<number, Record<WorkKind, number>>;
}

/**
 * kernel/time/timer.c: a timer's CPU is its base, `flags & TIMER_CPUMASK`
 * (0x3ffff), which timer_start prints as cpu=; an hrtimer is traced when
 * enqueued on the base of the CPU the event is on (hrtimer_start_range_ns);
 * workqueue_queue_work's cpu is the pool the work went to (WORK_CPU_UNBOUND,
 * and anything beyond the trace's CPUs, is no CPU).
 */
const TIMER_CPUMASK = 0x3ffff;

type Role = { kind: WorkKind; cpu: ((b: EventBatch, i: number) => number) | null; fn: FieldReader | undefined } | null;

export class QueuedWorkCollector {
  /** By event id: undefined until decided, null for events of no interest. */
  private readonly roles: (Role | undefined)[] = [];
  private readonly field: ReturnType<typeof readerCache>;
  private readonly work = new Map<string, QueuedWork>();
  private readonly perCpu = new Map<number, Record<WorkKind, number>>();
  readonly recorded: Record<WorkKind, boolean> = { timer: false, hrtimer: false, workqueue: false };
  /** The work the event visited last queued, for the kernel_stack that follows it. */
  private readonly last: (QueuedWork | undefined)[] = [];

  constructor(private readonly trace: Trace, private readonly want: (cpu: number) => boolean) {
    this.field = readerCache(trace);
  }

  private role(ev: EventFormat): Role {
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    r = null;
    const f = (n: string) => this.field(n)(ev);
    if (ev.system === 'timer' && ev.name === 'timer_start') {
      const flags = f('flags');
      r = { kind: 'timer', fn: f('function'), cpu: flags ? (b, i) => Number(flags.read(b, i) ?? -1) & TIMER_CPUMASK : null };
    } else if (ev.system === 'timer' && ev.name === 'hrtimer_start') r = { kind: 'hrtimer', fn: f('function'), cpu: (b, i) => b.cpu[i] };
    else if (ev.system === 'workqueue' && ev.name === 'workqueue_queue_work') {
      const cpu = f('cpu');
      r = { kind: 'workqueue', fn: f('function'), cpu: cpu ? (b, i) => Number(cpu.read(b, i) ?? -1) : null };
    }
    this.roles[ev.id] = r;
    return r;
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined, chain: (() => string) | null): void {
    if (!ev) return;
    const c = b.cpu[i];
    if (chain && ev.system === 'ftrace' && ev.name === 'kernel_stack') {
      const w = this.last[c];
      if (w) {
        const k = chain();
        bump(w.chains, k);
      }
    }
    if (this.last[c]) this.last[c] = undefined;
    const r = this.role(ev);
    if (!r) return;
    this.recorded[r.kind] = true;
    const target = r.cpu ? r.cpu(b, i) : -1;
    if (target < 0 || target >= Math.max(this.trace.cpus, 1) || !this.want(target)) return;
    const fn = String(r.fn?.read(b, i) ?? '?').replace(/\+0x0$/, '');
    const key = `${r.kind}\u0000${fn}`;
    let w = this.work.get(key);
    if (!w) this.work.set(key, (w = { kind: r.kind, function: fn, count: 0, targets: new Map(), senders: new Map(), chains: new Map() }));
    w.count++;
    bump(w.targets, target);
    bump(w.senders, `${this.trace.comms.get(b.pid[i])} on CPU ${c}`);
    let p = this.perCpu.get(target);
    if (!p) this.perCpu.set(target, (p = { timer: 0, hrtimer: 0, workqueue: 0 }));
    p[r.kind]++;
    this.last[c] = w;
  }

  finish(): QueuedWorkSummary {
    const work = [...this.work.values()].sort((a, b) => b.count - a.count || (a.kind + a.function < b.kind + b.function ? -1 : 1));
    return { recorded: this.recorded, work, perCpu: this.perCpu };
  }
}
