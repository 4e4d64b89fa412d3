import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { BLOCK, BlockStore, type Column } from './block-columns.ts';
import { readerCache, type FieldReader } from './field-values.ts';
import { Columns, type ColumnsReport } from './columns.ts';
import { usOrNull } from './counts.ts';
import { DurationSketch } from './quantiles.ts';
import { scan, type ScanInfo, type Selection } from './scan.ts';

/**
 * What takes a CPU away from its task, in rtla osnoise's classes (NMI, IRQ,
 * softirq, thread) plus the task's own kernel entries (syscalls; page faults,
 * which x86's exceptions events show without an end, so counted, not timed).
 */
export const NOISE_CLASSES = ['nmi', 'irq', 'softirq', 'thread', 'syscall', 'fault'] as const;
export type NoiseClass = (typeof NOISE_CLASSES)[number];

/** The events each class needs, for the "not recorded" notes. */
export const NOISE_EVENTS: Record<NoiseClass, string> = {
  nmi: '-e nmi:nmi_handler',
  irq: '-e irq_vectors -e irq:irq_handler_entry -e irq:irq_handler_exit',
  softirq: '-e irq:softirq_entry -e irq:softirq_exit',
  thread: '-e sched:sched_switch',
  syscall: '-e raw_syscalls',
  fault: '-e exceptions',
};

export interface NoiseOptions extends Selection {
  /** The CPUs to measure (default: every CPU with events). */
  measure?: readonly number[];
  /**
   * The task each CPU is there for: a pid or a comm. Default: the task that
   * ran longest on that CPU (idle included, so on an idle isolated CPU every
   * task that runs is noise).
   */
  task?: string;
  /**
   * Pieces this close (ns) are one interruption: an irq_exit() that runs
   * softirqs, or a wakeup's switch right after the irq, never gives the CPU
   * back to the task in between. Default 2000.
   */
  mergeGapNs?: number;
  /** Keep every interruption (start and duration, ns) in `CpuNoise.episodes`. */
  episodes?: boolean;
  /**
   * Bytes of noise pieces and task runs held in memory (default 64 MiB); the
   * rest wait in a temporary file for the end of the trace, when each CPU's
   * resident task says which of them are noise.
   */
  memoryBudgetBytes?: number;
}

export interface ClassNoise {
  count: number;
  /** Net of what nested inside (an irq inside a softirq counts as irq). */
  ns: number;
  maxNs: number;
}

export interface CpuNoise {
  cpu: number;
  /** The task the CPU is there for, as "comm-pid" (null: no sched_switch recorded). */
  resident: string | null;
  windowNs: number;
  /** Interruptions (merged pieces), their total and longest; null when no class was recorded. */
  interruptions: number | null;
  noiseNs: number | null;
  maxNoiseNs: number | null;
  /** The longest stretch between interruptions (from the trace's start and to its end). */
  longestQuietNs: number | null;
  /** Per class; null when the trace has none of the class's events. */
  classes: Record<NoiseClass, ClassNoise | null>;
  /** IRQ time by handler (local_timer, call_function_single, irq, ...) and softirqs by vector. */
  byHandler: Map<string, ClassNoise>;
  /**
   * Each interruption's start (trace-relative ns), duration, and what it was
   * made of (a mask of EPISODE_CLASSES' bits), with `episodes`.
   */
  episodes: { start: number[]; durationNs: number[]; classes: number[] } | null;
  /** The osnoise/timerlat tracer's own figures for this CPU, when the trace has its events. */
  kernel: KernelNoise | null;
}

/** The classes the osnoise tracer's own events report (include/trace/events/osnoise.h). */
export type KernelClass = 'nmi' | 'irq' | 'softirq' | 'thread';

/** ftrace:osnoise, the tracer's per-period sample (kernel/trace/trace_entries.h osnoise_entry). */
const SAMPLE_FIELDS = ['noise', 'runtime', 'max_sample', 'hw_count', 'nmi_count', 'irq_count', 'softirq_count', 'thread_count'] as const;

/**
 * What the kernel itself measured, when the trace holds the osnoise tracer's
 * events: osnoise:*_noise (one per interference, duration net of what nested
 * in it), ftrace:osnoise samples (what rtla osnoise top sums) and
 * ftrace:timerlat (timer latency by context: 0 irq, 1 thread).
 */
export interface KernelNoise {
  classes: Record<KernelClass, ClassNoise> | null;
  samples: { count: number; runtimeNs: number; noiseNs: number; maxSampleNs: number; hw: number; nmi: number; irq: number; softirq: number; thread: number } | null;
  timerlat: { irq: DurationSketch; thread: DurationSketch } | null;
}

export interface NoiseSummary {
  /** Which classes the trace holds events for. */
  recorded: Record<NoiseClass, boolean>;
  notes: string[];
  windowNs: number;
  mergeGapNs: number;
  perCpu: CpuNoise[];
}

const enum Cls {
  Irq = 0,
  Softirq = 1,
  Syscall = 2,
  Nmi = 3,
  /** Another task running (only in episode masks: runs are not pieces). */
  Thread = 4,
}

/** The classes an episode's mask names, by bit (1 << Cls). */
export const EPISODE_CLASSES = ['irq', 'softirq', 'syscall', 'nmi', 'thread'] as const;

/** An episode's mask as text: "irq+softirq". */
export function episodeClasses(mask: number): string {
  return EPISODE_CLASSES.filter((_, k) => mask & (1 << k)).join('+');
}

interface Frame {
  cls: Cls;
  start: number;
  child: number;
  label: string;
  /** A syscall frame resumed after a context switch, not a new entry. */
  resumed: boolean;
}

/** A piece's tag: its Cls, and this bit when it is a new entry (not a syscall resumed after a switch). */
const ENTRY = 8;

/**
 * Pieces of noise on one CPU: start, end, the irq-ish ns inside, the task's
 * pid, the class and whether it is a new entry (29 bytes a piece).
 */
class Pieces {
  readonly start: Column<Float64Array>;
  readonly end: Column<Float64Array>;
  readonly inner: Column<Float64Array>;
  readonly pid: Column<Int32Array>;
  /** cls | ENTRY */
  readonly tag: Column<Uint8Array>;
  /** Every column, for moving a piece back. */
  private readonly all: Column<Float64Array | Int32Array | Uint8Array>[];
  n = 0;
  private lastStart = -Infinity;
  constructor(store: BlockStore) {
    this.start = store.column((n) => new Float64Array(n));
    this.end = store.column((n) => new Float64Array(n));
    this.inner = store.column((n) => new Float64Array(n));
    this.pid = store.column((n) => new Int32Array(n));
    this.tag = store.column((n) => new Uint8Array(n));
    this.all = [this.start, this.end, this.inner, this.pid, this.tag] as Column<Float64Array | Int32Array | Uint8Array>[];
  }
  /**
   * Appends a piece, kept in start order: pieces close in order, but an NMI's
   * began before its event (its time less delta_ns), so it moves back past the
   * few that started since.
   */
  push(start: number, end: number, cls: number, pid: number, irqish: number, entry: boolean): void {
    let k = this.n++;
    const j = k & (BLOCK - 1);
    this.start.room(k)[j] = start;
    this.end.room(k)[j] = end;
    this.inner.room(k)[j] = irqish;
    this.pid.room(k)[j] = pid;
    this.tag.room(k)[j] = cls | (entry ? ENTRY : 0);
    if (start >= this.lastStart) {
      this.lastStart = start;
      return;
    }
    for (; k > 0 && this.start.at(k - 1) > start; k--) for (const c of this.all) swap(c, k - 1, k);
  }
}

function swap(c: Column<Float64Array | Int32Array | Uint8Array>, a: number, b: number): void {
  const x = c.at(a);
  c.set(a, c.at(b));
  c.set(b, x);
}

/** Runs of tasks other than idle on one CPU: start, end, pid (20 bytes a run), in time order. */
class Runs {
  readonly start: Column<Float64Array>;
  readonly end: Column<Float64Array>;
  readonly pid: Column<Int32Array>;
  n = 0;
  constructor(store: BlockStore) {
    this.start = store.column((n) => new Float64Array(n));
    this.end = store.column((n) => new Float64Array(n));
    this.pid = store.column((n) => new Int32Array(n));
  }
  push(start: number, end: number, pid: number): void {
    const k = this.n++;
    const j = k & (BLOCK - 1);
    this.start.room(k)[j] = start;
    this.end.room(k)[j] = end;
    this.pid.room(k)[j] = pid;
  }
}

interface CpuState {
  stack: Frame[];
  pid: number;
  runStart: number;
  /** The last time an event showed `pid` running. */
  lastSeen: number;
  runtime: Map<number, number>;
  pieces: Pieces;
  runs: Runs;
  byHandler: Map<string, ClassNoise>;
  counts: Record<'irq' | 'softirq' | 'nmi' | 'fault', ClassNoise>;
}

type Role =
  | { kind: 'in' | 'out'; cls: Cls; label: (b: EventBatch, i: number) => string }
  | { kind: 'nmi'; delta: FieldReader | undefined }
  | { kind: 'switch'; next: FieldReader | undefined }
  | { kind: 'fault' }
  | { kind: 'user' }
  | { kind: 'kernel'; cls: KernelClass; duration: FieldReader | undefined }
  | { kind: 'sample'; fields: Record<(typeof SAMPLE_FIELDS)[number], FieldReader | undefined> }
  | { kind: 'timerlat'; context: FieldReader | undefined; latency: FieldReader | undefined }
  | null;

/** include/trace/events/irq.h softirq_name[], by vec. */
const SOFTIRQ = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'];

/**
 * Noise per CPU the way rtla osnoise reports it, from the trace's own events:
 * every interruption an episode with a start and a duration (hard irqs and
 * IPI handlers from irq_vectors/irq/ipi, softirqs, NMIs, other tasks running,
 * the task's own syscalls), nested episodes accounted net of what they nest
 * (kernel/trace/trace_osnoise.c does the same with its interference
 * counters), and the longest quiet stretch between interruptions. A class the
 * trace has no events for is null, never 0.
 */
export function noiseColumns(trace: Trace, o: NoiseOptions = {}): ColumnsReport<NoiseSummary> {
  const c = new NoiseCollector(trace, o);
  const info = scan(trace, o, (b, i, ev) => c.visit(b, i, ev));
  return c.finish(info);
}

export class NoiseCollector {
  /** By event id: undefined until decided, null for events of no interest. */
  private readonly roles: (Role | undefined)[] = [];
  private readonly field: ReturnType<typeof readerCache>;
  private readonly cpus = new Map<number, CpuState>();
  private readonly inSyscall = new Set<number>();
  /** Tasks whose syscall events have been seen: only a task's first sys_exit can close a syscall entered before the trace. */
  private readonly syscallSeen = new Set<number>();
  readonly recorded: Record<NoiseClass, boolean> = { nmi: false, irq: false, softirq: false, thread: false, syscall: false, fault: false };
  private sawDeviceIrq = false;
  private readonly kernel = new Map<number, KernelNoise>();
  /** Events that showed another task than the last sched_switch put on their CPU. */
  private lostSwitches = 0;
  private sawVectors = false;
  private first = NaN;
  private readonly only: Set<number> | null;
  private readonly mergeGapNs: number;
  /** The pieces and runs of every CPU measured: past the budget, in a temporary file. */
  private readonly store: BlockStore;

  constructor(private readonly trace: Trace, private readonly o: NoiseOptions = {}) {
    this.field = readerCache(trace);
    this.store = new BlockStore(o.memoryBudgetBytes ?? 64 << 20);
    this.only = o.measure ? new Set(o.measure) : null;
    for (const c of o.measure ?? []) this.state(c);
    this.mergeGapNs = o.mergeGapNs ?? 2000;
  }

  private role(ev: EventFormat): Role {
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    r = null;
    const f = (n: string) => this.field(n)(ev);
    const name = ev.name;
    if (ev.system === 'irq_vectors' && (name.endsWith('_entry') || name.endsWith('_exit'))) {
      const label = name.slice(0, name.lastIndexOf('_'));
      r = { kind: name.endsWith('_entry') ? 'in' : 'out', cls: Cls.Irq, label: () => label };
    } else if (ev.system === 'irq' && (name === 'irq_handler_entry' || name === 'irq_handler_exit')) {
      const irq = f('irq');
      const dev = f('name');
      r = { kind: name === 'irq_handler_entry' ? 'in' : 'out', cls: Cls.Irq, label: (b, i) => `irq ${irq?.read(b, i) ?? '?'}${dev ? ' ' + dev.read(b, i) : ''}` };
    } else if (ev.system === 'ipi' && (name === 'ipi_entry' || name === 'ipi_exit')) {
      const reason = f('reason');
      r = { kind: name === 'ipi_entry' ? 'in' : 'out', cls: Cls.Irq, label: (b, i) => `ipi ${reason?.read(b, i) ?? '?'}` };
    } else if (ev.system === 'irq' && (name === 'softirq_entry' || name === 'softirq_exit')) {
      const vec = f('vec');
      r = { kind: name === 'softirq_entry' ? 'in' : 'out', cls: Cls.Softirq, label: (b, i) => `softirq ${SOFTIRQ[Number(vec?.read(b, i))] ?? vec?.read(b, i)}` };
    } else if (ev.system === 'raw_syscalls' && (name === 'sys_enter' || name === 'sys_exit')) r = { kind: name === 'sys_enter' ? 'in' : 'out', cls: Cls.Syscall, label: () => 'syscall' };
    else if (ev.system === 'nmi' && name === 'nmi_handler') r = { kind: 'nmi', delta: f('delta_ns') };
    else if (ev.system === 'sched' && name === 'sched_switch') r = { kind: 'switch', next: f('next_pid') };
    else if (ev.system === 'exceptions' && name.startsWith('page_fault')) r = { kind: 'fault' };
    else if (ev.system === 'context_tracking' && (name === 'user_exit' || name === 'user_enter')) r = { kind: 'user' };
    else if (ev.system === 'osnoise' && /^(irq|softirq|nmi|thread)_noise$/.test(name)) r = { kind: 'kernel', cls: name.slice(0, name.indexOf('_')) as KernelClass, duration: f('duration') };
    else if (ev.system === 'ftrace' && name === 'osnoise') r = { kind: 'sample', fields: Object.fromEntries(SAMPLE_FIELDS.map((k) => [k, f(k)])) as Record<(typeof SAMPLE_FIELDS)[number], FieldReader | undefined> };
    else if (ev.system === 'ftrace' && name === 'timerlat') r = { kind: 'timerlat', context: f('context'), latency: f('timer_latency') };
    this.roles[ev.id] = r;
    return r;
  }

  private state(cpu: number): CpuState {
    let s = this.cpus.get(cpu);
    if (!s) {
      const z = () => ({ count: 0, ns: 0, maxNs: 0 });
      this.cpus.set(cpu, (s = { stack: [], pid: -1, runStart: NaN, lastSeen: NaN, runtime: new Map(), pieces: new Pieces(this.store), runs: new Runs(this.store), byHandler: new Map(), counts: { irq: z(), softirq: z(), nmi: z(), fault: z() } }));
    }
    return s;
  }

  private account(s: CpuState, cls: 'irq' | 'softirq' | 'nmi', label: string, net: number): void {
    add(s.counts[cls], net);
    let h = s.byHandler.get(label);
    if (!h) s.byHandler.set(label, (h = { count: 0, ns: 0, maxNs: 0 }));
    add(h, net);
  }

  /** Closes the top frame at `t`; a frame closing an empty stack is a piece. */
  private close(s: CpuState, t: number): void {
    const f = s.stack.pop()!;
    const dur = Math.max(0, t - f.start);
    const net = Math.max(0, dur - f.child);
    if (f.cls === Cls.Irq) this.account(s, 'irq', f.label, net);
    else if (f.cls === Cls.Softirq) this.account(s, 'softirq', f.label, net);
    const parent = s.stack[s.stack.length - 1];
    if (parent) parent.child += dur;
    else s.pieces.push(f.start, t, f.cls, s.pid, f.cls === Cls.Syscall ? f.child : dur, !f.resumed);
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    const t = b.ts[i];
    if (Number.isNaN(this.first)) this.first = t;
    const r = ev ? this.role(ev) : null;
    const cpu = b.cpu[i];
    // every event says which task runs on its CPU, whether or not it is a noise event
    if (!this.only || this.only.has(cpu)) this.follow(b, i, t, r);
    if (!r) return;
    switch (r.kind) {
      case 'in':
      case 'out':
        if (r.cls === Cls.Irq) {
          this.recorded.irq = true;
          if (ev!.system === 'irq') this.sawDeviceIrq = true;
          else this.sawVectors = true;
        } else if (r.cls === Cls.Softirq) this.recorded.softirq = true;
        else this.recorded.syscall = true;
        break;
      case 'nmi':
        this.recorded.nmi = true;
        break;
      case 'switch':
        this.recorded.thread = true;
        break;
      case 'fault':
        this.recorded.fault = true;
        break;
      case 'kernel':
      case 'sample':
      case 'timerlat':
        if (!this.only || this.only.has(cpu)) this.kernelEvent(cpu, r, b, i);
        return;
      case 'user':
        // the task was in user space: no syscall of it began before the trace
        this.syscallSeen.add(b.pid[i]);
        return;
    }
    // a task's syscall state follows it across CPUs; its first syscall event may close one begun before the trace
    const sys = (r.kind === 'in' || r.kind === 'out') && r.cls === Cls.Syscall;
    const firstSyscallEvent = sys && !this.syscallSeen.has(b.pid[i]);
    if (sys) {
      this.syscallSeen.add(b.pid[i]);
      if (r.kind === 'in') this.inSyscall.add(b.pid[i]);
      else this.inSyscall.delete(b.pid[i]);
    }
    if (this.only && !this.only.has(cpu)) return;
    const s = this.state(cpu);
    switch (r.kind) {
      case 'in':
        s.stack.push({ cls: r.cls, start: t, child: 0, label: r.label(b, i), resumed: false });
        return;
      case 'out': {
        const k = findLast(s.stack, r.cls);
        if (k < 0) {
          // the task's first syscall event: entered before the trace began (or since it last ran here), no later than that.
          // Later, an exit without an entry is a syscall refused before trace_sys_enter() (seccomp, strict task isolation)
          if (firstSyscallEvent && !s.stack.length) s.pieces.push(Math.max(this.first, s.runStart), t, Cls.Syscall, s.pid, 0, false);
          return;
        }
        // frames above the match lost their exit (events dropped): close them here
        while (s.stack.length > k) this.close(s, t);
        return;
      }
      case 'nmi': {
        const d = Math.max(0, Number(r.delta?.read(b, i) ?? 0));
        this.account(s, 'nmi', 'nmi', d);
        const top = s.stack[s.stack.length - 1];
        if (top) top.child += d;
        else s.pieces.push(t - d, t, Cls.Nmi, s.pid, d, true);
        return;
      }
      case 'fault':
        add(s.counts.fault, 0);
        return;
      case 'switch': {
        const next = Number(r.next?.read(b, i) ?? -1);
        while (s.stack.length) this.close(s, t);
        this.endRun(s, s.pid, t);
        s.pid = next;
        s.runStart = t;
        if (this.inSyscall.has(next)) s.stack.push({ cls: Cls.Syscall, start: t, child: 0, label: 'syscall', resumed: true });
        return;
      }
    }
  }

  /** Tracks the running task from each event's common_pid. */
  private follow(b: EventBatch, i: number, t: number, r: Role): void {
    const s = this.state(b.cpu[i]);
    const pid = b.pid[i];
    if (s.pid < 0) {
      s.pid = pid;
      s.runStart = this.first;
    } else if (pid !== s.pid) {
      // an event of another task than the one switched in: a sched_switch is missing (real
      // traces lose some without a LOST mark); the run ends where it was last seen, so noise
      // is never invented, and the task shown runs from here
      this.lostSwitches++;
      while (s.stack.length) this.close(s, s.lastSeen);
      this.endRun(s, s.pid, s.lastSeen);
      s.pid = pid;
      s.runStart = t;
      if (this.inSyscall.has(pid) && !(r?.kind === 'out' && r.cls === Cls.Syscall)) s.stack.push({ cls: Cls.Syscall, start: t, child: 0, label: 'syscall', resumed: true });
    }
    s.lastSeen = t;
  }

  /** The kernel's own osnoise/timerlat figures for a CPU (rtla's source), kept beside what the trace shows. */
  private kernelEvent(cpu: number, r: Extract<Role, { kind: 'kernel' | 'sample' | 'timerlat' }>, b: EventBatch, i: number): void {
    let k = this.kernel.get(cpu);
    if (!k) this.kernel.set(cpu, (k = { classes: null, samples: null, timerlat: null }));
    const num = (x: FieldReader | undefined) => Math.max(0, Number(x?.read(b, i) ?? 0));
    if (r.kind === 'kernel') {
      k.classes ??= { nmi: zeroClass(), irq: zeroClass(), softirq: zeroClass(), thread: zeroClass() };
      add(k.classes[r.cls], num(r.duration));
    } else if (r.kind === 'sample') {
      const sm = (k.samples ??= { count: 0, runtimeNs: 0, noiseNs: 0, maxSampleNs: 0, hw: 0, nmi: 0, irq: 0, softirq: 0, thread: 0 });
      const v = (n: (typeof SAMPLE_FIELDS)[number]) => num(r.fields[n]);
      sm.count++;
      sm.runtimeNs += v('runtime');
      sm.noiseNs += v('noise');
      sm.maxSampleNs = Math.max(sm.maxSampleNs, v('max_sample'));
      sm.hw += v('hw_count');
      sm.nmi += v('nmi_count');
      sm.irq += v('irq_count');
      sm.softirq += v('softirq_count');
      sm.thread += v('thread_count');
    } else {
      const tl = (k.timerlat ??= { irq: new DurationSketch(), thread: new DurationSketch() });
      (num(r.context) === 0 ? tl.irq : tl.thread).add(num(r.latency));
    }
  }

  /**
   * Whether the CPU is in the kernel now (a syscall, irq or softirq open), as
   * far as the events so far show; null when the CPU is not measured.
   */
  inKernel(cpu: number): boolean | null {
    const s = this.cpus.get(cpu);
    return s ? s.stack.length > 0 : null;
  }

  private endRun(s: CpuState, pid: number, t: number): void {
    const start = Number.isNaN(s.runStart) ? this.first : s.runStart;
    if (t <= start) return;
    s.runtime.set(pid, (s.runtime.get(pid) ?? 0) + (t - start));
    if (pid !== 0) s.runs.push(start, t, pid);
  }

  finish(info: ScanInfo): ColumnsReport<NoiseSummary> {
    const first = info.first;
    const last = info.last;
    const windowNs = Number.isNaN(first) ? 0 : last - first;
    const perCpu: CpuNoise[] = [];
    try {
      for (const cpu of [...this.cpus.keys()].sort((a, b) => a - b)) {
        const s = this.cpus.get(cpu)!;
        while (s.stack.length) this.close(s, last);
        if (s.pid >= 0) this.endRun(s, s.pid, last);
        perCpu.push(this.cpuNoise(cpu, s, first, last, windowNs));
      }
    } finally {
      this.store.close();
    }
    const rec = this.recorded;
    const notes: string[] = [];
    const missing = NOISE_CLASSES.filter((k) => !rec[k] && k !== 'nmi' && k !== 'fault');
    if (missing.length) notes.push(`not recorded: ${missing.join(', ')} (n/a below); record ${missing.map((k) => NOISE_EVENTS[k]).join(' ')}`);
    if (rec.irq && !this.sawDeviceIrq) notes.push('device irqs not recorded (only irq_vectors): record -e irq:irq_handler_entry -e irq:irq_handler_exit');
    if (rec.irq && !this.sawVectors && this.sawDeviceIrq) notes.push('irq_vectors not recorded (ticks and IPI handlers unseen): record -e irq_vectors');
    if (!rec.nmi) notes.push('NMIs not recorded (-e nmi:nmi_handler): counted as 0 time');
    if (this.kernel.size) notes.push("the trace holds the osnoise/timerlat tracer's own figures: `tracelab noise` prints them beside the ones its events show");
    if (this.lostSwitches) notes.push(`${this.lostSwitches} context switches are missing from the trace (an event showed another task than the last sched_switch put there): those runs end at their last event`);
    if (rec.thread && !this.o.task) notes.push("each CPU's task is the one that ran longest there (resident); --task names it");
    return {
      table: noiseTable(perCpu),
      summary: { recorded: rec, notes, windowNs, mergeGapNs: this.mergeGapNs, perCpu },
    };
  }

  private resident(s: CpuState): number | null {
    if (!this.recorded.thread) return null;
    const want = this.o.task;
    if (want !== undefined) {
      const pid = /^\d+$/.test(want) ? Number(want) : null;
      for (const p of s.runtime.keys()) if (p === pid || this.trace.comms.get(p) === want) return p;
      return pid ?? -2;
    }
    let best = 0;
    let bestNs = -1;
    for (const [p, ns] of s.runtime) if (ns > bestNs || (ns === bestNs && p < best)) [best, bestNs] = [p, ns];
    return best;
  }

  private cpuNoise(cpu: number, s: CpuState, first: number, last: number, windowNs: number): CpuNoise {
    const rec = this.recorded;
    const res = this.resident(s);
    const P = s.pieces;
    const R = s.runs;
    // the pieces that are noise: irq/softirq/nmi always, syscalls only the resident's own (another task's are its thread time)
    const counted = (k: number): boolean => (P.tag.at(k) & 7) !== Cls.Syscall || res === null || P.pid.at(k) === res;
    const syscall: ClassNoise = { count: 0, ns: 0, maxNs: 0 };
    for (let k = 0; k < P.n; k++) {
      if ((P.tag.at(k) & 7) !== Cls.Syscall || !counted(k)) continue;
      const net = Math.max(0, P.end.at(k) - P.start.at(k) - P.inner.at(k));
      syscall.ns += net;
      if (P.tag.at(k) & ENTRY) syscall.count++;
      if (net > syscall.maxNs) syscall.maxNs = net;
    }
    // other tasks running: net of the irq-ish time inside their runs
    const other = (j: number): boolean => res !== null && R.pid.at(j) !== res;
    const thread: ClassNoise = { count: 0, ns: 0, maxNs: 0 };
    if (res !== null) {
      let k = 0;
      for (let j = 0; j < R.n; j++) {
        if (!other(j)) continue;
        const a = R.start.at(j);
        const e = R.end.at(j);
        while (k < P.n && P.start.at(k) < a) k++;
        let inner = 0;
        for (let m = k; m < P.n && P.start.at(m) < e; m++) inner += P.inner.at(m);
        const net = Math.max(0, e - a - inner);
        thread.count++;
        thread.ns += net;
        if (net > thread.maxNs) thread.maxNs = net;
      }
    }
    const any = rec.irq || rec.softirq || rec.thread || rec.syscall || rec.nmi;
    let interruptions = 0;
    let noiseNs = 0;
    let maxNoise = 0;
    let quiet = 0;
    let lastEnd = first;
    const episodes = this.o.episodes ? { start: [] as number[], durationNs: [] as number[], classes: [] as number[] } : null;
    // the noise spans, pieces and other tasks' runs (each in start order), merged in start order:
    // spans this close are one interruption, whose classes are a mask (1 << Cls)
    let curStart = NaN;
    let curEnd = NaN;
    let curMask = 0;
    const closeSpan = () => {
      const d = curEnd - curStart;
      interruptions++;
      episodes?.start.push(curStart);
      episodes?.durationNs.push(d);
      episodes?.classes.push(curMask);
      noiseNs += d;
      if (d > maxNoise) maxNoise = d;
      if (curStart - lastEnd > quiet) quiet = curStart - lastEnd;
      lastEnd = Math.max(lastEnd, curEnd);
    };
    const span = (a: number, e: number, mask: number) => {
      if (!Number.isNaN(curStart) && a - curEnd <= this.mergeGapNs) {
        curEnd = Math.max(curEnd, e);
        curMask |= mask;
      } else {
        if (!Number.isNaN(curStart)) closeSpan();
        curStart = a;
        curEnd = e;
        curMask = mask;
      }
    };
    let pk = 0;
    let rj = 0;
    for (;;) {
      while (pk < P.n && !counted(pk)) pk++;
      while (rj < R.n && !other(rj)) rj++;
      if (pk >= P.n && rj >= R.n) break;
      if (pk < P.n && (rj >= R.n || P.start.at(pk) <= R.start.at(rj))) {
        span(P.start.at(pk), P.end.at(pk), 1 << (P.tag.at(pk) & 7));
        pk++;
      } else {
        span(R.start.at(rj), R.end.at(rj), 1 << Cls.Thread);
        rj++;
      }
    }
    if (!Number.isNaN(curStart)) closeSpan();
    if (!Number.isNaN(last) && last - lastEnd > quiet) quiet = last - lastEnd;
    const resident = res === null ? null : res === -2 ? `${this.o.task} (did not run here)` : `${this.trace.comms.get(res)}-${res}`;
    return {
      cpu,
      resident,
      windowNs,
      interruptions: any ? interruptions : null,
      noiseNs: any ? noiseNs : null,
      maxNoiseNs: any ? maxNoise : null,
      longestQuietNs: any ? quiet : null,
      classes: {
        nmi: rec.nmi ? s.counts.nmi : null,
        irq: rec.irq ? s.counts.irq : null,
        softirq: rec.softirq ? s.counts.softirq : null,
        thread: rec.thread ? thread : null,
        syscall: rec.syscall ? syscall : null,
        fault: rec.fault ? s.counts.fault : null,
      },
      byHandler: s.byHandler,
      episodes,
      kernel: this.kernel.get(cpu) ?? null,
    };
  }
}

function zeroClass(): ClassNoise {
  return { count: 0, ns: 0, maxNs: 0 };
}

function add(c: ClassNoise, ns: number): void {
  c.count++;
  c.ns += ns;
  if (ns > c.maxNs) c.maxNs = ns;
}

function findLast(stack: Frame[], cls: Cls): number {
  for (let k = stack.length - 1; k >= 0; k--) if (stack[k].cls === cls) return k;
  return -1;
}

/** One row per CPU, durations in µs, null where the trace could not say. */
function noiseTable(perCpu: CpuNoise[]): Columns {
  const us = usOrNull;
  const cols: Record<string, unknown[]> = {
    cpu: perCpu.map((x) => x.cpu),
    resident: perCpu.map((x) => x.resident ?? 'n/a'),
    interruptions: perCpu.map((x) => x.interruptions),
    noise_us: perCpu.map((x) => us(x.noiseNs)),
    available_pct: perCpu.map((x) => (x.noiseNs === null || !x.windowNs ? null : 100 * (1 - x.noiseNs / x.windowNs))),
    max_noise_us: perCpu.map((x) => us(x.maxNoiseNs)),
    longest_quiet_us: perCpu.map((x) => us(x.longestQuietNs)),
  };
  for (const k of NOISE_CLASSES) {
    cols[k] = perCpu.map((x) => x.classes[k]?.count ?? null);
    if (k !== 'fault') cols[`${k}_us`] = perCpu.map((x) => us(x.classes[k]?.ns ?? null));
  }
  return new Columns(cols);
}
