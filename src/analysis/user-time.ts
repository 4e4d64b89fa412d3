import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import { DurationSketch } from './quantiles.ts';

/**
 * User time of nohz_full CPUs as context tracking traces it
 * (context_tracking:user_exit / user_enter, which only CPUs with
 * ct->active fire: the nohz_full ones), and what a syscall loop shows of
 * the kernel entry work no tracepoint sees.
 *
 * The entry code runs before the first tracepoint of an entry: 6.18
 * enter_from_user_mode() -> __ct_user_exit() does ct_kernel_enter() (an
 * atomic on the context-tracking word; with the IPI-deferral series also the
 * deferred work, ct_work_flush(), noinstr) and only then trace_user_exit();
 * on the way out trace_user_enter() comes before ct_kernel_exit(). So that
 * time lands in the user spans. For a task looping on the same user work and
 * a syscall, every iteration's user time (its user spans from one syscall's
 * user_enter to the next syscall's user_exit) is the work plus that hidden
 * entry and exit code: the fastest iteration is the baseline, and what the
 * others take beyond it is untraced kernel time (interrupts' entry and exit
 * code, deferred work run on entry), measured from events alone.
 */
export interface CpuUserTime {
  cpu: number;
  /** user_exit events: entries from user space (syscalls, interrupts, exceptions). */
  entries: number;
  /** Of them, entries for a syscall (a sys_enter follows); the rest are interrupts and exceptions. */
  syscallEntries: number;
  /** Time between user_enter and the next user_exit, summed (complete spans only). */
  userNs: number;
  /** User time of each complete loop iteration (needs raw_syscalls:sys_enter too). */
  iterations: DurationSketch;
  /** Interrupt and exception entries inside the complete iterations. */
  irqEntriesInIterations: number;
  /** What the iterations took beyond the fastest one, summed; null without iterations. */
  excessNs: number | null;
}

export interface UserTimeSummary {
  /** Whether the trace has context-tracking events (null figures otherwise). */
  recorded: boolean;
  perCpu: CpuUserTime[];
}

interface State {
  out: CpuUserTime;
  /** Last user_enter (-1: not known to be in user space). */
  since: number;
  /** A user_exit whose kind (syscall or not) the next event on the CPU tells, and the span it closed. */
  pendingSpan: number;
  /** The iteration in progress: its user time so far (-1: none), and its interrupt entries. */
  iterNs: number;
  iterIrqs: number;
  /** The last syscall entry was seen: the next user_enter starts an iteration. */
  startNext: boolean;
}

const ENTER = 1;
const EXIT = 2;
const SYS_ENTER = 3;
/** A kernel_stack (-T) belongs to the event before it: it does not tell what a user_exit was for. */
const STACK = 4;

export class UserTimeCollector {
  private readonly roles: (number | undefined)[] = [];
  private readonly cpus = new Map<number, State>();
  recorded = false;

  constructor(measure: readonly number[]) {
    for (const cpu of measure) {
      this.cpus.set(cpu, {
        out: { cpu, entries: 0, syscallEntries: 0, userNs: 0, iterations: new DurationSketch(), irqEntriesInIterations: 0, excessNs: null },
        since: -1,
        pendingSpan: -1,
        iterNs: -1,
        iterIrqs: 0,
        startNext: false,
      });
    }
  }

  private role(ev: EventFormat): number {
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    r = 0;
    if (ev.system === 'context_tracking') r = ev.name === 'user_enter' ? ENTER : ev.name === 'user_exit' ? EXIT : 0;
    else if (ev.system === 'raw_syscalls' && ev.name === 'sys_enter') r = SYS_ENTER;
    else if (ev.system === 'ftrace' && ev.name === 'kernel_stack') r = STACK;
    this.roles[ev.id] = r;
    return r;
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    if (!ev) return;
    const s = this.cpus.get(b.cpu[i]);
    const r = this.role(ev);
    if (r === ENTER || r === EXIT) this.recorded = true;
    if (!s || r === STACK) return;
    const t = b.ts[i];
    if (s.pendingSpan >= 0) this.classify(s, r === SYS_ENTER);
    if (r === EXIT) {
      s.out.entries++;
      if (s.since >= 0) {
        s.out.userNs += t - s.since;
        s.pendingSpan = t - s.since;
      } else s.pendingSpan = 0;
      s.since = -1;
    } else if (r === ENTER) {
      s.since = t;
      if (s.startNext) {
        s.iterNs = 0;
        s.iterIrqs = 0;
        s.startNext = false;
      }
    }
  }

  /** The user_exit before this event was a syscall's (a sys_enter follows it) or an interrupt's. */
  private classify(s: State, syscall: boolean): void {
    const span = s.pendingSpan;
    s.pendingSpan = -1;
    if (s.iterNs >= 0) s.iterNs += span;
    if (syscall) {
      s.out.syscallEntries++;
      if (s.iterNs >= 0) {
        s.out.iterations.add(s.iterNs);
        s.out.irqEntriesInIterations += s.iterIrqs;
      }
      s.iterNs = -1;
      s.startNext = true;
    } else if (s.iterNs >= 0) s.iterIrqs++;
  }

  finish(): UserTimeSummary {
    const perCpu = [...this.cpus.values()].map((s) => {
      const it = s.out.iterations;
      const min = it.quantile(0);
      if (min !== null) s.out.excessNs = it.sumNs - it.count * min;
      return s.out;
    });
    return { recorded: this.recorded, perCpu };
  }
}
