import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { ERESTARTNOINTR, TASK_ISOLATION_EXEMPT, TASK_ISOLATION_LOST } from '../core/x86-64-abi.ts';
import { readerCache, type FieldReader } from './field-values.ts';
import { Columns, type ColumnsReport } from './columns.ts';
import { scan, spanSeconds, timestamp, type ScanInfo, type Selection } from './scan.ts';
import { stackText } from './stack-text.ts';

/**
 * Synchronous kernel entries of isolated tasks, and what strict task
 * isolation (seed 003) did about each, read from the events a real kernel
 * has: raw_syscalls (a syscall the mode refused never reaches
 * trace_sys_enter(); it shows as a sys_exit with -ERESTARTNOINTR and no
 * sys_enter), exceptions:page_fault_user (address, user IP), the warning
 * task_isolation_deliver_signal() prints (printk:console), signal_generate
 * to the task, sched_process_exit, and context_tracking's user_exit, which
 * opens each kernel stay of a nohz_full CPU. A signal in a stay that began
 * with an interrupt (no syscall, no fault) is listed apart: the thread
 * agreed such entries are not the task's doing and must never be punished.
 */

export interface IsolationViolationsOptions extends Selection {
  /** The CPUs whose tasks are examined (default: every CPU). */
  isolated?: readonly number[];
}

export type EntryKind = 'syscall' | 'page fault' | 'interrupt';

/** A kernel stay of an isolated task that the mode answered with a signal, or that killed it. */
export interface Violation {
  ts: number;
  time: string;
  cpu: number;
  pid: number;
  comm: string;
  entry: EntryKind;
  /** The syscall number (syscall entries). */
  nr: number | null;
  /** The syscall was refused (-ERESTARTNOINTR without sys_enter). */
  refused: boolean;
  /** Fault address and user IP, as the event prints them (page faults). */
  address: string | null;
  userIp: string | null;
  signal: number;
  /** The task exited in the same stay (a fatal signal). */
  killed: boolean;
  /** The kernel's warning, when printk:console was recorded. */
  message: string | null;
  /** signal_generate's kernel stack (-T), innermost first. */
  stack: string | null;
}

export interface CpuEntries {
  cpu: number;
  /** The task seen there ("comm-pid"; the last one when several ran). */
  task: string;
  syscalls: number;
  /** Of them refused by the mode (never ran). */
  refused: number;
  /** prctl, exit and exit_group: allowed in strict mode. */
  exempt: number;
  faults: number;
  /** Kernel stays opened by an interrupt (needs context_tracking). */
  interrupts: number | null;
  signals: number;
  /** When the task was killed (report time), or null. */
  killedAt: string | null;
}

export interface IsolationViolationsSummary {
  seconds: number;
  /** What the trace recorded of what this needs; a class not recorded is null below. */
  recorded: { syscalls: boolean; faults: boolean; signals: boolean; contextTracking: boolean; console: boolean };
  perCpu: CpuEntries[];
  violations: Violation[];
  /** Signals to an isolated task in a stay that began with an interrupt. */
  afterInterrupt: number;
  kills: number;
  notes: string[];
}

/** Without context tracking, a signal belongs to the synchronous entry just before it if this close. */
const ATTACH_NS = 100_000;

interface Stay {
  start: number;
  entry: EntryKind;
  nr: number | null;
  sawEnter: boolean;
  refused: boolean;
  address: string | null;
  userIp: string | null;
  message: string | null;
  violation: Violation | null;
}

interface CpuState {
  out: CpuEntries;
  stay: Stay | null;
  /** The violation whose kernel_stack is the next event on this CPU. */
  wantStack: Violation | null;
  lastPid: number;
}

type Role = 'user_exit' | 'user_enter' | 'sys_enter' | 'sys_exit' | 'fault' | 'console' | 'signal' | 'exit' | 'stack' | null;

function newStay(t: number, entry: EntryKind): Stay {
  return { start: t, entry, nr: null, sawEnter: false, refused: false, address: null, userIp: null, message: null, violation: null };
}

const num = (r: FieldReader | undefined, b: EventBatch, i: number) => Number(r?.read(b, i) ?? NaN);
const text = (r: FieldReader | undefined, b: EventBatch, i: number) => {
  const v = r?.read(b, i);
  return v === null || v === undefined ? null : String(v);
};

export function isolationViolationsColumns(trace: Trace, o: IsolationViolationsOptions = {}): ColumnsReport<IsolationViolationsSummary> {
  const c = new ViolationsCollector(trace, o.isolated);
  const info = scan(trace, o, (b, i, ev) => c.visit(b, i, ev));
  const summary = c.finish(info);
  return { table: violationsTable(summary.violations), summary };
}

/** The one pass of isolationViolations(), also run inside interference's pass. */
export class ViolationsCollector {
  private readonly only: Set<number> | null;
  private readonly F: Record<'id' | 'ret' | 'address' | 'ip' | 'msg' | 'sig' | 'pid' | 'comm', (ev: EventFormat) => FieldReader | undefined>;
  private readonly roles: Role[] = [];
  readonly recorded = { syscalls: false, faults: false, signals: false, contextTracking: false, console: false };
  private readonly cpus = new Map<number, CpuState>();
  private readonly violations: Violation[] = [];
  private afterInterrupt = 0;
  private readonly comms = new Map<number, string>();

  constructor(private readonly trace: Trace, isolated?: readonly number[]) {
    this.only = isolated ? new Set(isolated) : null;
    const field = readerCache(trace);
    this.F = { id: field('id'), ret: field('ret'), address: field('address'), ip: field('ip'), msg: field('msg'), sig: field('sig'), pid: field('pid'), comm: field('comm') };
  }

  private roleOf(ev: EventFormat | undefined): Role {
    if (!ev) return null;
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    const n = ev.name;
    const s = ev.system;
    r =
      s === 'context_tracking' && n === 'user_exit' ? 'user_exit'
      : s === 'context_tracking' && n === 'user_enter' ? 'user_enter'
      : s === 'raw_syscalls' && n === 'sys_enter' ? 'sys_enter'
      : s === 'raw_syscalls' && n === 'sys_exit' ? 'sys_exit'
      : s === 'exceptions' && n === 'page_fault_user' ? 'fault'
      : s === 'printk' && n === 'console' ? 'console'
      : s === 'signal' && n === 'signal_generate' ? 'signal'
      : s === 'sched' && n === 'sched_process_exit' ? 'exit'
      : s === 'ftrace' && n === 'kernel_stack' ? 'stack'
      : null;
    this.roles[ev.id] = r;
    return r;
  }

  private state(cpu: number): CpuState {
    let st = this.cpus.get(cpu);
    if (!st) this.cpus.set(cpu, (st = { out: { cpu, task: '', syscalls: 0, refused: 0, exempt: 0, faults: 0, interrupts: null, signals: 0, killedAt: null }, stay: null, wantStack: null, lastPid: 0 }));
    return st;
  }

  /** The stay a synchronous entry belongs to: the open one (context tracking), or a new one per entry. */
  private syncStay(st: CpuState, t: number, kind: EntryKind): Stay {
    if (this.recorded.contextTracking && st.stay && st.stay.entry === 'interrupt') {
      st.stay.entry = kind;
      st.stay.start = t;
      if (st.out.interrupts !== null) st.out.interrupts--;
      return st.stay;
    }
    if (this.recorded.contextTracking && st.stay && st.stay.entry === kind && !st.stay.sawEnter) return st.stay;
    return (st.stay = newStay(t, kind));
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    const role = this.roleOf(ev);
    if (role === null) return;
    const cpu = b.cpu[i];
    if (this.only && !this.only.has(cpu)) return;
    const { F, recorded, trace } = this;
    const t = b.ts[i];
    const st = this.state(cpu);
    const pid = b.pid[i];
    if (role !== 'stack') st.wantStack = null;
    if (pid) st.lastPid = pid;
    switch (role) {
      case 'user_exit':
        recorded.contextTracking = true;
        st.out.interrupts ??= 0;
        // an interrupt until a syscall or fault event says otherwise
        st.out.interrupts++;
        st.stay = newStay(t, 'interrupt');
        return;
      case 'user_enter':
        st.stay = null;
        return;
      case 'sys_enter': {
        recorded.syscalls = true;
        const nr = num(F.id(ev!), b, i);
        const s = this.syncStay(st, t, 'syscall');
        s.nr = nr;
        s.sawEnter = true;
        st.out.syscalls++;
        if (TASK_ISOLATION_EXEMPT.has(nr)) st.out.exempt++;
        return;
      }
      case 'sys_exit': {
        recorded.syscalls = true;
        const nr = num(F.id(ev!), b, i);
        const ret = num(F.ret(ev!), b, i);
        const s = st.stay;
        if (s && s.entry === 'syscall' && s.sawEnter && s.nr === nr) return;
        // no sys_enter in this stay: refused before the tracepoint (or entered before the trace began)
        if (ret !== -ERESTARTNOINTR) return;
        const r = s && s.entry === 'syscall' && !s.sawEnter ? s : this.syncStay(st, t, 'syscall');
        r.nr = nr;
        r.refused = true;
        r.sawEnter = true;
        st.out.syscalls++;
        st.out.refused++;
        if (r.violation) {
          r.violation.nr = nr;
          r.violation.refused = true;
        }
        return;
      }
      case 'fault': {
        recorded.faults = true;
        const s = this.syncStay(st, t, 'page fault');
        s.address = text(F.address(ev!), b, i);
        s.userIp = text(F.ip(ev!), b, i);
        st.out.faults++;
        return;
      }
      case 'console': {
        recorded.console = true;
        const m = text(F.msg(ev!), b, i);
        // task_isolation_deliver_signal()'s pr_warn(), after "comm/pid: "
        const k = m ? m.indexOf(TASK_ISOLATION_LOST) : -1;
        if (k < 0) return;
        const why = m!.slice(k + TASK_ISOLATION_LOST.length);
        // the warning comes before the syscall's exit: a refused syscall's stay begins here
        const open = st.stay && st.stay.entry !== 'interrupt' && (recorded.contextTracking || t - st.stay.start <= ATTACH_NS);
        const s = open ? st.stay! : this.syncStay(st, t, why.startsWith('syscall ') ? 'syscall' : 'page fault');
        if (s.entry === 'syscall' && s.nr === null && /^syscall -?\d+$/.test(why)) s.nr = Number(why.slice(8));
        s.message = m;
        return;
      }
      case 'signal': {
        recorded.signals = true;
        const target = num(F.pid(ev!), b, i);
        if (target !== pid) return;
        let s = st.stay;
        if (s && !recorded.contextTracking && t - s.start > ATTACH_NS) s = null;
        st.out.signals++;
        if (!s || s.entry === 'interrupt') {
          this.afterInterrupt++;
          if (!s) return;
        }
        const comm = text(F.comm(ev!), b, i) ?? this.comms.get(pid) ?? '';
        this.comms.set(pid, comm);
        const v: Violation = { ts: t, time: timestamp(trace, t), cpu, pid, comm, entry: s.entry, nr: s.nr, refused: s.refused, address: s.address, userIp: s.userIp, signal: num(F.sig(ev!), b, i), killed: false, message: s.message, stack: null };
        s.violation = v;
        this.violations.push(v);
        st.wantStack = v;
        return;
      }
      case 'exit': {
        const c = text(F.comm(ev!), b, i);
        if (c) this.comms.set(pid, c);
        const v = st.stay?.violation;
        if (v && v.pid === pid) {
          v.killed = true;
          st.out.killedAt = timestamp(trace, t);
        }
        st.stay = null;
        return;
      }
      case 'stack':
        if (st.wantStack) st.wantStack.stack = stackText(trace, ev!, b, i);
        st.wantStack = null;
        return;
    }
  }

  finish(info: ScanInfo): IsolationViolationsSummary {
    const { recorded } = this;
    for (const s of this.cpus.values()) s.out.task = s.lastPid ? `${this.comms.get(s.lastPid) ?? this.trace.comms.get(s.lastPid)}-${s.lastPid}` : '<idle>-0';
    const perCpu = [...this.cpus.values()].map((s) => s.out).sort((a, b) => a.cpu - b.cpu);
    const notes: string[] = [];
    const missing = [
      !recorded.syscalls && '-e raw_syscalls',
      !recorded.faults && '-e exceptions:page_fault_user',
      !recorded.signals && '-e signal',
      !recorded.contextTracking && '-e context_tracking (kernel stays, interrupt entries)',
      !recorded.console && '-e printk:console (the kernel warning)',
    ].filter(Boolean);
    if (missing.length) notes.push(`not recorded: record ${missing.join(', ')}`);
    const summary: IsolationViolationsSummary = {
      seconds: spanSeconds(info),
      recorded,
      perCpu: perCpu.map((c) => ({ ...c, interrupts: recorded.contextTracking ? (c.interrupts ?? 0) : null })),
      violations: this.violations,
      afterInterrupt: this.afterInterrupt,
      kills: this.violations.filter((v) => v.killed).length,
      notes,
    };
    return summary;
  }
}

function violationsTable(v: Violation[]): Columns {
  return new Columns({
    time: v.map((x) => x.time),
    cpu: v.map((x) => x.cpu),
    pid: v.map((x) => x.pid),
    comm: v.map((x) => x.comm),
    // rows hold scalars: a refused syscall says so in its entry
    entry: v.map((x) => (x.refused ? 'syscall refused' : x.entry)),
    nr: v.map((x) => x.nr),
    address: v.map((x) => x.address),
    user_ip: v.map((x) => x.userIp),
    signal: v.map((x) => x.signal),
    outcome: v.map((x) => (x.killed ? 'killed' : 'went on')),
    message: v.map((x) => x.message),
    stack: v.map((x) => x.stack),
  });
}
