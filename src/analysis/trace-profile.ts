import type { EventBatch } from '../core/batch.ts';
import { UserError } from '../core/errors.ts';
import { readUnsigned } from '../core/int64.ts';
import { cString } from '../printfmt/evaluate.ts';
import { recordRef } from '../printfmt/record.ts';
import type { EventFormat, FieldFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';

/**
 * `trace-cmd report --profile` (tracecmd/trace-profile.c of trace-cmd 3.1.6):
 * per task, how long each kind of event took from its start to its end
 * (sched_switch out to the wakeup, the wakeup to sched_switch in, irq and
 * softirq entry to exit, softirq raise to entry, syscall enter to exit,
 * function_graph entry to exit, and the pairs -H hooks name), with the kernel
 * stacks recorded after them folded into call chains; every other event
 * counted by its first field. -G counts irqs and softirqs per CPU, --by-comm
 * merges tasks of one comm.
 *
 * Order: tasks by pid, a task's events sorted as trace-profile.c sorts them
 * (compare_events). Events that sort equal (same event, same total time,
 * e.g. counted events of one event type with different first fields) come in
 * trace-cmd's hash-table order, which hashes a heap address and changes from
 * run to run (trace-cmd's own output differs between two runs of one file);
 * here they come in the order first seen. --by-comm's groups are sorted by
 * comm (compare_groups() compares the bytes of two pointers).
 */

/** Which builtin pairing an event takes part in (enum event_data_type). */
const enum Type {
  Undefined,
  Stack,
  SchedSwitch,
  Wakeup,
  Func,
  Syscall,
  Irq,
  Softirq,
  SoftirqRaise,
  ProcessExec,
  UserMate,
}

type Handler = (h: Profile, pid: number, ed: EventData, b: EventBatch, i: number) => void;

interface EventData {
  id: number;
  ev: EventFormat;
  type: Type;
  start: EventData | null;
  end: EventData | null;
  pidField: FieldFormat | null;
  startMatchField: FieldFormat | null;
  endMatchField: FieldFormat | null;
  dataField: FieldFormat | null;
  print: ((eh: EventHash) => string) | null;
  handle: Handler | null;
  migrate: boolean;
  global: boolean;
}

interface Stack {
  caller: Uint8Array;
  count: number;
  time: number;
  timeMin: number;
  tsMin: number;
  timeMax: number;
  tsMax: number;
}

interface Start {
  ed: EventData;
  task: Task;
  ts: number;
  searchVal: bigint;
  val: bigint;
  cpu: number;
  stack: { caller: Uint8Array; ts: number } | null;
  list: Set<Start>;
}

interface EventHash {
  ed: EventData;
  searchVal: bigint;
  val: bigint;
  count: number;
  timeTotal: number;
  timeMax: number;
  tsMax: number;
  timeMin: number;
  tsMin: number;
  lastTime: number;
  stacks: Map<string, Stack>;
  /** first seen, for the order of events trace-cmd leaves to its hash */
  seq: number;
}

interface Task {
  pid: number;
  sleeping: boolean;
  comm: string | null;
  /** open starts by event and search value, the newest last (found first: tcmd_hash_add() puts an item first in its bucket) */
  starts: Map<EventData, Map<Key, Start[]>>;
  /** by event, search value and value */
  events: Map<EventData, Map<Key, Map<Key, EventHash>>>;
  proxy: Task | null;
  lastStart: Start | null;
  lastEvent: EventHash | null;
  lastStack: { caller: Uint8Array; ts: number } | null;
  grouped: boolean;
}

/** -H: `[sys:]start_event,start_match[,pid]/[sys:]end_event,end_match[,flags]` (tracecmd_create_event_hook()). */
export interface ProfileHook {
  startSystem: string | null;
  startEvent: string;
  startMatch: string;
  pid: string | null;
  endSystem: string | null;
  endEvent: string;
  endMatch: string;
  migrate: boolean;
  global: boolean;
}

export interface ProfileOptions {
  /** -G: irqs and softirqs are per CPU, not per task */
  global?: boolean;
  /** --by-comm: tasks of one comm merged */
  byComm?: boolean;
  /** -H hooks */
  hooks?: readonly ProfileHook[];
  /** the events profiled: report's -F, --cpu, -I/-S selection (absent: all) */
  keep?: (b: EventBatch, i: number) => boolean;
  cpus?: ReadonlySet<number>;
}

/**
 * Parses a -H hook as tracecmd_create_event_hook() does; the line it prints
 * when it parses one, or its warning (and null) when it does not.
 */
export function parseProfileHook(arg: string): { hook: ProfileHook | null; line: string } {
  // strtok() splits on any of the delimiters, skipping empty tokens
  let pos = 0;
  const tok = (delims: string): { t: string; end: number } | null => {
    while (pos < arg.length && delims.includes(arg[pos])) pos++;
    if (pos >= arg.length) return null;
    const s = pos;
    while (pos < arg.length && !delims.includes(arg[pos])) pos++;
    const end = pos;
    if (pos < arg.length) pos++;
    return { t: arg.slice(s, end), end };
  };
  const bad = { hook: null, line: `Invalid hook format '${arg}'` };
  // "[system:]event": a token that ends at ':' is the system, the event follows
  const event = (): { system: string | null; t: { t: string; end: number } } | null => {
    const t = tok(':,');
    if (!t || arg[t.end] !== ':') return t && { system: null, t };
    const e = tok(',');
    return e && { system: t.t, t: e };
  };
  const start = event();
  if (!start) return bad;
  const { system: startSystem, t: { t: startEvent } } = start;
  let t = tok(',/');
  if (!t) return bad;
  const startMatch = t.t;
  let pid: string | null = null;
  if (arg[t.end] === ',') {
    if (!(t = tok('/'))) return bad;
    pid = t.t;
  }
  const end = event();
  if (!end) return bad;
  const { system: endSystem, t: { t: endEvent } } = end;
  if (!(t = tok(','))) return bad;
  const endMatch = t.t;
  let flags: string | null = null;
  if (arg[t.end] === ',') {
    // strtok(NULL, ""): the rest
    if (t.end + 1 >= arg.length) return bad;
    flags = arg.slice(t.end + 1);
  }
  const hook: ProfileHook = { startSystem, startEvent, startMatch, pid, endSystem, endEvent, endMatch, migrate: true, global: false };
  const warnings: string[] = [];
  for (const c of flags ?? '') {
    const ch = c.toLowerCase();
    if (ch === 'p') hook.migrate = false;
    else if (ch === 'g') hook.global = true;
    else if (ch !== 's') warnings.push(`unknown flag ${c}`);
  }
  // printf's "%s" of NULL is "(null)" in glibc
  const n = (s: string | null) => s ?? '(null)';
  const line = `start ${n(startSystem)}:${startEvent}:${startMatch} (${n(pid)}) end ${n(endSystem)}:${endEvent}:${endMatch} (${n(flags)})`;
  return { hook, line: warnings.length ? `${warnings.join('\n')}\n${line}` : line };
}

const SOFTIRQS = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'BLOCK_IOPOLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'];
const TASK_STATE_TO_CHAR_STR = 'RSDTtXZxKWP';
const TASK_STATE_MAX = 1024n;
const INDENT = 5;

/** The profile of one trace (handle_data), fed its records in report's order. */
class Profile {
  readonly events = new Map<number, EventData>();
  readonly tasks = new Map<number, Task>();
  readonly globalTask: Task;
  readonly percpu: Task[];
  readonly cpuStarts: Set<Start>[];
  readonly migrateStarts = new Set<Start>();
  stackEvent: EventData | null = null;
  switchPrevComm: FieldFormat | null = null;
  switchNextComm: FieldFormat | null = null;
  wakeupComm: FieldFormat | null = null;
  commonPid: FieldFormat | null = null;
  private seq = 0;
  private readonly le: boolean;
  private b!: EventBatch;

  constructor(
    readonly trace: Trace,
    private readonly o: ProfileOptions,
  ) {
    this.le = !trace.bigEndian;
    const cpus = Math.max(1, trace.cpus);
    this.globalTask = newTask(-1, 'Global Events');
    this.percpu = Array.from({ length: cpus }, (_, k) => newTask(-1 - k, `Global CPU[${k}] Events`));
    this.cpuStarts = Array.from({ length: cpus }, () => new Set<Start>());
    this.init();
  }

  /** trace_init_profile() */
  private init(): void {
    const global = !!this.o.global;
    const irqEntry = this.add('irq', 'irq_handler_entry', Type.Irq);
    const irqExit = this.add('irq', 'irq_handler_exit', Type.Irq);
    const softirqEntry = this.add('irq', 'softirq_entry', Type.Softirq);
    const softirqExit = this.add('irq', 'softirq_exit', Type.Softirq);
    const softirqRaise = this.add('irq', 'softirq_raise', Type.SoftirqRaise);
    const wakeup = this.add('sched', 'sched_wakeup', Type.Wakeup);
    const sw = this.add('sched', 'sched_switch', Type.SchedSwitch);
    const fgEntry = this.add('ftrace', 'funcgraph_entry', Type.Func);
    const fgExit = this.add('ftrace', 'funcgraph_exit', Type.Func);
    const sysEnter = this.add('raw_syscalls', 'sys_enter', Type.Syscall);
    const sysExit = this.add('raw_syscalls', 'sys_exit', Type.Syscall);
    const exec = this.add('sched', 'sched_process_exec', Type.ProcessExec);
    const stack = (this.stackEvent = this.add('ftrace', 'kernel_stack', Type.Stack));
    if (stack) {
      stack.handle = handleStack;
      stack.dataField = this.field(stack, 'caller');
    }
    if (exec) {
      exec.handle = handleExec;
      exec.dataField = exec.ev.field('old_pid') ?? null;
    }
    if (sw) {
      sw.handle = handleSwitch;
      sw.dataField = this.field(sw, 'prev_state');
      this.switchPrevComm = this.field(sw, 'prev_comm');
      this.switchNextComm = this.field(sw, 'next_comm');
      sw.print = switchPrint;
    }
    if (sw && wakeup) {
      this.mate(sw, 'prev_pid', 'next_pid', wakeup, 'pid', true, false);
      this.mate(wakeup, 'pid', 'pid', sw, 'prev_pid', true, false);
      wakeup.handle = handleWakeup;
      // the 'success' field may or may not be present
      wakeup.dataField = wakeup.ev.field('success') ?? null;
      this.wakeupComm = this.field(wakeup, 'comm');
    }
    if (irqEntry && irqExit) this.mate(irqEntry, null, 'irq', irqExit, 'irq', false, global);
    for (const e of [softirqEntry, softirqExit, softirqRaise]) if (e) e.print = softirqPrint;
    if (softirqEntry && softirqExit) this.mate(softirqEntry, null, 'vec', softirqExit, 'vec', false, global);
    if (softirqEntry && softirqRaise) this.mate(softirqRaise, null, 'vec', softirqEntry, 'vec', false, global);
    if (fgEntry && fgExit) {
      this.mate(fgEntry, null, 'func', fgExit, 'func', true, false);
      fgEntry.handle = handleFgraphEntry;
      fgExit.handle = handleFgraphExit;
      fgEntry.print = (eh) => funcPrint(this.trace, eh);
    }
    if (sysEnter && sysExit) {
      this.mate(sysEnter, null, 'id', sysExit, 'id', true, false);
      // trace-cmd built without libaudit (Debian's): the syscall's number
      sysEnter.print = sysExit.print = (eh) => `${eh.ed.ev.name}:${BigInt.asIntN(32, eh.val)}`;
    }
    const fn = this.add('ftrace', 'function', Type.Func);
    if (fn) fn.dataField = fn.ev.field('ip') ?? null;
    for (const hook of this.o.hooks ?? []) {
      const s = this.add(hook.startSystem, hook.startEvent, Type.UserMate);
      const e = this.add(hook.endSystem, hook.endEvent, Type.UserMate);
      if (!s || !e) continue;
      this.mate(s, hook.pid, hook.startMatch, e, hook.endMatch, hook.migrate, hook.global);
    }
    // every other event is counted by its first field: added when first seen (eventData()), so the
    // ~2000 formats of a real trace that record nothing are not parsed
  }

  /** The event data of an id: trace_init_profile() adds one for every format the trace has. */
  private eventData(id: number): EventData | null {
    const known = this.events.get(id);
    if (known !== undefined || this.noFormat.has(id)) return known ?? null;
    const ev = this.trace.formats.get(id);
    if (!ev) {
      this.noFormat.add(id);
      return null;
    }
    const ed = this.add(ev.system, ev.name, Type.Undefined, ev)!;
    ed.dataField = ev.fields[0] ?? null;
    return ed;
  }

  private readonly noFormat = new Set<number>();

  private field(ed: EventData, name: string): FieldFormat {
    const f = ed.ev.field(name);
    // trace-cmd dies with "Event: %s does not have field %s"
    if (!f) throw new UserError(`${this.trace.source}: --profile: Event: ${ed.ev.name} does not have field ${name}`);
    return f;
  }

  /** add_event(): the newest event data of an id is the one found (tcmd_hash_add() puts it first). */
  private add(system: string | null, name: string, type: Type, known?: EventFormat): EventData | null {
    const ev = known ?? this.trace.formats.first(name, system ?? undefined);
    if (!ev) return null;
    this.commonPid ??= ev.commonFields.find((f) => f.name === 'common_pid') ?? null;
    const ed: EventData = { id: ev.id, ev, type, start: null, end: null, pidField: null, startMatchField: null, endMatchField: null, dataField: null, print: null, handle: null, migrate: false, global: false };
    this.events.set(ev.id, ed);
    return ed;
  }

  /** mate_events() */
  private mate(start: EventData, pidField: string | null, endMatch: string, end: EventData, startMatch: string, migrate: boolean, global: boolean): void {
    start.end = end;
    end.start = start;
    if (pidField) start.pidField = this.field(start, pidField);
    start.endMatchField = this.field(start, endMatch);
    end.startMatchField = this.field(end, startMatch);
    start.migrate = end.migrate = migrate;
    start.global = end.global = global;
  }

  /** tep_read_number_field(): the field's unsigned value (0 for a size it does not read). */
  num(f: FieldFormat, i: number): bigint {
    const b = this.b;
    // (a field past the record's end reads as 0, as fieldVal() does)
    return f.offset + f.size > b.size[i] ? 0n : readUnsigned(b.dv, b.off[i] + f.offset, f.size, this.le);
  }

  /** A fixed-size char field as C reads it (up to its NUL). */
  comm(f: FieldFormat, i: number): string {
    const r = this.ref;
    r.data = this.b.data;
    r.off = this.b.off[i];
    r.size = this.b.size[i];
    return cString(r, f.offset, f.size);
  }

  private readonly ref = recordRef();

  /** The kernel_stack caller words of record i (record->size - offset of caller). */
  caller(i: number): { caller: Uint8Array; ts: number } {
    const b = this.b;
    const f = this.stackEvent!.dataField!;
    return { caller: b.data.slice(b.off[i] + f.offset, b.off[i] + b.size[i]), ts: b.ts[i] };
  }

  task(pid: number): Task {
    let t = this.tasks.get(pid);
    if (!t) this.tasks.set(pid, (t = newTask(pid, null)));
    return t;
  }

  /** trace_profile_record() */
  record(b: EventBatch, i: number): void {
    this.b = b;
    const cpu = b.cpu[i];
    if (b.lost?.has(i)) this.missed(cpu);
    const ed = this.eventData(b.type[i]);
    if (!ed || !this.commonPid) return;
    const cp = this.commonPid;
    const pid = cp.size === 4 && cp.offset + 4 <= b.size[i] ? b.dv.getInt32(b.off[i] + cp.offset, this.le) : Number(BigInt.asIntN(32, this.num(cp, i)));
    const task = this.task(pid);
    const stack = task.lastStack;
    if (ed.handle) ed.handle(this, pid, ed, b, i);
    else this.handleEventData(pid, ed, i);
    // a saved stack this event did not take is dropped
    if (stack && task.lastStack === stack) task.lastStack = null;
  }

  /** handle_missed_events(): the starts of that CPU, and those that migrate, are forgotten. */
  private missed(cpu: number): void {
    for (const s of [...(this.cpuStarts[cpu] ?? []), ...this.migrateStarts]) this.freeStart(s);
  }

  addStart(task: Task, ed: EventData, i: number, searchVal: bigint, val: bigint): Start {
    const b = this.b;
    const list = ed.migrate ? this.migrateStarts : (this.cpuStarts[b.cpu[i]] ?? this.migrateStarts);
    const s: Start = { ed, task, ts: b.ts[i], searchVal, val, cpu: b.cpu[i], stack: null, list };
    let byVal = task.starts.get(ed);
    if (!byVal) task.starts.set(ed, (byVal = new Map()));
    const same = byVal.get(mapKey(searchVal));
    if (same) same.push(s);
    else byVal.set(mapKey(searchVal), [s]);
    list.add(s);
    return s;
  }

  freeStart(s: Start): void {
    if (s.task.lastStart === s) s.task.lastStart = null;
    const same = s.task.starts.get(s.ed)?.get(mapKey(s.searchVal));
    if (same) {
      // mostly the newest (last): starts that never end pile up behind it
      const k = same.lastIndexOf(s);
      if (k === same.length - 1) same.pop();
      else if (k >= 0) same.splice(k, 1);
      if (!same.length) s.task.starts.get(s.ed)!.delete(mapKey(s.searchVal));
    }
    s.list.delete(s);
  }

  /** find_event_hash(): a task's entry for (event, search value, value), made on first use. */
  eventHash(task: Task, ed: EventData, searchVal: bigint, val: bigint): EventHash {
    let bySearch = task.events.get(ed);
    if (!bySearch) task.events.set(ed, (bySearch = new Map()));
    const sk = mapKey(searchVal);
    let byVal = bySearch.get(sk);
    if (!byVal) bySearch.set(sk, (byVal = new Map()));
    const vk = mapKey(val);
    let eh = byVal.get(vk);
    if (!eh) {
      eh = { ed, searchVal, val, count: 0, timeTotal: 0, timeMax: 0, tsMax: 0, timeMin: 0, tsMin: 0, lastTime: 0, stacks: new Map(), seq: this.seq++ };
      byVal.set(vk, eh);
    }
    return eh;
  }

  /** add_and_free_start(): the time from the start to ts counted for the start's event. */
  private addAndFreeStart(task: Task, start: Start, ed: EventData, ts: number): EventHash {
    // a time stamp before the start's (CPUs' clocks differ) counts as 0
    const delta = Math.max(0, ts - start.ts);
    const eh = this.eventHash(task, ed, start.searchVal, start.val);
    eh.count++;
    eh.timeTotal += delta;
    eh.lastTime = delta;
    if (delta > eh.timeMax) {
      eh.timeMax = delta;
      eh.tsMax = ts;
    }
    if (eh.count === 1 || delta < eh.timeMin) {
      eh.timeMin = delta;
      eh.tsMin = ts;
    }
    if (start.stack) {
      addEventStack(eh, start.stack.caller, delta, start.stack.ts);
      start.stack = null;
    }
    this.freeStart(start);
    return eh;
  }

  /** find_and_update_start(): the newest open start of (event, search value) ends at ts. */
  findAndUpdateStart(task: Task, ed: EventData | null, ts: number, searchVal: bigint): EventHash | null {
    if (!ed) return null;
    const same = task.starts.get(ed)?.get(mapKey(searchVal));
    const start = same?.[same.length - 1];
    return start ? this.addAndFreeStart(task, start, ed, ts) : null;
  }

  /** find_event_task() */
  private eventTask(ed: EventData, i: number, pid: number): Task {
    if (ed.global) return ed.migrate ? this.globalTask : (this.percpu[this.b.cpu[i]] ?? this.globalTask);
    if (ed.pidField) pid = Number(BigInt.asIntN(32, this.num(ed.pidField, i)));
    return this.task(pid);
  }

  /** handle_end_event() */
  handleEnd(ed: EventData, i: number, pid: number): Task {
    const task = this.eventTask(ed, i, pid);
    const val = this.num(ed.startMatchField!, i);
    const eh = this.findAndUpdateStart(task, ed.start, this.b.ts[i], val);
    task.lastStart = null;
    task.lastEvent = eh;
    return task;
  }

  /** handle_start_event() */
  handleStart(ed: EventData, i: number, pid: number): Task {
    const task = this.eventTask(ed, i, pid);
    const val = this.num(ed.endMatchField!, i);
    task.lastStart = this.addStart(task, ed, i, val, val);
    task.lastEvent = null;
    return task;
  }

  /** handle_event_data() */
  private handleEventData(pid: number, ed: EventData, i: number): void {
    let task: Task | null = null;
    if (ed.start) task = this.handleEnd(ed, i, pid);
    if (ed.end) task = this.handleStart(ed, i, pid);
    if (!task) {
      task = this.task(pid);
      task.proxy = null;
      task.lastStart = null;
      task.lastEvent = null;
      this.accountTask(task, ed, i);
    }
  }

  /** account_task(): an event with no pairing, counted by its data field's value. */
  private accountTask(task: Task, ed: EventData, i: number): void {
    if (ed.pidField) {
      const proxy = task;
      task = this.task(Number(BigInt.asIntN(32, this.num(ed.pidField, i))));
      proxy.proxy = task;
    }
    const val = ed.dataField ? this.num(ed.dataField, i) : 0n;
    // (trace-profile.c keys it by val twice: the start match field's value is read and not used)
    const eh = this.eventHash(task, ed, val, val);
    eh.count++;
    task.lastEvent = eh;
  }
}

/** A 64-bit value as a map key: a number while it is exact (hashing a bigint costs more), else the bigint. */
type Key = number | bigint;
const mapKey = (v: bigint): Key => (v <= 0x1fffffffffffffn ? Number(v) : v);

function newTask(pid: number, comm: string | null): Task {
  return { pid, sleeping: false, comm, starts: new Map(), events: new Map(), proxy: null, lastStart: null, lastEvent: null, lastStack: null, grouped: false };
}

/** add_event_stack() */
function addEventStack(eh: EventHash, caller: Uint8Array, time: number, ts: number): void {
  const key = Buffer.from(caller.buffer, caller.byteOffset, caller.byteLength).toString('latin1');
  let s = eh.stacks.get(key);
  if (!s) eh.stacks.set(key, (s = { caller, count: 0, time: 0, timeMin: 0, tsMin: 0, timeMax: 0, tsMax: 0 }));
  s.count++;
  s.time += time;
  if (s.count === 1 || time < s.timeMin) {
    s.timeMin = time;
    s.tsMin = ts;
  }
  if (time > s.timeMax) {
    s.timeMax = time;
    s.tsMax = ts;
  }
}

/** handle_sched_switch_event(): the task switched out starts a wait; the one switched in ends its own. */
const handleSwitch: Handler = (h, _pid, ed, b, i) => {
  // (without a sched_wakeup format nothing is mated: trace-profile.c reads its fields through NULL)
  if (!ed.pidField || !ed.endMatchField || !ed.dataField) return;
  const prevPid = Number(BigInt.asIntN(32, h.num(ed.pidField!, i)));
  const prevState = h.num(ed.dataField!, i) & (TASK_STATE_MAX - 1n);
  const nextPid = h.num(ed.endMatchField!, i);
  let task = h.task(prevPid);
  task.comm ??= h.comm(h.switchPrevComm!, i);
  task.sleeping = prevState !== 0n;
  task.lastStart = h.addStart(task, ed, i, h.num(ed.pidField, i), prevState);
  task.lastEvent = null;
  task = h.task(Number(BigInt.asIntN(32, nextPid)));
  task.comm ??= h.comm(h.switchNextComm!, i);
  // blocked: its wakeup is timed to now; preempted: its switch out is
  h.findAndUpdateStart(task, ed.start, b.ts[i], nextPid);
  h.findAndUpdateStart(task, ed, b.ts[i], nextPid);
};

/** handle_sched_wakeup_event() */
const handleWakeup: Handler = (h, pid, ed, b, i) => {
  const proxy = h.task(pid);
  if (ed.dataField && h.num(ed.dataField, i) === 0n) return;
  const woken = h.num(ed.pidField!, i);
  const task = h.task(Number(BigInt.asIntN(32, woken)));
  task.comm ??= h.comm(h.wakeupComm!, i);
  if (!task.sleeping) {
    proxy.proxy = null;
    proxy.lastStart = null;
    proxy.lastEvent = null;
    return;
  }
  task.sleeping = false;
  // a stack after the wakeup is the woken task's, not the waker's
  proxy.proxy = task;
  h.findAndUpdateStart(task, ed.start, b.ts[i], woken);
  task.lastEvent = null;
  task.lastStart = h.addStart(task, ed, i, woken, woken);
};

/** handle_stacktrace_event(): a stack goes to the event before it of its task (or of the task it stood for). */
const handleStack: Handler = (h, pid, _ed, _b, i) => {
  let task = h.task(pid);
  task.lastStack = null;
  const orig = task;
  const proxy = task.proxy;
  if (proxy) {
    task.proxy = null;
    task = proxy;
  }
  if (!task.lastStart && !task.lastEvent) {
    // kept for a function_graph entry after it: the original task's
    (proxy ? orig : task).lastStack = h.caller(i);
    return;
  }
  const start = task.lastStart;
  if (start) {
    start.stack = h.caller(i);
    task.lastStart = null;
    task.lastEvent = null;
    return;
  }
  const eh = task.lastEvent!;
  task.lastEvent = null;
  const c = h.caller(i);
  addEventStack(eh, c.caller, eh.lastTime, c.ts);
};

/** handle_fgraph_entry_event(): a stack recorded before the entry is the call's. */
const handleFgraphEntry: Handler = (h, pid, ed, _b, i) => {
  const task = h.handleStart(ed, i, pid);
  if (task.lastStack) {
    task.lastStart!.stack = task.lastStack;
    task.lastStack = null;
    task.lastEvent = null;
  }
  task.lastStart = null;
};

const handleFgraphExit: Handler = (h, pid, ed, _b, i) => {
  h.handleEnd(ed, i, pid).lastEvent = null;
};

/** handle_process_exec(): the task's comm is forgotten. */
const handleExec: Handler = (h, pid, ed, _b, i) => {
  if (ed.dataField) pid = Number(BigInt.asIntN(32, h.num(ed.dataField, i)));
  h.task(pid).comm = null;
};

function switchPrint(eh: EventHash): string {
  let s = `${eh.ed.ev.name}:`;
  if (!eh.val) return s + 'R';
  let v = Number(BigInt.asIntN(32, eh.val));
  for (let k = 0; v && k < TASK_STATE_TO_CHAR_STR.length; k++, v >>= 1) if (v & 1) s += TASK_STATE_TO_CHAR_STR[k + 1] ?? '\0';
  return s;
}

function softirqPrint(eh: EventHash): string {
  const v = Number(BigInt.asIntN(32, eh.val));
  return `${eh.ed.ev.name}:${v >= 0 && v < SOFTIRQS.length ? SOFTIRQS[v] : v}`;
}

function funcPrint(trace: Trace, eh: EventHash): string {
  const k = trace.symbols.findBig(eh.val);
  return k >= 0 ? `func: ${trace.symbols.name(k)}()` : `func: 0x${eh.val.toString(16)}`;
}

/** compare_events(): sched_switch by state, then wakeups, then by event id and total time (most first). */
function compareEvents(a: EventHash, b: EventHash): number {
  const ta = a.ed.type, tb = b.ed.type;
  if (ta === Type.SchedSwitch) {
    if (tb !== Type.SchedSwitch) return -1;
    return a.val > b.val ? 1 : a.val < b.val ? -1 : 0;
  } else if (tb === Type.SchedSwitch) return 1;
  if (ta === Type.Wakeup) return tb !== Type.Wakeup ? -1 : 0;
  if (tb === Type.Wakeup) return 1;
  if (a.ed.id !== b.ed.id) return a.ed.id > b.ed.id ? 1 : -1;
  return b.timeTotal - a.timeTotal;
}

/** The text a profile prints, written by `out` (trace-profile.c's printf()s). */
class ProfileWriter {
  private readonly base: bigint;

  constructor(
    private readonly trace: Trace,
    private readonly out: (s: string) => void,
  ) {
    this.base = BigInt(trace.tsBaseSec) * 1_000_000_000n;
  }

  /** "%lld.%06lld" of nsecs_per_sec() and mod_to_usec() (which rounds, and may give 1000000) */
  private ts(rel: number): string {
    const t = this.base + BigInt(rel);
    return `${t / 1_000_000_000n}.${(((t % 1_000_000_000n) + 500n) / 1000n).toString().padStart(6, '0')}`;
  }

  private symbolText(v: bigint): string {
    const k = this.trace.symbols.findBig(v);
    return k >= 0 ? `${this.trace.symbols.name(k)} (0x${v.toString(16)})` : `0x${v.toString(16)}`;
  }

  /** output_task() / output_group() */
  events(title: string, events: EventHash[]): void {
    this.out(title);
    events.sort((a, b) => compareEvents(a, b) || a.seq - b.seq);
    for (const eh of events) this.event(eh);
  }

  /** output_event() */
  private event(eh: EventHash): void {
    const ed = eh.ed;
    const name = ed.print ? ed.print(eh) : ed.type === Type.Func ? funcPrint(this.trace, eh) : `${ed.ev.name}:0x${eh.val.toString(16)}`;
    let line = `  Event: ${name} (${eh.count})`;
    if (eh.timeTotal) {
      const avg = Math.floor(eh.timeTotal / eh.count);
      line += ` Total: ${eh.timeTotal} Avg: ${avg} Max: ${eh.timeMax}(ts:${this.ts(eh.tsMax)}) Min:${eh.timeMin}(ts:${this.ts(eh.tsMin)})`;
    }
    this.out(line + '\n');
    this.stacks(eh.stacks);
  }

  /** output_stacks(): the stacks sorted by their words (compare_stacks()), folded into chains. */
  private stacks(stacks: Map<string, Stack>): void {
    const list = [...stacks.values()].sort(compareStacks);
    const chain = makeChain(list, this.trace.longSize, 0);
    this.chain(chain, 0, { mask: 0n });
  }

  private indent(level: number, mask: bigint): string {
    let s = '';
    for (let p = 0; p < level + 1; p++) s += ' '.repeat(INDENT - 1) + (mask & (1n << BigInt(p)) ? '|' : ' ') + ' ';
    return s;
  }

  /** output_chain() */
  private chain(chains: Chain[], level: number, m: { mask: bigint }): void {
    if (!chains.length) return;
    const bit = 1n << BigInt(level + 1);
    const pad = (c: string) => ' '.repeat(INDENT - 1) + c + ' ';
    m.mask |= bit;
    this.out(this.indent(level + 1, m.mask) + '\n');
    let line = '|';
    for (let i = 0; i < chains.length; i++) {
      const c = chains[i];
      let s = this.indent(level, m.mask) + pad('+');
      if (i === chains.length - 1) {
        m.mask &= ~bit;
        line = ' ';
      }
      s += this.symbolText(c.val) + '\n';
      s += this.indent(level, m.mask) + pad(line) + `  ${c.percent}% (${c.count})`;
      if (c.time) s += ` time:${c.time} max:${c.timeMax}(ts:${this.ts(c.tsMax)}) min:${c.timeMin}(ts:${this.ts(c.tsMin)}) avg:${c.timeAvg}`;
      this.out(s + '\n');
      let child = c.children;
      while (child.length === 1) {
        this.out(this.indent(level, m.mask) + pad(line) + '   ' + this.symbolText(child[0].val) + '\n');
        child = child[0].children;
      }
      if (child.length) this.chain(child, level + 1, m);
      this.out(this.indent(level + 1, m.mask) + '\n');
    }
    m.mask &= ~bit;
    this.out(this.indent(level, m.mask) + '\n');
  }
}

/** compare_stacks(): by 32-bit words up to the shorter one's size, then the longer last. */
function compareStacks(a: Stack, b: Stack): number {
  const n = Math.min(a.caller.length, b.caller.length);
  const da = new DataView(a.caller.buffer, a.caller.byteOffset, a.caller.byteLength);
  const db = new DataView(b.caller.buffer, b.caller.byteOffset, b.caller.byteLength);
  // (the C loop reads a whole word even past a size that is not a multiple of 4: here the words that fit)
  for (let k = 0; k + 4 <= n; k += 4) {
    const x = da.getUint32(k, true), y = db.getUint32(k, true);
    if (x !== y) return x > y ? 1 : -1;
  }
  return a.caller.length - b.caller.length;
}

interface Chain {
  val: bigint;
  time: number;
  timeMin: number;
  tsMin: number;
  timeMax: number;
  tsMax: number;
  timeAvg: number;
  count: number;
  percent: number;
  children: Chain[];
}

/** make_stack_chain(): the stacks (sorted) grouped by their word at `level`, each group's children the next level. */
function makeChain(stacks: Stack[], longSize: number, level: number): Chain[] {
  const stop = longSize < 8 ? (1n << BigInt(longSize * 8)) - 1n : (1n << 64n) - 1n;
  // stack_overflows(): longsize * level > size - longsize (size is unsigned long: a short stack wraps and never overflows)
  const overflows = (s: Stack) => {
    const rest = s.caller.length - longSize;
    return rest >= 0 && longSize * level > rest;
  };
  const value = (s: Stack) => {
    const at = longSize * level;
    const dv = new DataView(s.caller.buffer, s.caller.byteOffset, s.caller.byteLength);
    if (at + longSize > s.caller.length) return 0n;
    return longSize === 8 ? dv.getBigUint64(at, true) : BigInt(dv.getUint32(at, true));
  };
  const chains: Chain[] = [];
  let totalTime = 0, totalCount = 0;
  let count = 0, time = 0, timeMin = 0, tsMin = 0, timeMax = 0, tsMax = 0;
  let start = 0;
  for (let i = 0; i < stacks.length; i++) {
    const s = stacks[i];
    if (overflows(s)) {
      start = i + 1;
      continue;
    }
    const val = value(s);
    if (val === stop) {
      start = i + 1;
      continue;
    }
    count += s.count;
    time += s.time;
    if (s.timeMax > timeMax) {
      timeMax = s.timeMax;
      tsMax = s.tsMax;
    }
    if (i === start || s.timeMin < timeMin) {
      timeMin = s.timeMin;
      tsMin = s.tsMin;
    }
    if (i === stacks.length - 1 || overflows(stacks[i + 1]) || val !== value(stacks[i + 1])) {
      totalTime += time;
      totalCount += count;
      chains.push({ val, timeAvg: Math.floor(time / count), count, time, timeMin, tsMin, timeMax, tsMax, percent: 0, children: makeChain(stacks.slice(start, i + 1), longSize, level + 1) });
      start = i + 1;
      count = time = timeMin = timeMax = 0;
    }
  }
  // compare_chains(): most time first, then most hits (glibc's qsort of 2.36 is a stable merge sort)
  chains.sort((a, b) => b.time - a.time || b.count - a.count);
  const pct = (v: number, total: number) => Math.floor((v * 100 + Math.floor(total / 2)) / total);
  for (const c of chains) c.percent = totalTime ? pct(c.time, totalTime) : totalCount ? pct(c.count, totalCount) : 0;
  return chains;
}

/**
 * What `trace-cmd report --profile` prints after its cpus= line for a trace
 * (do_trace_profile()), written by `out` as it goes.
 */
export function traceProfile(trace: Trace, out: (s: string) => void, o: ProfileOptions = {}): void {
  const h = new Profile(trace, o);
  for (const b of trace.batches({ cpus: o.cpus, reuse: true })) {
    for (let i = 0; i < b.length; i++) if (!o.keep || o.keep(b, i)) h.record(b, i);
  }
  const w = new ProfileWriter(trace, out);
  // output_handle(): the global tasks, the groups, then every task by pid
  for (const t of [h.globalTask, ...h.percpu]) {
    const ev = allEvents(t);
    if (ev.length) w.events(`${t.comm}\n`, ev);
  }
  if (o.byComm) {
    for (const [comm, events] of groups(h)) w.events(`\ngroup: ${comm}\n`, events);
  }
  for (const t of [...h.tasks.values()].sort((a, b) => a.pid - b.pid)) {
    if (t.grouped) continue;
    w.events(t.pid < 0 ? `${t.comm}\n` : `\ntask: ${t.comm ?? trace.comms.get(t.pid)}-${t.pid}\n`, allEvents(t));
  }
}

/** merge_tasks(): tasks with a comm merged by it (merge_event_into_group()): wakeups as one, switches by state. */
function groups(h: Profile): [string, EventHash[]][] {
  const byComm = new Map<string, Map<EventData, Map<string, EventHash>>>();
  // in trace-cmd's task_hash order, which decides whose time stamp an equal min or max keeps
  for (const t of taskHashOrder(h.tasks)) {
    if (t.comm === null) continue;
    t.grouped = true;
    let g = byComm.get(t.comm);
    if (!g) byComm.set(t.comm, (g = new Map()));
    for (const eh of allEvents(t)) {
      if (eh.ed.type === Type.Wakeup) eh.searchVal = eh.val = 0n;
      else if (eh.ed.type === Type.SchedSwitch) eh.searchVal = eh.val;
      let byKey = g.get(eh.ed);
      if (!byKey) g.set(eh.ed, (byKey = new Map()));
      const key = `${eh.searchVal}:${eh.val}`;
      const exist = byKey.get(key);
      if (!exist) {
        byKey.set(key, eh);
        continue;
      }
      exist.count += eh.count;
      exist.timeTotal += eh.timeTotal;
      mergeExtremes(exist, eh);
      // merge_event_stack()
      for (const [k, st] of eh.stacks) {
        const e = exist.stacks.get(k);
        if (!e) {
          exist.stacks.set(k, st);
          continue;
        }
        e.count += st.count;
        e.time += st.time;
        mergeExtremes(e, st);
      }
    }
  }
  return [...byComm].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([c, g]) => [c, [...g.values()].flatMap((m) => [...m.values()])]);
}

type Extremes = Pick<Stack, 'timeMax' | 'tsMax' | 'timeMin' | 'tsMin'>;

/** merge_event_into_group(), merge_event_stack(): a larger max, a smaller min take the other's time stamp (ties keep their own). */
function mergeExtremes(into: Extremes, from: Extremes): void {
  if (into.timeMax < from.timeMax) {
    into.timeMax = from.timeMax;
    into.tsMax = from.tsMax;
  }
  if (into.timeMin > from.timeMin) {
    into.timeMin = from.timeMin;
    into.tsMin = from.tsMin;
  }
}

/** trace_hash() of trace-hash-local.h (Paul Hsieh's hash, on 32 bits). */
function traceHash(val: number): number {
  let hash = 12546869;
  hash = (hash + (val & 0xffff)) >>> 0;
  const tmp = ((val >>> 16) ^ hash) >>> 0;
  hash = ((hash << 16) ^ tmp) >>> 0;
  hash = (hash + (hash >>> 11)) >>> 0;
  hash = (hash ^ (hash << 3)) >>> 0;
  hash = (hash + (hash >>> 5)) >>> 0;
  hash = (hash ^ (hash << 4)) >>> 0;
  hash = (hash + (hash >>> 17)) >>> 0;
  hash = (hash ^ (hash << 25)) >>> 0;
  hash = (hash + (hash >>> 6)) >>> 0;
  return hash;
}

/** The tasks as trace_hash_for_each_bucket() walks task_hash (1024 buckets by trace_hash(pid), the newest first in each). */
function taskHashOrder(tasks: Map<number, Task>): Task[] {
  const list = [...tasks.values()].map((t, k) => ({ t, k, bucket: traceHash(t.pid >>> 0) & 1023 }));
  list.sort((a, b) => a.bucket - b.bucket || b.k - a.k);
  return list.map((x) => x.t);
}

function allEvents(t: Task): EventHash[] {
  const out: EventHash[] = [];
  for (const bySearch of t.events.values()) for (const byVal of bySearch.values()) for (const eh of byVal.values()) out.push(eh);
  return out;
}
