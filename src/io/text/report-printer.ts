import type { TepLog } from '../../printfmt/tep-log.ts';
import { HARDIRQ, IRQS_NOSUPPORT, IRQS_OFF, NEED_RESCHED, SOFTIRQ } from '../../core/trace-flags.ts';
import { copyEvent, EventBatch } from '../../core/batch.ts';
import type { EventFormat } from '../../core/event-format.ts';
import type { Trace } from '../../core/trace.ts';
import type { CommTable } from '../../core/comms.ts';
import { printerFor, type Printer } from '../../printfmt/event-text.ts';
import { PluginState, peeksNext, printsPurely, type NextRecord } from '../../printfmt/plugins.ts';
import { recordRef, type PrintEnv, type RecordRef } from '../../printfmt/record.ts';
import { latin1Bytes } from '../../core/latin1.ts';
import { ByteSink } from './byte-sink.ts';
import { WakeupLatency } from './wakeup-latency.ts';
import { TextCache, payloadOnly } from './text-cache.ts';
import { compiledPrint } from '../../printfmt/render.ts';
import { TOO_DEEP } from '../../printfmt/parse.ts';

/** Decides whether report prints a record (report -F); `comms` is the comm table as printing has taught it so far. */
export type ReportKeep = (batch: EventBatch, i: number, ev: EventFormat | undefined, comms: CommTable) => boolean;

/** `trace-cmd report` switches tracelab reproduces. */
export interface ReportOptions {
  /** -l: latency format (short comm, flags column). */
  latency?: boolean;
  /** -t: full nanosecond timestamps. */
  ns?: boolean;
  /** -R: raw fields instead of the print fmt. */
  raw?: boolean;
  /** --cpu: only these CPUs (the cpus= line is unchanged). */
  cpus?: ReadonlySet<number>;
  /** Keeps an event (after --cpu); from report -F (it sees the comms printing has learned). */
  keep?: ReportKeep;
  /** -O ftrace:parent / ftrace:offset / ftrace:indent, fgraph:tailprint / fgraph:depth. */
  plugin?: Partial<Pick<PluginState, 'parent' | 'offset' | 'indent' | 'tailprint' | 'depth'>>;
  /** --ts-diff: the time since the previous event printed, after the time. */
  tsDiff?: boolean;
  /** --ts-offset: ns added to every time stamp. */
  tsOffsetNs?: number;
  /** -N / -L: no plugin loaded (no event handler, no plugin print function; not trace-cmd's function_graph printer either). */
  noPlugins?: boolean;
  /** -r: these events print their raw fields. */
  rawEvents?: (ev: EventFormat) => boolean;
  /** -n: these events print without their handler. */
  noHandler?: (ev: EventFormat) => boolean;
  /** --align-ts: ns subtracted from every time stamp (the earliest first time stamp of the inputs). */
  alignNs?: bigint;
  /** --ts-check: warn when a record's time stamp is before the one printed before it. */
  tsCheck?: boolean;
  /** -w: wakeup latency on each sched_switch line, and a summary at the end. */
  wakeup?: boolean;
  /** Every event prints when it is read (no function_graph entry waits for its exit): one text per event, for a viewer. */
  noLookahead?: boolean;
  /** -I / -S: leave out events with the hardirq / softirq flag set. */
  noHardirq?: boolean;
  noSoftirq?: boolean;
  /** report --verbose: trace-cmd's log lines right before the cpus= line and right after it ("CPU 3 is empty"). */
  beforeHeader?: string;
  afterHeader?: string;
  /** report --verbose: trace-cmd's log as it closes the file, after the events (and before -w's summary). */
  closing?: string;
  /** report --verbose: libtraceevent's log, for the warnings it prints while it prints events. */
  tepLog?: TepLog;
  /** `out` is done with each chunk when it returns (it writes it): chunks are views of one buffer, refilled, not copies. */
  reuseChunks?: boolean;
}

/** Clocks whose values are nanoseconds; others print as raw counters. */
const NS_CLOCKS = new Set(['local', 'global', 'uptime', 'perf', 'mono', 'mono_raw', 'tai', 'tsc2nsec']);

export function isNsClock(trace: Trace, clock: string): boolean {
  // --raw-ts: never in µs (TRACECMD_FL_IN_USECS stays clear); --ts2secs: no trace clock, seconds
  if (trace.options.rawTs) return false;
  if (trace.options.ts2secs !== undefined) return true;
  return NS_CLOCKS.has(clock) || trace.options.tsc2nsec !== undefined;
}

const SPACES = ' '.repeat(64);
function lpad(s: string, w: number): string {
  return s.length >= w ? s : SPACES.slice(0, w - s.length) + s;
}
function rpad(s: string, w: number): string {
  return s.length >= w ? s : s + SPACES.slice(0, w - s.length);
}

/** libtraceevent's latency column: irqs-off, need-resched, hardirq/softirq, preempt depth, migrate-disable. */
export function latencyFlags(flags: number, pc: number): string {
  const hard = flags & HARDIRQ;
  const soft = flags & SOFTIRQ;
  return (
    (flags & IRQS_OFF ? 'd' : flags & IRQS_NOSUPPORT ? 'X' : '.') +
    (flags & NEED_RESCHED ? 'N' : '.') +
    (hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.') +
    (pc & 0xf ? (pc & 0xf).toString(16) : '.') +
    (pc & 0xf0 ? (pc >> 4).toString(16) : '.')
  );
}

/**
 * Prints a trace exactly as `trace-cmd report` (3.1.6 with libtraceevent 1.7.1)
 * does, calling `out` with chunks of bytes (latin1). One printer serves every source.
 */
export function printReport(trace: Trace, out: (chunk: Uint8Array) => void, opts: ReportOptions = {}): { events: number } {
  const sink = new ByteSink(out, undefined, opts.reuseChunks);
  const p = new EventLines(trace, sink, opts, null, { lastDiffTs: 0 });
  if (p.header()) {
    for (const batch of trace.batches({ cpus: p.readCpus(opts.cpus), reuse: true })) {
      p.bind(batch);
      for (let i = 0; i < batch.length; i++) p.line(batch, i);
    }
    p.finish();
    // trace_report() closes the files (tracecmd_close()) before finish_wakeup()
    if (opts.closing) sink.str(opts.closing);
    p.wakeupSummary();
  } else if (opts.closing) sink.str(opts.closing);
  sink.flush();
  return { events: p.events };
}

/**
 * Each event's text as report prints it (its line, and for a stack its
 * following lines), in the order report prints them, for the first `max`
 * events; function_graph entries print as nested calls (no lookahead).
 */
export function reportEventTexts(trace: Trace, max: number, opts: ReportOptions = {}): string[] {
  const texts: string[] = [];
  let pending: Uint8Array[] = [];
  const sink = new ByteSink((c) => pending.push(c.slice()), 1 << 16, true);
  const p = new EventLines(trace, sink, { ...opts, noLookahead: true }, null, { lastDiffTs: 0 });
  sink.pos = 0;
  const take = () => {
    sink.flush();
    texts.push(Buffer.concat(pending).toString('latin1'));
    pending = [];
  };
  // the header line is not an event's
  p.header();
  sink.pos = 0;
  outer: for (const batch of trace.batches({ cpus: opts.cpus, reuse: true })) {
    p.bind(batch);
    for (let i = 0; i < batch.length; i++) {
      if (texts.length >= max) break outer;
      p.line(batch, i);
      take();
    }
  }
  return texts;
}

/** One input of several (`report -i A -i B`): its name as given, and --ts-offset after its -i. */
export interface ReportInput {
  trace: Trace;
  name: string;
  tsOffsetNs?: number;
  /** This file's -F selection (the filters given after its -i). */
  keep?: ReportOptions['keep'];
  /** This file's --verbose lines around its cpus= line, and as it closes. */
  beforeHeader?: string;
  afterHeader?: string;
  closing?: string;
  tepLog?: TepLog;
}

/**
 * Several traces merged as trace-cmd merges several -i files
 * (read_data_info()): each file's "cpus=" line, then the events of all in
 * time order (a tie goes to the earlier file), every line led by its file's
 * base name right-aligned to the longest and ": ". --cpu counts CPUs across the
 * files, as 3.1.6 does (its callback gets one index for all inputs): the
 * second of two 2-CPU files has CPUs 2 and 3.
 */
export function printReports(inputs: readonly ReportInput[], out: (chunk: Uint8Array) => void, opts: ReportOptions = {}): { events: number } {
  const own = (x: ReportInput): ReportOptions => ({ ...opts, keep: x.keep ?? opts.keep, tsOffsetNs: (opts.tsOffsetNs ?? 0) + (x.tsOffsetNs ?? 0), beforeHeader: x.beforeHeader, afterHeader: x.afterHeader, closing: x.closing, tepLog: x.tepLog ?? opts.tepLog });
  if (inputs.length === 1) return printReport(inputs[0].trace, out, own(inputs[0]));
  const sink = new ByteSink(out, undefined, opts.reuseChunks);
  // add_handle(): the name after the last '/', right-aligned to the longest
  const base = inputs.map((x) => x.name.slice(x.name.lastIndexOf('/') + 1));
  const width = Math.max(...base.map((b) => b.length));
  const shared = { lastDiffTs: 0 };
  let firstCpu = 0;
  const files = inputs.map((x, k) => {
    const p = new EventLines(x.trace, sink, { ...own(x), keep: x.keep }, latin1Bytes(lpad(base[k], width) + ': '), shared);
    let cpus: Set<number> | undefined;
    if (opts.cpus) {
      cpus = new Set();
      for (const c of opts.cpus) if (c >= firstCpu && c < firstCpu + x.trace.cpus) cpus.add(c - firstCpu);
    }
    firstCpu += x.trace.cpus;
    return { x, p, cpus, live: p.header() };
  });
  // each file's batches, the next event of each, and its time as (whole seconds, ns within)
  const cur = files.map((f) => {
    const it = f.live ? f.x.trace.batches({ cpus: f.p.readCpus(f.cpus), reuse: true })[Symbol.iterator]() : null;
    return { f, it, batch: null as EventBatch | null, i: 0, base: f.p.baseSec, off: f.p.tsOffset };
  });
  const advance = (c: (typeof cur)[number]): void => {
    while (c.it && (!c.batch || c.i >= c.batch.length)) {
      const n = c.it.next();
      if (n.done) {
        c.it = null;
        c.batch = null;
        return;
      }
      c.batch = n.value;
      c.i = 0;
      c.f.p.bind(c.batch);
    }
  };
  for (const c of cur) advance(c);
  for (;;) {
    let best: (typeof cur)[number] | null = null;
    for (const c of cur) {
      if (!c.batch) continue;
      // compare exact times: seconds apart in whole seconds, then the ns within
      if (!best || (c.base - best.base) * 1e9 + (c.batch.ts[c.i] + c.off) - (best.batch!.ts[best.i] + best.off) < 0) best = c;
    }
    if (!best) break;
    best.f.p.line(best.batch!, best.i);
    best.i++;
    advance(best);
    // a deferred line (function_graph's entry) prints now, with its file's next record at hand
    if (best.f.p.deferred && best.f.p.resolve(best.batch, best.i)) {
      best.i++;
      advance(best);
    }
  }
  for (const c of cur) c.f.p.finish();
  for (const x of inputs) if (x.closing) sink.str(x.closing);
  sink.flush();
  return { events: files.reduce((n, f) => n + f.p.events, 0) };
}

/** The lines of one trace: its header and each event, with everything looked up once per id, pid and CPU. */
class EventLines {
  events = 0;
  readonly tsOffset: number;
  private readonly comms: CommTable;
  private readonly env: PrintEnv;
  private readonly state = new PluginState();
  private readonly prefixes: Uint8Array[];
  private readonly instanced: boolean;
  private readonly nsClock: boolean[];
  readonly baseSec: number;
  private readonly r: RecordRef = recordRef();
  private readonly lat: boolean;
  private readonly ns: boolean;
  private readonly raw: boolean;
  private readonly keep: ReportOptions['keep'];
  // Repeated pieces, encoded once: "comm-pid [" per pid, "cpu]" per CPU, ": name: " per event
  private readonly headCache = new Map<number, Uint8Array>();
  // per event id: its format (null: unknown id) and printer, looked up once
  // dense arrays: reading past the end of a JS array takes V8's slow path
  private readonly formatById: (EventFormat | null | undefined)[] = new Array(65536).fill(undefined);
  private readonly printerById: (Printer | undefined)[] = new Array(65536).fill(undefined);
  private readonly cacheable = new Uint8Array(65536);
  // per event id: 1 when its printer reads the next record (its line waits for it)
  private readonly defers = new Uint8Array(65536);
  /** The line waiting for the next record (a copy: batches are reused). */
  deferred: EventBatch | null = null;
  private readonly deferBatch = new EventBatch(1, 256);
  private readonly nextRef: RecordRef = recordRef();
  private nextBatch: EventBatch | null = null;
  private readonly wakeup: WakeupLatency | null;
  /** --cpu applied per line, when the peeking printers must see every CPU's records. */
  private cpuOnly: ReadonlySet<number> | null = null;
  private nextIndex = 0;
  private readonly textCache = new TextCache();
  private readonly cpuText: Uint8Array[] = [];
  private readonly taskCache = new Map<number, Uint8Array>();
  private taskCacheVersion: number;
  private lastSec = -1;
  private secText: Uint8Array = new Uint8Array(0);
  private readonly tsDiff: boolean;
  // test_filters(): -I and -S drop events by their flags before anything else
  private readonly flagMask: number;
  // --ts-diff rounds to µs when the file names its trace clock and -t is off (trace_show_data())
  private readonly diffUs: boolean;

  constructor(
    private readonly trace: Trace,
    private readonly sink: ByteSink,
    private readonly opts: ReportOptions,
    /** With several inputs: the file name before every line. */
    private readonly filePrefix: Uint8Array | null,
    /** --ts-diff's and --ts-check's last times: one for all inputs, as trace-cmd's statics are. */
    private readonly shared: { lastDiffTs: number; lastCheckTs?: bigint },
  ) {
    this.comms = trace.comms.clone();
    this.env = { littleEndian: !trace.bigEndian, longSize: trace.longSize, symbols: trace.symbols, printk: trace.printk, comms: this.comms };
    const tep = opts.tepLog;
    if (tep) {
      this.env.warn = (line) => tep.warn(line);
      this.comms.onExists = () => tep.set('EEXIST');
    }
    Object.assign(this.state, opts.plugin ?? {});
    const names = trace.buffers.map((b) => b.name);
    this.instanced = names.some((n) => n !== '');
    const width = this.instanced ? Math.max(...names.map((n) => n.length)) : 0;
    this.prefixes = names.map((n) => latin1Bytes(this.instanced ? (n === '' ? ' '.repeat(width) + '  ' : lpad(n, width) + ': ') : ''));
    this.nsClock = trace.buffers.map((b) => isNsClock(trace, b.clock));
    // --align-ts: whole seconds off the base, the rest off each stamp, so nothing is rounded
    const align = opts.alignNs ?? 0n;
    this.baseSec = trace.tsBaseSec - Number(align / 1_000_000_000n);
    this.lat = !!opts.latency;
    this.ns = !!opts.ns;
    this.raw = !!opts.raw;
    this.keep = opts.keep;
    this.taskCacheVersion = this.comms.version;
    this.tsDiff = !!opts.tsDiff;
    this.tsOffset = (opts.tsOffsetNs ?? 0) - Number(align % 1_000_000_000n);
    this.flagMask = (opts.noHardirq ? HARDIRQ : 0) | (opts.noSoftirq ? SOFTIRQ : 0);
    // use_trace_clock: set by the TRACECLOCK option, cleared by --ts2secs
    this.diffUs = !!trace.options.traceClock && trace.options.ts2secs === undefined && !opts.ns;
    this.state.findEvent = (system, name) => trace.formats.first(name, system);
    this.wakeup = opts.wakeup ? WakeupLatency.of(trace) : null;
    this.state.peekNext = () => this.peek();
  }

  /**
   * The CPUs to read for --cpu: those asked for, or all of them when a printer
   * peeks at the next record (trace-cmd's peek sees every CPU; --cpu only skips
   * printing, in process_record()), the selection then applied per line.
   */
  readCpus(cpus: ReadonlySet<number> | undefined): ReadonlySet<number> | undefined {
    if (!cpus || !this.trace.formats.all().some((ev) => peeksNext(ev))) return cpus;
    this.cpuOnly = cpus;
    return undefined;
  }

  /** The record after a deferred line (tracecmd_peek_next_data()), or null at the end. */
  private peek(): NextRecord | null {
    const b = this.nextBatch;
    if (!b || !this.deferred) return null;
    const i = this.nextIndex;
    const n = this.nextRef;
    n.data = b.data;
    n.dv = b.dv;
    n.off = b.off[i];
    n.size = b.size[i];
    n.cpu = b.cpu[i];
    return { ref: n, format: this.formatOf(b.type[i]), pid: b.pid[i] };
  }

  /**
   * Prints the deferred line, its printer seeing `batch[i]` (null: none) as the
   * next record; true when the printer took that record (it must not print).
   */
  resolve(batch: EventBatch | null, i: number): boolean {
    const d = this.deferred;
    if (!d) return false;
    this.nextBatch = batch && i < batch.length ? batch : null;
    this.nextIndex = i;
    this.state.consumedNext = false;
    const r = this.r;
    const [data, dv] = [r.data, r.dv];
    this.bind(d);
    this.emit(d, 0);
    r.data = data;
    r.dv = dv;
    this.deferred = null;
    this.nextBatch = null;
    return this.state.consumedNext;
  }

  /** report -w's summary, after the last line. */
  wakeupSummary(): void {
    if (this.wakeup) this.sink.str(this.wakeup.summary());
  }

  /** Prints what is still deferred at the end of the trace. */
  finish(): void {
    this.resolve(null, 0);
  }

  private formatOf(id: number): EventFormat | null {
    let ev = this.formatById[id];
    if (ev === undefined) {
      ev = this.formatById[id] = this.trace.formats.get(id) ?? null;
      if (ev) {
        const raw = this.raw || !!this.opts.rawEvents?.(ev);
        const plugins = !this.opts.noPlugins;
        const handler = plugins && !this.opts.noHandler?.(ev);
        this.printerById[id] = printerFor(ev, this.env.longSize, raw, plugins, handler);
        const fmt = compiledPrint(ev, this.env.longSize, false, plugins).fmt;
        if (fmt.failed?.startsWith(TOO_DEEP)) this.trace.warnings.push(`${ev.system}:${ev.name}: ${fmt.failed}: its events print as [FAILED TO PARSE] with their fields, where trace-cmd evaluates it`);
        // some handlers keep state (comms learned, call depth), and bprint's failures are sticky
        this.cacheable[id] = printsPurely(ev, handler) && payloadOnly(fmt.failed ? null : fmt) ? 1 : 0;
        this.defers[id] = !raw && handler && !this.opts.noLookahead && peeksNext(ev) ? 1 : 0;
      }
    }
    return ev;
  }

  /** The "cpus=" line (or the report text's own header); false when the file holds latency text only, printed here. */
  header(): boolean {
    const sink = this.sink;
    if (this.opts.beforeHeader) sink.str(this.opts.beforeHeader);
    if (this.filePrefix) sink.bytes(this.filePrefix);
    // a report read from text prints its own header back (old versions: "version = 6", "CPU 3 is empty")
    sink.str(this.trace.reportHeader ?? `cpus=${this.trace.cpus}\n`);
    const latency = (this.trace as { latencyText?: string | null }).latencyText;
    if (typeof latency === 'string') {
      sink.str(latency + '\n');
      return false;
    }
    if (this.opts.afterHeader) sink.str(this.opts.afterHeader);
    return true;
  }

  /** The batch the next line()s read from. */
  bind(batch: EventBatch): void {
    this.r.data = batch.data;
    this.r.dv = batch.dv;
  }

  line(batch: EventBatch, i: number): void {
    if (this.deferred && this.resolve(batch, i)) return;
    const id = batch.type[i];
    const ev = this.formatOf(id);
    if (this.cpuOnly && !this.cpuOnly.has(batch.cpu[i])) return;
    if (this.flagMask && batch.flags[i] & this.flagMask) return;
    if (this.keep && !this.keep(batch, i, ev ?? undefined, this.comms)) return;
    // trace-cmd prints this line after peeking at the next record: it waits for it
    if (this.defers[id]) this.deferred = copyEvent(batch, i, this.deferBatch);
    else this.emit(batch, i);
  }

  /** Prints event i of the bound batch. */
  private emit(batch: EventBatch, i: number): void {
    const sink = this.sink;
    const id = batch.type[i];
    const ev = this.formatById[id];
    const cpu = batch.cpu[i];
    const bufIdx = batch.buffer[i];
    const lat = this.lat;
    if (this.filePrefix) sink.bytes(this.filePrefix);
    if (batch.lost !== null) {
      const lost = batch.lost.get(i);
      if (lost !== undefined) sink.str(lost > 0 ? `CPU:${cpu} [${lost} EVENTS DROPPED]\n` : `CPU:${cpu} [EVENTS DROPPED]\n`);
    }
    if (this.instanced) sink.bytes(this.prefixes[bufIdx]);
    if (!ev) {
      // each tep_print_event call trace-cmd makes prints this once; -l makes one more
      sink.str(lat ? '[UNKNOWN EVENT][UNKNOWN EVENT][UNKNOWN EVENT] (NULL):               [UNKNOWN EVENT]\n' : '[UNKNOWN EVENT][UNKNOWN EVENT] (NULL):               [UNKNOWN EVENT]\n');
      return;
    }
    const pid = batch.pid[i];
    const comms = this.comms;
    if (comms.version !== this.taskCacheVersion) {
      this.taskCache.clear();
      this.taskCacheVersion = comms.version;
    }
    let task = this.taskCache.get(pid);
    if (task === undefined) {
      const comm = comms.get(pid);
      task = latin1Bytes(lat ? (comm.length > 8 ? comm.slice(0, 8) : lpad(comm, 8)) + '-' + rpad(String(pid), 5) + ' ' : lpad(comm, 16) + '-' + rpad(String(pid), 5) + ' [');
      this.taskCache.set(pid, task);
    }
    sink.bytes(task);
    if (lat) sink.str(lpad(String(cpu), 3) + latencyFlags(batch.flags[i], batch.preempt[i]));
    else sink.bytes(cpu >= 0 ? (this.cpuText[cpu] ?? (this.cpuText[cpu] = latin1Bytes((cpu < 10 ? '00' + cpu : cpu < 100 ? '0' + cpu : String(cpu)) + ']'))) : latin1Bytes(`-${String(-cpu).padStart(2, '0')}]`));
    // time: exact ns from the whole-second base plus the batch offset
    const baseSec = this.baseSec;
    const rel = batch.ts[i] + this.tsOffset;
    let q = Math.floor(rel / 1e9);
    let rem = rel - q * 1e9;
    if (rem < 0) {
      q--;
      rem += 1e9;
    } else if (rem >= 1e9) {
      q++;
      rem -= 1e9;
    }
    let sec = baseSec + q;
    const r = this.r;
    r.sec = sec;
    r.nsec = rem;
    if (!this.nsClock[bufIdx]) {
      sink.str(lpad((BigInt(baseSec) * 1_000_000_000n + BigInt(rel)).toString(), 12));
    } else {
      let frac = rem;
      let digits = 9;
      if (!this.ns) {
        frac = Math.floor((rem + 500) / 1000);
        digits = 6;
        if (frac >= 1000000) {
          frac -= 1000000;
          sec++;
        }
      }
      if (sec !== this.lastSec) {
        this.lastSec = sec;
        this.secText = latin1Bytes(' ' + lpad(String(sec), 5) + '.');
      }
      sink.bytes(this.secText);
      sink.zeroPadded(frac, digits);
    }
    let head = this.headCache.get(id);
    if (head === undefined) {
      head = latin1Bytes(': ' + ev.name + ': ' + (ev.name.length < 20 ? SPACES.slice(0, 20 - ev.name.length) : ''));
      this.headCache.set(id, head);
    }
    if (this.tsDiff) {
      const abs = BigInt(baseSec) * 1_000_000_000n + BigInt(rel);
      const t = Number(this.diffUs ? (abs + 500n) / 1000n : abs);
      // " %-8s" of "(+diff)", empty for the first event
      const last = this.shared.lastDiffTs;
      const d = last ? `(+${t - last})` : '';
      this.shared.lastDiffTs = t;
      sink.str(': ' + rpad(d, 8));
      sink.bytes(head.subarray(1));
    } else sink.bytes(head);
    const off = batch.off[i];
    const size = batch.size[i];
    if (this.opts.tsCheck) {
      // process_record(): a record before the last one printed
      const abs = BigInt(baseSec) * 1_000_000_000n + BigInt(rel);
      const last = this.shared.lastCheckTs;
      if (last !== undefined && last > abs) this.trace.warnings.push(`WARNING: Record on cpu ${cpu} went backwards: ${last} to ${abs} delta: -${last - abs}`);
      this.shared.lastCheckTs = abs;
    }
    // -w: " Latency: ..." goes before the newline of a switch that ends a wakeup
    const latency = this.wakeup ? this.wakeup.process(batch, i, baseSec, rel) : '';
    if (latency) {
      r.off = off;
      r.size = size;
      r.cpu = cpu;
      let text = this.printerById[id]!(r, this.env, this.state);
      if (text.length && text.charCodeAt(text.length - 1) === 10) text = text.slice(0, -1);
      sink.str(text + latency + '\n');
      this.events++;
      return;
    }
    const slot = this.cacheable[id] ? this.textCache.slot(id, batch.dv, off, size) : -1;
    let bytes = slot >= 0 ? this.textCache.get(slot, id, batch.dv, off, size) : null;
    if (bytes === null) {
      r.off = off;
      r.size = size;
      r.cpu = cpu;
      let text = this.printerById[id]!(r, this.env, this.state);
      // trace-cmd ends every event with one newline (a trailing one in the text counts)
      if (!text.length || text.charCodeAt(text.length - 1) !== 10) text += '\n';
      if (slot >= 0) {
        bytes = latin1Bytes(text);
        this.textCache.set(slot, id, batch.dv, off, size, bytes);
        sink.bytes(bytes);
      } else sink.str(text);
    } else sink.bytes(bytes);
    this.events++;
  }
}
