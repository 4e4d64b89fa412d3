import type { EventFormat } from '../core/event-format.ts';
import type { FormatRegistry } from '../core/formats.ts';
import { UserError } from '../core/errors.ts';
import { loadCatalog } from '../core/catalog.ts';
import { RecordEncoder, type FieldValue } from '../core/record-encoder.ts';
import { SymbolTable } from '../core/symbols.ts';
import type { PageBuilder } from '../io/dat/page-builder.ts';
import { compileKernelFilter, FilterError, type FilterRecord } from '../filter/kernel-filter.ts';

/** One `-e SYSTEM[:EVENT]` with the `-f` filters that follow it, as trace-cmd record takes them. */
export interface EventSpec {
  event: string;
  filters: string[];
}

/** Where recorded events go: the trace.dat writer's page builders, one per CPU. */
export type EventSink = readonly PageBuilder[];

/**
 * A tracepoint of the emulated kernel. `on` is checked first on every fire, so
 * a disabled tracepoint costs one branch; an enabled one encodes its record,
 * runs its filter like the kernel (discarding on false), and commits it.
 */
export class Tracepoint {
  on = false;
  filter: ((r: FilterRecord) => boolean) | null = null;
  /** Records committed (after filtering). */
  count = 0;
  readonly encoder: RecordEncoder;

  constructor(
    readonly format: EventFormat,
    le: boolean,
  ) {
    this.encoder = new RecordEncoder(format, le);
  }

  get name(): string {
    return this.format.name;
  }
}

export interface TracingOptions {
  formats: FormatRegistry;
  nrCpus: number;
  symbols: SymbolTable;
  printk: (addr: bigint) => string | null;
  /** Systems this kernel does not have, and why (-e naming one fails with that reason). */
  lacking?: readonly { system: string; why: string }[];
  /** What unwinding one frame costs the stack tracer (-T), so a kernel_stack is stamped after its event. */
  unwindFrameNs?: number;
}

/** A kernel_stack record: 16 bytes of header and size, then up to 64 return addresses. */
const STACK_SLOT = 16 + 8 * 64;

/**
 * The tracing side of the emulated kernel: which events are on, their filters,
 * and the commit path (filter, then ring buffer; with -T a kernel_stack after
 * each committed event).
 */
export class Tracing {
  readonly points = new Map<string, Tracepoint>();
  readonly byId = new Map<number, Tracepoint>();
  private sink: EventSink | null = null;
  /** Each CPU's last event time: an event is never written before it. */
  private last: Float64Array;
  /** Records committed, all events together. */
  committed = 0;
  stacks = false;
  private rec: FilterRecord = { data: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), off: 0, size: 0, cpu: 0, pid: 0 };
  /**
   * Each CPU's kernel_stack not yet written: the stack tracer stamps it when
   * it reserves the record, after unwinding (the seed's samples: 3 µs for 8
   * frames, 6 µs for 12), so it waits for the CPU's next event and is
   * stamped no later than that (a CPU's buffer stays in time order).
   */
  private stackSlots: Uint8Array;
  private stackViews: DataView;
  private stackLen: Int32Array;
  private stackTs: Float64Array;
  private stackId = -1;
  private stackTp: Tracepoint | undefined;
  /** comm of the task running on a CPU (COMM filters test the current task). */
  commOf: (cpu: number) => string = () => '';

  constructor(private o: TracingOptions) {
    this.last = new Float64Array(o.nrCpus);
    this.stackSlots = new Uint8Array(o.nrCpus * STACK_SLOT);
    this.stackViews = new DataView(this.stackSlots.buffer);
    this.stackLen = new Int32Array(o.nrCpus);
    this.stackTs = new Float64Array(o.nrCpus);
    for (const f of o.formats.all()) {
      const tp = new Tracepoint(f, true);
      this.points.set(`${f.system}:${f.name}`, tp);
      this.byId.set(f.id, tp);
    }
    const ks = this.point('ftrace', 'kernel_stack');
    this.stackId = ks ? ks.format.id : -1;
    this.stackTp = ks;
  }

  point(system: string, name: string): Tracepoint | undefined {
    return this.points.get(`${system}:${name}`);
  }

  /** A tracepoint the emulator fires; it must exist in the catalog. */
  require(system: string, name: string): Tracepoint {
    const tp = this.point(system, name);
    if (!tp) throw new Error(`event catalog has no ${system}:${name}`);
    return tp;
  }

  /**
   * A tracepoint this kernel does not have (csd:* before 6.6): it has the
   * catalog's format so code paths can name it, is never enabled and never
   * reaches the trace.dat.
   */
  absent(system: string, name: string): Tracepoint {
    const f = loadCatalog().formats.find(name, system)[0];
    if (!f) throw new Error(`event catalog has no ${system}:${name}`);
    return new Tracepoint(f, true);
  }

  /** Adds a dynamic event (a kprobe or uprobe) to the catalog and the tracepoints. */
  addDynamic(f: EventFormat): Tracepoint {
    this.o.formats.addParsed(f);
    const tp = new Tracepoint(f, true);
    this.points.set(`${f.system}:${f.name}`, tp);
    this.byId.set(f.id, tp);
    return tp;
  }

  /**
   * Enables events and sets filters as `trace-cmd record -e ... -f ...` does:
   * each -f belongs to the -e before it; several are parenthesised and joined
   * with && (the kernel then reads `.function == sym)` up to the space, so a
   * function name must not touch the parenthesis, as on a real kernel). A system-wide -e sets a subsystem filter: events that
   * lack a field keep no filter, and it is an error only if no event takes it.
   */
  configure(specs: EventSpec[]): void {
    for (const spec of specs) {
      const targets = this.resolve(spec.event);
      for (const tp of targets) tp.on = true;
      if (!spec.filters.length) continue;
      // one -f goes in as written; several are each parenthesised and and-ed
      const text = spec.filters.length === 1 ? spec.filters[0] : spec.filters.map((f) => `(${f})`).join('&&');
      let accepted = 0;
      let first: FilterError | null = null;
      for (const tp of targets) {
        try {
          tp.filter = compileKernelFilter(text, {
            event: tp.format,
            nrCpus: this.o.nrCpus,
            littleEndian: true,
            longSize: 8,
            symbols: this.o.symbols,
            stringAt: this.o.printk,
            commOf: (r) => this.commOf(r.cpu),
            written: true,
          }).test;
          accepted++;
        } catch (e) {
          if (!(e instanceof FilterError)) throw e;
          first ??= e;
        }
      }
      if (!accepted && first) {
        throw targets.length > 1 ? new FilterError('BAD_SUBSYS_FILTER', 0, text) : first;
      }
    }
  }

  /** Whether an -e names only events of a system this kernel lacks (by system, SYSTEM:EVENT, or an event of it). */
  lacks(spec: string): { system: string; why: string } | undefined {
    const lacking = this.o.lacking;
    if (!lacking?.length) return undefined;
    const m = /^([^:/]+)[:/]/.exec(spec);
    // a bare name is an event (its system from the catalog of every version) or a system
    const sys = m ? m[1] : (loadCatalog().formats.find(spec)[0]?.system ?? spec);
    return lacking.find((x) => x.system === sys);
  }

  private resolve(spec: string): Tracepoint[] {
    if (spec === 'all') return [...this.points.values()].filter((tp) => tp.format.system !== 'ftrace');
    const m = /^([^:/]+)[:/](.+)$/.exec(spec);
    const all = [...this.points.values()];
    let found: Tracepoint[];
    if (m) found = all.filter((tp) => tp.format.system === m[1] && (m[2] === '*' || tp.format.name === m[2]));
    else {
      found = all.filter((tp) => tp.format.name === spec);
      if (!found.length) found = all.filter((tp) => tp.format.system === spec);
    }
    if (!found.length) {
      const lacking = this.lacks(spec);
      throw new UserError(lacking ? `-e ${spec}: ${lacking.why}` : `no event "${spec}" in the emulated kernel (tracelab list -e shows them)`);
    }
    return found;
  }

  /** Sends committed records to these page builders (one per CPU). */
  attach(sink: EventSink): void {
    this.sink = sink;
  }

  /**
   * Fires a tracepoint: encodes, filters, commits. Like the kernel, the record
   * is reserved and written straight into its CPU's ring-buffer page when it
   * fits there, filtered in place, and discarded (zeroed again) when the
   * filter says no; otherwise it goes through the encoder's buffer and add().
   * Returns whether a record was written (so callers can add a stack trace
   * of their own context).
   */
  fire(tp: Tracepoint, cpu: number, ts: number, pid: number, flags: number, preempt: number, values: readonly (FieldValue | undefined)[], stack?: readonly bigint[]): boolean {
    if (this.stackLen[cpu]) this.writeStack(cpu, ts);
    // an episode never emits before the previous one on its CPU ended; guard anyway
    if (ts < this.last[cpu]) ts = this.last[cpu];
    const enc = tp.encoder;
    const pb = this.sink ? this.sink[cpu] : null;
    const len = enc.size(values);
    let off = pb ? pb.reserve(ts, len) : -1;
    let b: Uint8Array;
    let dv: DataView;
    if (off >= 0) {
      b = pb!.currentPage;
      dv = pb!.currentView;
      enc.writeAt(b, dv, off, len, pid, flags, preempt, values);
    } else {
      enc.write(pid, flags, preempt, values, len);
      b = enc.bytes;
      dv = enc.dv;
    }
    if (tp.filter) {
      const r = this.rec;
      r.data = b;
      r.dv = dv;
      r.off = off >= 0 ? off : 0;
      r.size = len;
      r.cpu = cpu;
      r.pid = pid;
      if (!tp.filter(r)) {
        if (off >= 0) b.fill(0, off, off + len);
        return false;
      }
    }
    tp.count++;
    this.committed++;
    this.last[cpu] = ts;
    if (off >= 0) pb!.commit(ts, len);
    else pb?.add(ts, b, 0, len);
    if (this.stacks && stack && this.stackId >= 0) this.fireStack(cpu, ts, pid, flags, preempt, stack);
    return true;
  }

  /** kernel_stack records hold as many entries as the stack has (the format's [8] notwithstanding). */
  private fireStack(cpu: number, ts: number, pid: number, flags: number, preempt: number, stack: readonly bigint[]): void {
    const n = Math.min(stack.length, 64);
    const base = cpu * STACK_SLOT;
    const b = this.stackSlots;
    const dv = this.stackViews;
    b.fill(0, base, base + 16);
    dv.setUint16(base, this.stackId, true);
    b[base + 2] = flags;
    b[base + 3] = preempt;
    dv.setInt32(base + 4, pid, true);
    dv.setInt32(base + 8, n, true);
    for (let k = 0; k < n; k++) dv.setBigUint64(base + 16 + 8 * k, stack[k], true);
    this.stackLen[cpu] = 16 + 8 * n;
    this.stackTs[cpu] = ts + n * (this.o.unwindFrameNs ?? 0);
  }

  /** Writes a CPU's pending kernel_stack, stamped no later than `before`. */
  private writeStack(cpu: number, before: number): void {
    const len = this.stackLen[cpu];
    this.stackLen[cpu] = 0;
    let ts = this.stackTs[cpu];
    if (ts > before) ts = before;
    if (ts < this.last[cpu]) ts = this.last[cpu];
    const tp = this.stackTp!;
    tp.count++;
    this.committed++;
    this.last[cpu] = ts;
    this.sink?.[cpu].add(ts, this.stackSlots, cpu * STACK_SLOT, len);
  }

  /** The recording ends: kernel_stacks still pending are written (stamped at most `end`). */
  flushStacks(end: number): void {
    for (let cpu = 0; cpu < this.stackLen.length; cpu++) if (this.stackLen[cpu]) this.writeStack(cpu, end);
  }

  /** Committed record counts per event name, for summaries and tests. */
  counts(): Record<string, number> {
    const out: Record<string, number> = Object.create(null);
    for (const tp of this.points.values()) if (tp.count) out[tp.name] = tp.count;
    return out;
  }
}
