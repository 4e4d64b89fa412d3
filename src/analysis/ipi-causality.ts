import type { EventBatch } from '../core/batch.ts';
import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { ipiTargetReader, readerCache, type FieldReader } from './field-values.ts';
import { Columns, type ColumnsReport } from './columns.ts';
import { bump, byCodeUnits, sorted, usOrNull } from './counts.ts';
import { DurationSketch } from './quantiles.ts';
import { scan, spanSeconds, type ScanInfo, type Selection } from './scan.ts';
import { stackText } from './stack-text.ts';

/**
 * What an IPI asks its target to do, which decides the handler that answers
 * it: x86 CALL_FUNCTION(_SINGLE)_VECTOR (smp_call_function*, flushes, ttwu
 * wakelists), RESCHEDULE_VECTOR (smp_send_reschedule), IRQ_WORK_VECTOR
 * (irq_work_raise's self-IPI); arm64 names them by reason string instead.
 */
export type IpiKind = 'call' | 'resched' | 'irq_work' | 'other';
export const IPI_KINDS: readonly IpiKind[] = ['call', 'resched', 'irq_work', 'other'];

export interface IpiCausalityOptions extends Selection {
  /** Only requests and IPIs aimed at these CPUs (all CPUs when absent). */
  targets?: readonly number[];
}

/** Which steps of the IPI path the trace holds (an event of that step was seen anywhere). */
export interface IpiSides {
  /** csd:csd_queue_cpu (v6.6+), or the v6.4/v6.5 trace of each queued function as an ipi_send. */
  queue: 'csd_queue_cpu' | 'ipi_send function trace (v6.4/v6.5)' | null;
  /** ipi:ipi_send_cpu / ipi_send_cpumask / ipi_raise. */
  send: boolean;
  /** The handlers on the target: irq_vectors:*_entry for IPI vectors, or ipi:ipi_entry. */
  receive: boolean;
  /** csd:csd_function_entry: the function running on the target. */
  run: boolean;
}

export interface IpiFunctionStats {
  function: string;
  /** Requests queued to a target (csd_queue_cpu, or v6.4's function trace); 0 for IPIs with no request step. */
  queued: number;
  /** Requests whose target was sent an IPI for them (or IPIs sent, for IPIs with no request step). */
  ipiSent: number;
  /** Requests that needed no IPI: the target's call_single_queue was not empty, or it polled in idle. */
  noIpi: number;
  /** Requests seen running on the target (csd_function_entry), and of those inside an IPI handler. */
  ran: number;
  ranInIpi: number;
  /** Queue to run (csd_function_entry on the target). */
  runLatency: DurationSketch;
  /** Send to the handler entry on the target. */
  ipiLatency: DurationSketch;
  callsites: Map<string, number>;
}

export interface IpiTargetStats {
  cpu: number;
  /** IPIs sent to this CPU (one per target of each send; v6.4's double trace counted once). */
  sent: number;
  sentByKind: Record<IpiKind, number>;
  /** IPI handler entries on this CPU, by kind. */
  received: number;
  receivedByKind: Record<IpiKind, number>;
  /** Sends answered by a handler that an earlier send had already raised (the vector was pending). */
  coalesced: number;
  /** Sends with no handler on the target by the end of the trace (receive side recorded). */
  unanswered: number;
  /** Send to handler entry. */
  latency: DurationSketch;
  /** Requests queued to this CPU, and of those that needed no IPI. */
  queued: number;
  noIpi: number;
  /** IPIs sent to this CPU by the function they were sent for. */
  byFunction: Map<string, number>;
}

export interface IpiCausalitySummary {
  seconds: number;
  sides: IpiSides;
  /** What each count could not see, and what to record to see it. */
  notes: string[];
  /** IPIs sent to the chosen targets, and handler entries on them. */
  sent: number;
  received: number | null;
  functions: IpiFunctionStats[];
  perTarget: IpiTargetStats[];
  bySenderCpu: [number, number][];
  bySenderComm: [string, number][];
  byCallsite: [string, number][];
  /** Call chains (kernel_stack after a send) weighted by how many chosen targets the send hit. */
  chains: [string, number][];
}

interface Request {
  t: number;
  target: number;
  func: string;
  callsite: string;
  csd: string | null;
  stats: IpiFunctionStats;
}

interface Delivery {
  t: number;
  stats: IpiFunctionStats;
  sender: number;
  pid: number;
  kind: IpiKind;
  callsite: string;
}

/**
 * One IPI from its send to the handler entry on its target that answered it
 * (`ipiCausality`'s join, row by row): times are the trace's ns, the handler
 * null when none came by the end of the trace (or its events were not recorded).
 */
export interface IpiRow {
  sendTs: number;
  senderCpu: number;
  senderPid: number;
  target: number;
  kind: IpiKind;
  /** The function it was sent for (csd request, callback, or the resched/reason name). */
  function: string;
  callsite: string;
  handlerTs: number | null;
  /** Answered by a handler an earlier send had already raised (the vector was pending). */
  coalesced: boolean;
}

type Role =
  | { kind: 'queue'; target: FieldReader | undefined; func: FieldReader | undefined; callsite: FieldReader | undefined; csd: FieldReader | undefined }
  | { kind: 'send'; targets: (b: EventBatch, i: number) => number[]; callback: FieldReader | undefined; callsite: FieldReader | undefined; reason: FieldReader | undefined }
  | { kind: 'entry' | 'exit'; ipi: IpiKind | null; reason: FieldReader | undefined }
  | { kind: 'run'; func: FieldReader | undefined; csd: FieldReader | undefined }
  | { kind: 'stack' }
  | { kind: 'switch' }
  | null;

/** irq_vectors handlers of IPI vectors (arch/x86/include/asm/trace/irq_vectors.h). */
const VECTOR_KIND: Record<string, IpiKind> = {
  call_function_entry: 'call',
  call_function_single_entry: 'call',
  reschedule_entry: 'resched',
  irq_work_entry: 'irq_work',
  call_function_exit: 'call',
  call_function_single_exit: 'call',
  reschedule_exit: 'resched',
  irq_work_exit: 'irq_work',
};

/** arm64's ipi_types[] reason strings (arch/arm64/kernel/smp.c) to the kind of work. */
export function reasonKind(reason: string): IpiKind {
  if (/resched/i.test(reason)) return 'resched';
  if (/function call/i.test(reason)) return 'call';
  if (/irq work/i.test(reason)) return 'irq_work';
  return 'other';
}

/** `do_sync_core+0x0` (%pS of a function pointer) and `do_sync_core` (%ps) name the same function. */
export function functionName(s: string): string {
  return s.endsWith('+0x0') ? s.slice(0, -4) : s;
}

/** The callback every csd IPI is traced with (the function it runs is elsewhere: csd_queue_cpu, or v6.4's first trace). */
export const GENERIC_CALLBACK = /^generic_smp_call_function(_single)?_interrupt\b/;
const RESCHED = '(reschedule)';

/**
 * The IPI path, joined from request to effect, one streaming pass.
 *
 * v6.6+ (kernel/smp.c, csd.h): smp_call_function_many_cond() and
 * __smp_call_single_queue() trace csd_queue_cpu(cpu, callsite, func, csd) for
 * each target, then send_call_function_{single_ipi,ipi_mask}() traces the IPI
 * actually sent with callback=generic_smp_call_function_single_interrupt, only
 * to targets whose call_single_queue was empty (llist_add() returned true) and
 * that were not polling in idle; csd_do_func() traces csd_function_entry on
 * the target when the function runs. v6.4/v6.5 trace each queued function as
 * an ipi_send with the function as callback, then the IPI sent a second time
 * with the generic callback: the first is the request, only the second is an
 * IPI. A request is resolved by the next generic send from its CPU (queueing
 * and sending run with preemption disabled, so a context switch on the sender
 * also ends it). smp_send_reschedule() traces callback NULL; irq_work_raise()
 * traces a self-IPI with the work's function.
 *
 * On the target, one handler entry answers every send of its kind since the
 * previous entry (the vector stays pending once).
 */
export function ipiCausalityColumns(trace: Trace, o: IpiCausalityOptions = {}): ColumnsReport<IpiCausalitySummary> {
  const c = new IpiCollector(trace, o.targets);
  const info = scan(trace, o, (b, i, ev) => c.visit(b, i, ev));
  return c.finish(info);
}

/** The state of ipiCausality's pass, so interference can feed it from its own scan. */
export class IpiCollector {
  /** By event id: undefined until decided, null for events of no interest. */
  private readonly roles: (Role | undefined)[] = [];
  private readonly field: ReturnType<typeof readerCache>;
  private readonly want: (cpu: number) => boolean;
  private readonly doubleTrace: boolean;
  readonly sides: IpiSides = { queue: null, send: false, receive: false, run: false };
  private readonly functions = new Map<string, IpiFunctionStats>();
  private readonly targets = new Map<number, IpiTargetStats>();
  /** Per sender: its unresolved requests, by target (one per target: a second one resolves the first). */
  private readonly pending = new Map<number, Map<number, Request>>();
  /** Per target: requests waiting to run, by csd address (a csd is locked until its function ran). */
  private readonly waiting = new Map<number, Map<string, Request>>();
  /** Per target and kind: sends not yet answered by a handler. */
  private readonly unanswered = new Map<number, Delivery[][]>();
  private readonly callDepth = new Map<number, number>();
  private readonly senderCpu = new Map<number, number>();
  private readonly senderComm = new Map<string, number>();
  private readonly callsites = new Map<string, number>();
  private readonly chains = new Map<string, number>();
  /** The chosen targets of the IPI sent by the event visited last. */
  private sent: number[] = [];
  /** The chosen targets of the send a CPU traced last, for the kernel_stack that follows it. */
  private readonly lastSend: number[] = [];

  /**
   * @param onIpi called once per IPI sent to a chosen target, when its handler
   *   entry is seen or at finish() (unanswered), in that order, not in send order
   */
  constructor(private readonly trace: Trace, targets?: readonly number[], private readonly onIpi?: (row: IpiRow) => void) {
    this.field = readerCache(trace);
    const set = targets ? new Set(targets) : null;
    this.want = set ? (c) => set.has(c) : () => true;
    for (const c of targets ?? []) this.target(c);
    this.doubleTrace = !trace.formats.find('csd_queue_cpu', 'csd').length;
  }

  private role(ev: EventFormat): Role {
    let r = this.roles[ev.id];
    if (r !== undefined) return r;
    const f = (n: string) => this.field(n)(ev);
    r = null;
    if (ev.system === 'csd' && ev.name === 'csd_queue_cpu') r = { kind: 'queue', target: f('cpu'), func: f('func'), callsite: f('callsite'), csd: f('csd') };
    else if (ev.system === 'csd' && ev.name === 'csd_function_entry') r = { kind: 'run', func: f('func'), csd: f('csd') };
    else if (ev.system === 'ipi' && (ev.name === 'ipi_send_cpu' || ev.name === 'ipi_send_cpumask' || ev.name === 'ipi_raise')) {
      const targets = ipiTargetReader(this.trace, ev);
      if (targets) r = { kind: 'send', targets, callback: f('callback'), callsite: f('callsite'), reason: f('reason') };
    } else if (ev.system === 'ipi' && (ev.name === 'ipi_entry' || ev.name === 'ipi_exit')) r = { kind: ev.name === 'ipi_entry' ? 'entry' : 'exit', ipi: null, reason: f('reason') };
    else if (ev.system === 'irq_vectors' && Object.hasOwn(VECTOR_KIND, ev.name)) r = { kind: ev.name.endsWith('_entry') ? 'entry' : 'exit', ipi: VECTOR_KIND[ev.name], reason: undefined };
    else if (ev.system === 'ftrace' && ev.name === 'kernel_stack') r = { kind: 'stack' };
    else if (ev.system === 'sched' && ev.name === 'sched_switch') r = { kind: 'switch' };
    this.roles[ev.id] = r;
    return r;
  }

  private fn(name: string): IpiFunctionStats {
    let s = this.functions.get(name);
    if (!s) this.functions.set(name, (s = { function: name, queued: 0, ipiSent: 0, noIpi: 0, ran: 0, ranInIpi: 0, runLatency: new DurationSketch(), ipiLatency: new DurationSketch(), callsites: new Map() }));
    return s;
  }

  private target(cpu: number): IpiTargetStats {
    let s = this.targets.get(cpu);
    if (!s) this.targets.set(cpu, (s = { cpu, sent: 0, sentByKind: kinds(), received: 0, receivedByKind: kinds(), coalesced: 0, unanswered: 0, latency: new DurationSketch(), queued: 0, noIpi: 0, byFunction: new Map() }));
    return s;
  }

  private request(t: number, sender: number, target: number, func: string, callsite: string, csd: string | null): void {
    const stats = this.fn(func);
    stats.queued++;
    bump(stats.callsites, callsite);
    this.target(target).queued++;
    let p = this.pending.get(sender);
    if (!p) this.pending.set(sender, (p = new Map()));
    // an unresolved request to the same target from this CPU needed no IPI
    const earlier = p.get(target);
    if (earlier) this.noIpi(earlier);
    const req = { t, target, func, callsite, csd, stats };
    p.set(target, req);
    if (csd !== null) {
      let w = this.waiting.get(target);
      if (!w) this.waiting.set(target, (w = new Map()));
      w.set(csd, req);
    }
  }

  private noIpi(r: Request): void {
    r.stats.noIpi++;
    this.target(r.target).noIpi++;
  }

  private resolve(sender: number): void {
    const p = this.pending.get(sender);
    if (!p?.size) return;
    for (const r of p.values()) this.noIpi(r);
    p.clear();
  }

  private deliver(t: number, sender: number, pid: number, target: number, kind: IpiKind, stats: IpiFunctionStats, callsite: string): void {
    stats.ipiSent++;
    const x = this.target(target);
    x.sent++;
    x.sentByKind[kind]++;
    bump(x.byFunction, stats.function);
    this.sent.push(target);
    bump(this.senderCpu, sender);
    bump(this.senderComm, this.trace.comms.get(pid));
    bump(this.callsites, callsite);
    let u = this.unanswered.get(target);
    if (!u) this.unanswered.set(target, (u = IPI_KINDS.map(() => [])));
    const q = u[IPI_KINDS.indexOf(kind)];
    const d = { t, stats, sender, pid, kind, callsite };
    // a handler that never comes (its events not recorded) must not grow this without bound
    if (q.length < 4096) q.push(d);
    else {
      x.unanswered++;
      this.emit(d, target, null, false);
    }
  }

  private emit(d: Delivery, target: number, handlerTs: number | null, coalesced: boolean): void {
    this.onIpi?.({ sendTs: d.t, senderCpu: d.sender, senderPid: d.pid, target, kind: d.kind, function: d.stats.function, callsite: d.callsite, handlerTs, coalesced });
  }

  /** The chosen CPUs the event visited last sent an IPI to (none if it sent none). */
  lastTargets(): readonly number[] {
    return this.sent;
  }

  visit(b: EventBatch, i: number, ev: EventFormat | undefined): void {
    if (this.sent.length) this.sent = [];
    if (!ev) return;
    const r = this.role(ev);
    const cpu = b.cpu[i];
    if (r?.kind !== 'stack' && this.lastSend[cpu]) this.lastSend[cpu] = 0;
    if (!r) return;
    const t = b.ts[i];
    switch (r.kind) {
      case 'queue': {
        this.sides.queue = 'csd_queue_cpu';
        const target = Number(r.target?.read(b, i) ?? -1);
        if (!this.want(target)) return;
        this.request(t, cpu, target, functionName(String(r.func?.read(b, i) ?? '?')), String(r.callsite?.read(b, i) ?? '?'), r.csd ? String(r.csd.read(b, i)) : null);
        return;
      }
      case 'send': {
        this.sides.send = true;
        const targets = r.targets(b, i);
        const callsite = String(r.callsite?.read(b, i) ?? '?');
        const reason = r.reason ? String(r.reason.read(b, i) ?? '') : null;
        const cb = r.callback ? r.callback.read(b, i) : null;
        const cbText = cb === null || cb === 0 || cb === '0x0' ? null : String(cb);
        let kind: IpiKind | 'request';
        if (reason !== null) kind = reasonKind(reason);
        else if (cbText === null) kind = 'resched';
        else if (GENERIC_CALLBACK.test(cbText)) kind = 'call';
        else if (targets.length === 1 && targets[0] === cpu) kind = 'irq_work';
        else kind = this.doubleTrace ? 'request' : 'other';
        if (kind === 'request') {
          this.sides.queue ??= 'ipi_send function trace (v6.4/v6.5)';
          for (const c of targets) if (this.want(c)) this.request(t, cpu, c, functionName(cbText!), callsite, null);
          return;
        }
        const p = kind === 'call' ? this.pending.get(cpu) : undefined;
        let hit = 0;
        for (const c of targets) {
          if (!this.want(c)) continue;
          hit++;
          let stats: IpiFunctionStats | undefined;
          let site = callsite;
          const req = p?.get(c);
          if (req) {
            p!.delete(c);
            stats = req.stats;
            site = req.callsite;
          }
          stats ??= this.fn(reason ?? (kind === 'resched' ? RESCHED : functionName(cbText!)));
          this.deliver(t, cpu, b.pid[i], c, kind, stats, site);
        }
        if (kind === 'call') this.resolve(cpu);
        if (hit) this.lastSend[cpu] = hit;
        return;
      }
      case 'entry':
      case 'exit': {
        const kind = r.ipi ?? reasonKind(String(r.reason?.read(b, i) ?? ''));
        if (kind === 'call') this.callDepth.set(cpu, Math.max(0, (this.callDepth.get(cpu) ?? 0) + (r.kind === 'entry' ? 1 : -1)));
        if (r.kind === 'exit') return;
        this.sides.receive = true;
        if (!this.want(cpu)) return;
        const x = this.target(cpu);
        x.received++;
        x.receivedByKind[kind]++;
        const q = this.unanswered.get(cpu)?.[IPI_KINDS.indexOf(kind)];
        if (!q?.length) return;
        x.coalesced += q.length - 1;
        for (let k = 0; k < q.length; k++) {
          const d = q[k];
          x.latency.add(t - d.t);
          d.stats.ipiLatency.add(t - d.t);
          this.emit(d, cpu, t, k > 0);
        }
        q.length = 0;
        return;
      }
      case 'run': {
        this.sides.run = true;
        if (!this.want(cpu) || !r.csd) return;
        const w = this.waiting.get(cpu);
        const csd = String(r.csd.read(b, i));
        const req = w?.get(csd);
        if (!req || req.func !== functionName(String(r.func?.read(b, i) ?? ''))) return;
        w!.delete(csd);
        req.stats.ran++;
        if ((this.callDepth.get(cpu) ?? 0) > 0) req.stats.ranInIpi++;
        req.stats.runLatency.add(t - req.t);
        return;
      }
      case 'switch':
        this.resolve(cpu);
        return;
      case 'stack': {
        const n = this.lastSend[cpu];
        this.lastSend[cpu] = 0;
        if (n) bump(this.chains, stackText(this.trace, ev, b, i), n);
        return;
      }
    }
  }

  finish(info: ScanInfo): ColumnsReport<IpiCausalitySummary> {
    for (const cpu of [...this.pending.keys()]) this.resolve(cpu);
    if (this.sides.receive) for (const [cpu, u] of this.unanswered) if (this.targets.has(cpu)) this.target(cpu).unanswered += u.reduce((s, q) => s + q.length, 0);
    for (const [cpu, u] of this.unanswered) for (const q of u) for (const d of q) this.emit(d, cpu, null, false);
    const sides = this.sides;
    const notes: string[] = [];
    if (!sides.send) notes.push('no IPI sends in the trace: record -e ipi (ipi_send_cpu, ipi_send_cpumask) to see senders, callsites and call chains');
    if (!sides.receive) notes.push('no IPI handlers in the trace: counts are IPIs sent, not received; record -e irq_vectors (x86) or -e ipi:ipi_entry (arm64) to count what the targets took');
    if (sides.send && !sides.queue) notes.push('no csd_queue_cpu in the trace: functions are the IPI callbacks; record -e csd to see which function each IPI ran and the requests that needed no IPI');
    if (sides.queue && !sides.run && sides.queue === 'csd_queue_cpu') notes.push('no csd_function_entry in the trace: whether and when each function ran is unknown; record -e csd');
    const perTarget = [...this.targets.values()].sort((a, b) => a.cpu - b.cpu);
    const functions = [...this.functions.values()].sort((a, b) => b.queued + b.ipiSent - (a.queued + a.ipiSent) || byCodeUnits(a.function, b.function));
    const sent = perTarget.reduce((s, x) => s + x.sent, 0);
    const received = sides.receive ? perTarget.reduce((s, x) => s + x.received, 0) : null;
    const summary: IpiCausalitySummary = {
      seconds: spanSeconds(info),
      sides,
      notes,
      sent,
      received,
      functions,
      perTarget,
      bySenderCpu: sorted(this.senderCpu),
      bySenderComm: sorted(this.senderComm),
      byCallsite: sorted(this.callsites),
      chains: sorted(this.chains),
    };
    return { table: functionColumns(summary), summary };
  }
}

/** One row per function: the requests, the IPIs sent for them, and the latency (µs); null where the trace could not say. */
export function functionColumns(s: Pick<IpiCausalitySummary, 'sides' | 'functions'>): Columns {
  const { sides, functions } = s;
  const us = usOrNull;
  // the latency a reviewer asks about: request to the function running, when runs are traced
  const lat = (f: IpiFunctionStats) => (sides.run && f.queued ? f.runLatency : f.ipiLatency);
  return new Columns({
    function: functions.map((f) => f.function),
    queued: functions.map((f) => (sides.queue ? f.queued : null)),
    ipi_sent: functions.map((f) => f.ipiSent),
    no_ipi: functions.map((f) => (sides.queue ? f.noIpi : null)),
    ran: functions.map((f) => (sides.run ? f.ran : null)),
    ran_in_ipi: functions.map((f) => (sides.run ? f.ranInIpi : null)),
    p50_us: functions.map((f) => us(lat(f).quantile(0.5))),
    p99_us: functions.map((f) => us(lat(f).quantile(0.99))),
    max_us: functions.map((f) => (lat(f).count ? lat(f).maxNs / 1000 : null)),
    top_callsite: functions.map((f) => sorted(f.callsites)[0]?.[0] ?? ''),
  });
}

function kinds(): Record<IpiKind, number> {
  return { call: 0, resched: 0, irq_work: 0, other: 0 };
}

