import type { EventFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { readerCache } from './field-values.ts';
import { scan } from './scan.ts';
import { buildEventSelection } from '../filter/trace-filter.ts';

/**
 * What the trace viewer draws, in one pass over a trace: every event (time,
 * CPU, name), per CPU the task that ran (from sched_switch; on a CPU that never
 * switches, from its events' common_pid), the kernel's own
 * spans nested in it (hard irqs, softirqs, IPI and other vector handlers, from
 * their entry/exit events), and each IPI as an arrow from the send event to the
 * handler entry on its target that served it (sends to a CPU before its next
 * handler entry are answered by that one interrupt, as
 * generic_smp_call_function_single_interrupt() runs the whole queue).
 * Columns of numbers, so a page can draw millions of events.
 */
export interface ViewData {
  source: string;
  cpus: number;
  /** ns of every time below are relative to this (ns since tsBaseSec). */
  originNs: number;
  tsBaseSec: number;
  spanNs: number;
  names: string[];
  events: { ts: Float64Array; cpu: Uint16Array; name: Uint16Array };
  comms: string[];
  tasks: { cpu: Uint16Array; start: Float64Array; end: Float64Array; pid: Int32Array; comm: Uint32Array };
  labels: string[];
  /** kind: 0 hard irq, 1 softirq, 2 IPI / vector handler. */
  kspans: { cpu: Uint16Array; start: Float64Array; end: Float64Array; kind: Uint8Array; label: Uint32Array; depth: Uint8Array };
  /** label: the function run (callback); site: where it was sent from (callsite), in labels; ev: the send event's index in events. */
  arrows: { from: Uint16Array; to: Uint16Array; send: Float64Array; recv: Float64Array; label: Uint32Array; site: Uint32Array; ev: Int32Array };
}

/** Vector handlers whose entry serves an IPI: the send events they answer. */
const IPI_HANDLERS = new Set(['call_function_entry', 'call_function_single_entry', 'reschedule_entry', 'irq_work_entry']);

class Col<T extends Float64Array | Uint16Array | Uint32Array | Int32Array | Uint8Array> {
  a: T;
  n = 0;
  constructor(private make: (n: number) => T) {
    this.a = make(1024);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a as never);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): T {
    return this.a.subarray(0, this.n) as T;
  }
}

function interner(): { list: string[]; id: (s: string) => number } {
  const list: string[] = [];
  const m = new Map<string, number>();
  return {
    list,
    id: (s) => {
      let k = m.get(s);
      if (k === undefined) {
        k = list.length;
        list.push(s);
        m.set(s, k);
      }
      return k;
    },
  };
}

/** A span kind and label for an entry/exit event pair, or null. */
function spanOf(ev: EventFormat): { kind: number; base: string; entry: boolean } | null {
  const m = /^(.*)_(entry|exit)$/.exec(ev.name);
  if (!m) return null;
  if (ev.system === 'irq' && m[1] === 'irq_handler') return { kind: 0, base: 'irq', entry: m[2] === 'entry' };
  if (ev.system === 'irq' && m[1] === 'softirq') return { kind: 1, base: 'softirq', entry: m[2] === 'entry' };
  if (ev.system === 'irq_vectors') return { kind: 2, base: m[1], entry: m[2] === 'entry' };
  return null;
}

export function viewData(trace: Trace): ViewData {
  const field = readerCache(trace);
  const nextPid = field('next_pid');
  const nextComm = field('next_comm');
  const prevPid = field('prev_pid');
  const prevComm = field('prev_comm');
  const irqName = field('name');
  const vec = field('vec');
  const ipiCpu = field('cpu');
  const ipiMask = field('cpumask');
  const callback = field('callback');
  const callsite = field('callsite');
  const names = interner();
  const comms = interner();
  const labels = interner();
  const ev = { ts: new Col((n) => new Float64Array(n)), cpu: new Col((n) => new Uint16Array(n)), name: new Col((n) => new Uint16Array(n)) };
  const tk = { cpu: new Col((n) => new Uint16Array(n)), start: new Col((n) => new Float64Array(n)), end: new Col((n) => new Float64Array(n)), pid: new Col((n) => new Int32Array(n)), comm: new Col((n) => new Uint32Array(n)) };
  const ks = { cpu: new Col((n) => new Uint16Array(n)), start: new Col((n) => new Float64Array(n)), end: new Col((n) => new Float64Array(n)), kind: new Col((n) => new Uint8Array(n)), label: new Col((n) => new Uint32Array(n)), depth: new Col((n) => new Uint8Array(n)) };
  const ar = { from: new Col((n) => new Uint16Array(n)), to: new Col((n) => new Uint16Array(n)), send: new Col((n) => new Float64Array(n)), recv: new Col((n) => new Float64Array(n)), label: new Col((n) => new Uint32Array(n)), site: new Col((n) => new Uint32Array(n)), ev: new Col((n) => new Int32Array(n)) };
  // per CPU: the running task since when; the open kernel spans; the sends waiting for a handler
  const running = new Map<number, { since: number; pid: number; comm: number }>();
  // a CPU that never switches tasks (an isolated CPU running one task) shows its task by the
  // common_pid of its events: runs of one pid, kept only while no sched_switch says better
  const pidRuns = new Map<number, { pid: number; start: number; spans: [number, number, number][] }>();
  const open = new Map<number, { start: number; kind: number; label: number; base: string }[]>();
  const pending = new Map<number, { t: number; from: number; label: number; site: number; ev: number }[]>();
  const closeSpan = (cpu: number, sp: { start: number; kind: number; label: number }, end: number, depth: number) => {
    ks.cpu.push(cpu);
    ks.start.push(sp.start);
    ks.end.push(end);
    ks.kind.push(sp.kind);
    ks.label.push(sp.label);
    ks.depth.push(Math.min(depth, 255));
  };
  let origin = NaN;
  let last = NaN;
  const nameOf = new Map<number, number>();
  scan(trace, {}, (b, i, e) => {
    const t0 = b.ts[i];
    if (Number.isNaN(origin)) origin = t0;
    const t = t0 - origin;
    last = t;
    const cpu = b.cpu[i];
    let nid = nameOf.get(b.type[i]);
    if (nid === undefined) nameOf.set(b.type[i], (nid = names.id(e ? e.name : `id ${b.type[i]}`)));
    ev.ts.push(t);
    ev.cpu.push(cpu);
    ev.name.push(nid);
    if (!running.has(cpu)) {
      const pid = b.pid[i];
      const run = pidRuns.get(cpu);
      if (!run) pidRuns.set(cpu, { pid, start: 0, spans: [] });
      else if (run.pid !== pid) {
        run.spans.push([run.pid, run.start, t]);
        run.pid = pid;
        run.start = t;
      }
    }
    if (!e) return;
    if (e.system === 'sched' && e.name === 'sched_switch') {
      const cur = running.get(cpu);
      const prev = { pid: Number(prevPid(e)?.read(b, i) ?? -1), comm: String(prevComm(e)?.read(b, i) ?? '') };
      // the first switch on a CPU tells who ran before it, since the trace began
      const since = cur ? cur.since : 0;
      const who = cur ?? { pid: prev.pid, comm: comms.id(prev.pid === 0 ? `swapper/${cpu}` : prev.comm) };
      tk.cpu.push(cpu);
      tk.start.push(since);
      tk.end.push(t);
      tk.pid.push(who.pid);
      tk.comm.push(who.comm);
      const pid = Number(nextPid(e)?.read(b, i) ?? -1);
      running.set(cpu, { since: t, pid, comm: comms.id(pid === 0 ? `swapper/${cpu}` : String(nextComm(e)?.read(b, i) ?? '')) });
      return;
    }
    const sp = spanOf(e);
    if (sp) {
      let st = open.get(cpu);
      if (!st) open.set(cpu, (st = []));
      if (sp.entry) {
        let label = sp.base;
        if (sp.kind === 0) label = `irq ${String(irqName(e)?.read(b, i) ?? '')}`;
        else if (sp.kind === 1) label = `softirq ${String(vec(e)?.read(b, i) ?? '')}`;
        st.push({ start: t, kind: sp.kind, label: labels.id(label), base: sp.base });
        if (sp.kind === 2 && IPI_HANDLERS.has(e.name)) {
          const waiting = pending.get(cpu);
          if (waiting?.length) {
            for (const w of waiting) {
              ar.from.push(w.from);
              ar.to.push(cpu);
              ar.send.push(w.t);
              ar.recv.push(t);
              ar.label.push(w.label);
              ar.site.push(w.site);
              ar.ev.push(w.ev);
            }
            waiting.length = 0;
          }
        }
      } else {
        // close the innermost span of this kind (an exit without its entry, at the trace's start, is dropped)
        for (let k = st.length - 1; k >= 0; k--) {
          if (st[k].base !== sp.base) continue;
          closeSpan(cpu, st[k], t, k);
          st.splice(k, 1);
          break;
        }
      }
      return;
    }
    if (e.system === 'ipi' && (e.name === 'ipi_send_cpu' || e.name === 'ipi_send_cpumask')) {
      const label = labels.id(String(callback(e)?.read(b, i) ?? e.name));
      const site = labels.id(String(callsite(e)?.read(b, i) ?? ''));
      const evIndex = ev.ts.n - 1;
      const targets: number[] = [];
      if (e.name === 'ipi_send_cpu') targets.push(Number(ipiCpu(e)?.read(b, i) ?? -1));
      else for (const part of String(ipiMask(e)?.read(b, i) ?? '').split(',')) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (m) for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) targets.push(c);
      }
      for (const c of targets) {
        if (c < 0 || c >= trace.cpus) continue;
        let q = pending.get(c);
        if (!q) pending.set(c, (q = []));
        q.push({ t, from: cpu, label, site, ev: evIndex });
      }
    }
  });
  const end = Number.isNaN(last) ? 0 : last;
  for (const [cpu, run] of pidRuns) {
    if (running.has(cpu)) continue;
    run.spans.push([run.pid, run.start, end]);
    for (const [pid, start, stop] of run.spans) {
      tk.cpu.push(cpu);
      tk.start.push(start);
      tk.end.push(stop);
      tk.pid.push(pid);
      tk.comm.push(comms.id(pid === 0 ? `swapper/${cpu}` : trace.comms.get(pid)));
    }
  }
  // what still runs, or is still open, at the end
  for (const [cpu, r] of running) {
    tk.cpu.push(cpu);
    tk.start.push(r.since);
    tk.end.push(end);
    tk.pid.push(r.pid);
    tk.comm.push(r.comm);
  }
  for (const [cpu, st] of open) st.forEach((s, k) => closeSpan(cpu, s, end, k));
  return {
    source: trace.source,
    cpus: trace.cpus,
    originNs: Number.isNaN(origin) ? 0 : origin,
    tsBaseSec: trace.tsBaseSec,
    spanNs: end,
    names: names.list,
    events: { ts: ev.ts.done(), cpu: ev.cpu.done(), name: ev.name.done() },
    comms: comms.list,
    tasks: { cpu: tk.cpu.done(), start: tk.start.done(), end: tk.end.done(), pid: tk.pid.done(), comm: tk.comm.done() },
    labels: labels.list,
    kspans: { cpu: ks.cpu.done(), start: ks.start.done(), end: ks.end.done(), kind: ks.kind.done(), label: ks.label.done(), depth: ks.depth.done() },
    arrows: { from: ar.from.done(), to: ar.to.done(), send: ar.send.done(), recv: ar.recv.done(), label: ar.label.done(), site: ar.site.done(), ev: ar.ev.done() },
  };
}

/**
 * The viewer's filter box: the numbers (in the page's event order, which is
 * the trace's) of the events `report -F ARG` shows: 'EVENTS' or 'EVENTS:
 * FILTER' in the kernel's filter language, CPUS{} included. A bad filter
 * throws the one-line error the CLI gives.
 */
export function viewFilterMatches(trace: Trace, arg: string): Int32Array {
  const keep = buildEventSelection(trace, [{ arg, negative: false }]);
  const out = new Col((n) => new Int32Array(n));
  let k = 0;
  for (const b of trace.batches({ reuse: true })) {
    for (let i = 0; i < b.length; i++, k++) if (keep(b, i, trace.formats.get(b.type[i]))) out.push(k);
  }
  return out.done();
}
