/**
 * The events of a text trace as records: each line's text inverted into its
 * real format's fields (checked by printing it back: only an exact match is
 * kept) or kept as a text-only format, encoded into batches as the line reader
 * (text-trace.ts) hands them over.
 */
import { EventBatch } from '../../core/batch.ts';
import { loadCatalog } from '../../core/catalog.ts';
import { CommTable } from '../../core/comms.ts';
import { parseEventFormat, type EventFormat } from '../../core/event-format.ts';
import { formatText, type FieldSpec } from '../../core/format-writer.ts';
import { FormatRegistry } from '../../core/formats.ts';
import { RecordEncoder, type FieldValue } from '../../core/record-encoder.ts';
import type { BatchOptions, Trace } from '../../core/trace.ts';
import { printerFor } from '../../printfmt/event-text.ts';
import { PluginState } from '../../printfmt/plugins.ts';
import { recordRef, type PrintEnv, type RecordRef } from '../../printfmt/record.ts';
import { compiledPrint } from '../../printfmt/render.ts';
import { kernelPrinter } from './ftrace-printer.ts';
import type { InvertContext, Inverter } from '../../printfmt/invert.ts';
import { rawInverter } from '../../printfmt/invert-raw.ts';
import { handlerFor, inverterFor } from '../../printfmt/plugins.ts';
import { SynthPrintk, SynthSymbols } from './synth-tables.ts';
import type { EventLine } from './text-lines.ts';

export type TextKind = 'report' | 'ftrace';

/** One event as read, until the next line shows it is complete (stack lines, continued text). */
export interface Pending extends Omit<EventLine, 'digits'> {
  /** kernel_stack frames: name and address (-1n: none given) */
  stack: { name: string; addr: bigint }[] | null;
  lost: number | null;
  /** Index into the trace's buffers (0: the top one, else an instance named by a line prefix). */
  buffer: number;
  /** The record, when the line's name and text were read before (LineTable); else null. */
  record: KnownRecord | null;
}

/** A record already made for an event text: its bytes, and as 32-bit words (the last 0-3 bytes not in them), copied a word at a time. */
export interface KnownRecord {
  bytes: Uint8Array;
  words: Int32Array;
}

/** A record as a KnownRecord (a record of its own, so its bytes start aligned). */
export function knownRecord(bytes: Uint8Array): KnownRecord {
  return { bytes, words: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2) };
}

const FIRST_TEXT_ID = 40000;
const NO_ROWS: Uint8Array[] = [];

/** Encodes events into batches as they come, inverting and checking each distinct text once. */
export class TextTraceBuilder {
  count = 0;
  private readonly kernel: boolean;
  private formats = new FormatRegistry(8);
  private byName = new Map<string, EventFormat>();
  private lineCounts = new Map<string, number>();
  private syms = new SynthSymbols();
  private printk = new SynthPrintk();
  private ctx: InvertContext;
  private env: PrintEnv;
  private state = new PluginState();
  private inverters = new Map<EventFormat, Inverter | null>();
  private rawInverters = new Map<EventFormat, Inverter | null>();
  private kernelPrinters = new Map<EventFormat, (r: RecordRef) => string>();
  private encoders = new Map<EventFormat, RecordEncoder>();
  private textFormats = new Map<string, { ev: EventFormat; keys: string[]; patterns: RegExp[] }>();
  private shapes = new Map<string, number>();
  private nextId = FIRST_TEXT_ID;
  // name -> text -> payload already checked (the common header is patched per event)
  private verified = new Map<string, Map<string, Uint8Array>>();
  private verifiedCount = 0;
  private r: RecordRef = recordRef();
  private batches: EventBatch[] = [];
  private batch = new EventBatch(4096);
  /**
   * Rows' times are nanoseconds from the first event's second (earlier ones negative), the
   * earliest second kept apart: finish() moves them onto it. Every value is an integer below
   * 2^53, so each step is exact (no array of seconds per row: its memory cost page faults).
   */
  private firstSec = NaN;
  private minSec = Infinity;
  private cmdlines: string[] = [];
  private seenPid = new Set<number>();
  private cpuSeen = new Set<number>();
  private maxCpu = -1;
  private lastCpu = -1;
  private lastPid = -1;

  constructor(kind: TextKind, extra: { system: string; text: string }[]) {
    this.kernel = kind === 'ftrace';
    for (const f of extra) this.formats.add(f.system, f.text);
    for (const { system, texts } of loadCatalog().formats.systems()) for (const t of texts) this.formats.add(system, t);
    for (const f of this.formats.all()) if (!this.byName.has(f.name)) this.byName.set(f.name, f);
    const findEvent = (system: string, name: string) => this.formats.first(name, system);
    this.state.findEvent = findEvent;
    this.ctx = { syms: this.syms, printk: this.printk, kernel: this.kernel, maskBytes: 8, printer: this.state, state: new Map(), findEvent };
    this.env = { littleEndian: true, longSize: 8, symbols: this.syms.symbols, printk: this.printk.printk, comms: new CommTable(''), kernel: this.kernel };
  }

  /** How many lines an event's print fmt prints (1 + the newlines in its format string); 1 for an event with no format. */
  linesOf(name: string): number {
    let n = this.lineCounts.get(name);
    if (n === undefined) {
      const ev = this.byName.get(name);
      n = 1 + (ev ? (compiledPrint(ev, 8, this.kernel).fmt.format.match(/\n/g)?.length ?? 0) : 0);
      this.lineCounts.set(name, n);
    }
    return n;
  }

  /** The reused record view over a payload, with the symbol tables as they are now (they grow while reading). */
  private record(payload: Uint8Array, cpu: number): RecordRef {
    const r = this.r;
    this.env.symbols = this.syms.symbols;
    this.env.printk = this.printk.printk;
    r.data = payload;
    r.dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    r.off = 0;
    r.size = payload.length;
    r.cpu = cpu;
    return r;
  }

  private render(ev: EventFormat, payload: Uint8Array, cpu: number): string {
    const env = this.env;
    const r = this.record(payload, cpu);
    if (this.kernel) {
      let kp = this.kernelPrinters.get(ev);
      if (!kp) this.kernelPrinters.set(ev, (kp = kernelPrinter(ev, env)));
      return kp(r);
    }
    const t = printerFor(ev, 8, false)(r, env, this.state);
    return t.endsWith('\n') && ev.name !== 'kernel_stack' ? t.slice(0, -1) : t;
  }

  /** Records the accepted line stands for after its own (payloadOf sets it; see InvertContext.then). */
  private follow: Uint8Array[] = NO_ROWS;

  /**
   * A record as report prints it when the record after it is `next` (a printer that peeks
   * it, function_graph's entry, merges it in): the text, or null when it did not take it.
   */
  private renderMerged(ev: EventFormat, payload: Uint8Array, cpu: number, next: Uint8Array, format: EventFormat, pid: number): string | null {
    const ref = recordRef();
    ref.data = next;
    ref.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
    ref.size = next.length;
    ref.cpu = cpu;
    const state = this.state;
    state.peekNext = () => ({ ref, format, pid });
    try {
      const t = this.render(ev, payload, cpu);
      return state.consumedNext ? t : null;
    } finally {
      state.peekNext = null;
      state.consumedNext = false;
    }
  }

  /** Whether the text is `report -R` output (null: not known yet). */
  private rawMode: boolean | null = null;

  /** A record from -R text (" name=value" per field), if the raw printer gives the text back. */
  private fromRaw(ev: EventFormat, e: Pending, want: string, common: { pid: number; flags: number; preempt: number }): Uint8Array | null {
    if (this.kernel || e.text.charCodeAt(0) !== 32) return null;
    let raw = this.rawInverters.get(ev);
    if (raw === undefined) this.rawInverters.set(ev, (raw = ev.fieldError ? null : rawInverter(ev)));
    const rv = raw ? raw(e.text, this.ctx) : null;
    if (!rv) return null;
    const p = this.encoderOf(ev).encode(common, rv).slice();
    return this.renderRaw(ev, p, e.cpu) === want ? p : null;
  }

  /** The -R form of a record, as the report printer gives it. */
  private renderRaw(ev: EventFormat, payload: Uint8Array, cpu: number): string {
    return printerFor(ev, 8, true)(this.record(payload, cpu), this.env, this.state);
  }

  private encoderOf(ev: EventFormat): RecordEncoder {
    let enc = this.encoders.get(ev);
    if (!enc) this.encoders.set(ev, (enc = new RecordEncoder(ev, true)));
    return enc;
  }

  /** A text-only format for an event: its line as printed, and its key=value pairs as string fields. */
  private textFormat(name: string, text: string): { ev: EventFormat; keys: string[]; patterns: RegExp[] } {
    const keys: string[] = [];
    for (const m of text.matchAll(/(?:^|[\s,])([A-Za-z_][A-Za-z0-9_]{0,63})=/g)) if (!keys.includes(m[1]) && m[1] !== 'text' && keys.length < 32) keys.push(m[1]);
    let key = `${name}\0${keys.join(',')}`;
    if (!this.textFormats.has(key) && (this.shapes.get(name) ?? 0) >= 16) {
      // a handful of shapes per event; beyond that, the text alone
      keys.length = 0;
      key = `${name}\0`;
    }
    let tf = this.textFormats.get(key);
    if (!tf) {
      const fields: FieldSpec[] = [{ type: '__data_loc char[]', name: 'text', size: 4, signed: true }, ...keys.map((k) => ({ type: '__data_loc char[]', name: k, size: 4, signed: true }))];
      // system "text": a plugin or special printer keyed on the real system must not take it
      // the name goes in after parsing: a tab, VT, FF or 0xA0 in it would end the format's "name:" line
      const ev = parseEventFormat(formatText({ name: 'text_event', id: this.nextId++, fields, printFmt: '"%s", __get_str(text)' }), 'text');
      (ev as { name: string }).name = name;
      this.formats.addParsed(ev);
      // keys are [A-Za-z_][A-Za-z0-9_]*: safe inside a pattern, compiled once per format
      tf = { ev, keys, patterns: keys.map((k) => new RegExp(`(?:^|[\\s,])${k}=([^\\s,]*)`)) };
      this.textFormats.set(key, tf);
      this.shapes.set(name, (this.shapes.get(name) ?? 0) + 1);
    }
    return tf;
  }

  private fullText(e: Pending): string {
    if (!e.stack) return e.text;
    const k = this.kernel;
    return e.text + '\n' + e.stack.map((f) => (k ? ` => ${f.name}` : f.addr < 0n ? `=> ${f.name}` : f.name ? `=> ${f.name} (${f.addr.toString(16)})` : `=> ${f.addr.toString(16)}`)).join('\n') + (k ? '' : '\n');
  }

  private ordered = new Map<string, boolean>();

  /** Whether an event's report text depends on the events before it (its family says so): read each in order. */
  private inOrder(name: string): boolean {
    let o = this.ordered.get(name);
    if (o === undefined) {
      const ev = this.byName.get(name);
      this.ordered.set(name, (o = !this.kernel && !!ev && handlerFor(ev)?.invertInOrder === true));
    }
    return o;
  }

  /**
   * An event read in order (function): inverted with the printer's state as the events before
   * it left it; checking it by printing moves that state on, as report will. When it stays a
   * text line, report will not print it through the plugin: the state goes back.
   */
  private payloadInOrder(e: Pending, want: string, flags: number, preempt: number): Uint8Array {
    const stacks = this.state.funcStacks;
    const saved = stacks[e.cpu]?.slice();
    const ctx = this.ctx;
    ctx.cpu = e.cpu;
    ctx.pid = e.pid;
    ctx.sec = e.sec;
    ctx.nsec = e.nsec;
    ctx.seq = this.count - 1;
    const p = this.payloadOf(e, want, flags, preempt);
    ctx.cpu = ctx.pid = ctx.sec = ctx.nsec = ctx.seq = undefined;
    const ev = this.byName.get(e.name)!;
    if ((p[0] | (p[1] << 8)) !== ev.id && stacks.length > e.cpu) stacks[e.cpu] = saved ?? [];
    return p;
  }

  /** The record for an event: its real format when the text inverts exactly, else text-only. */
  private payloadOf(e: Pending, want: string, flags: number, preempt: number): Uint8Array {
    const ev = this.byName.get(e.name);
    const common = { pid: e.pid, flags, preempt };
    if (ev && e.stack && ev.name === 'kernel_stack') {
      const addrs = e.stack.map((f) => {
        if (f.addr >= 0n) {
          if (f.name) this.syms.at(f.name, f.addr);
          return f.addr;
        }
        return this.syms.address(f.name, 0n) ?? 0n;
      });
      const p = new Uint8Array(16 + 8 * addrs.length);
      const dv = new DataView(p.buffer);
      dv.setUint16(0, ev.id, true);
      p[2] = flags;
      p[3] = preempt;
      dv.setInt32(4, e.pid, true);
      dv.setInt32(8, addrs.length, true);
      addrs.forEach((a, k) => dv.setBigUint64(16 + 8 * k, BigInt.asUintN(64, a), true));
      if (this.render(ev, p, e.cpu) === want) return p;
    } else if (ev) {
      // a -R report: decided by the first event with a known format, whose text then starts " field0="
      if (this.rawMode === null && ev.fields.length && !this.kernel) this.rawMode = e.text.startsWith(` ${ev.fields[0].name}=`);
      if (this.rawMode) {
        const p = this.fromRaw(ev, e, want, common);
        if (p) return p;
      }
      let inv = this.inverters.get(ev);
      if (inv === undefined) this.inverters.set(ev, (inv = ev.fieldError ? null : inverterFor(ev, 8, this.kernel)));
      this.ctx.then = undefined;
      const vals = inv ? inv(e.text, this.ctx) : null;
      if (vals) {
        const p = this.encoderOf(ev).encode(common, vals).slice();
        // (set by the inverter call above: TypeScript narrowed it to undefined at the reset)
        const more = this.ctx.then as InvertContext['then'];
        const then = more?.map((t) => this.encoderOf(t.ev).encode(common, t.vals).slice());
        const got = then ? this.renderMerged(ev, p, e.cpu, then[0], more![0].ev, e.pid) : this.render(ev, p, e.cpu);
        if (got === want) {
          this.follow = then ?? NO_ROWS;
          return p;
        }
        if (process.env.TRACELAB_DEBUG_TEXT) process.stderr.write(`text reader: ${e.name} does not print back:\n  ${want}\n  ${got}\n`);
      }
      if (this.rawMode === false) {
        const p = this.fromRaw(ev, e, want, common);
        if (p) return p;
      }
    }
    const tf = this.textFormat(e.name, e.text);
    const vals: (FieldValue | undefined)[] = [want];
    for (const re of tf.patterns) {
      const m = re.exec(e.text);
      vals.push(m ? m[1] : '');
    }
    return this.encoderOf(tf.ev).encode(common, vals).slice();
  }

  private bufferNames = [''];

  /** The buffer of an instance prefix, added on first sight. */
  bufferIndex(name: string): number {
    let k = this.bufferNames.indexOf(name);
    if (k < 0) k = this.bufferNames.push(name) - 1;
    return k;
  }

  /** nr_cpu_ids from the header: the size of cpumasks. */
  setCpus(n: number): void {
    if (n > 0 && n <= 65536) this.ctx.maskBytes = Math.max(this.ctx.maskBytes, Math.ceil(n / 64) * 8);
  }

  /** Whether a task's comm is known already (its line's comm is not needed). */
  knowsTask(pid: number): boolean {
    return pid === 0 || this.seenPid.has(pid);
  }

  /**
   * Adds an event: its record as read before (e.record), else from its text. Returns the
   * record when its text was read for the first time and any line with the same event name
   * and text stands for it too (so the line reader may keep it); else null.
   */
  add(e: Pending): Uint8Array | null {
    this.count++;
    if (e.cpu > this.maxCpu) {
      this.maxCpu = e.cpu;
      this.ctx.maskBytes = Math.max(this.ctx.maskBytes, Math.ceil((e.cpu + 1) / 64) * 8);
    }
    if (e.cpu !== this.lastCpu) {
      this.cpuSeen.add(e.cpu);
      this.lastCpu = e.cpu;
    }
    if (e.pid !== 0 && e.pid !== this.lastPid && !this.seenPid.has(e.pid) && e.comm !== '<...>' && e.comm !== '<idle>') {
      this.seenPid.add(e.pid);
      this.cmdlines.push(`${e.pid} ${e.comm}`);
    }
    this.lastPid = e.pid;
    const flags = e.flags < 0 ? 0 : e.flags;
    const preempt = e.preempt < 0 ? 0 : e.preempt;
    if (e.record) {
      this.row(e, e.record.bytes, flags, preempt, e.record.words);
      return null;
    }
    let payload: Uint8Array | null;
    let fresh: Uint8Array | null = null;
    const want = this.fullText(e);
    if (this.inOrder(e.name)) payload = this.payloadInOrder(e, want, flags, preempt);
    else {
      let byText = this.verified.get(e.name);
      if (!byText) this.verified.set(e.name, (byText = new Map()));
      payload = byText.get(want) ?? null;
      if (!payload) {
        payload = this.payloadOf(e, want, flags, preempt);
        if (this.verifiedCount < 1 << 18) {
          byText.set(want, payload);
          this.verifiedCount++;
          // a record that stands for more than its line (function_graph's merged ones) is not kept
          if (!this.follow.length) fresh = payload;
        }
      }
    }
    this.row(e, payload, flags, preempt);
    if (this.follow.length) {
      // the records the line stands for after its own: same CPU, task and time stamp
      for (const p of this.follow) {
        this.count++;
        this.row(e, p, flags, preempt);
      }
      this.follow = NO_ROWS;
    }
    return fresh;
  }

  /** Event number this.count - 1: its record and columns. */
  private row(e: Pending, payload: Uint8Array, flags: number, preempt: number, words: Int32Array | null = null): void {
    let b = this.batch;
    if (b.full) {
      this.batches.push(b);
      b = this.batch = new EventBatch(4096);
    }
    const i = b.length++;
    const at = b.put(i, payload, words, 0, payload.length);
    // the same text from another task or context: its own common header
    b.data[at + 2] = flags;
    b.data[at + 3] = preempt;
    b.dv.setInt32(at + 4, e.pid, true);
    const sec = e.sec;
    if (sec !== this.firstSec) {
      if (Number.isNaN(this.firstSec)) this.firstSec = sec;
      if (sec < this.minSec) this.minSec = sec;
    }
    b.ts[i] = (sec - this.firstSec) * 1e9 + e.nsec;
    b.cpu[i] = e.cpu;
    b.type[i] = payload[0] | (payload[1] << 8);
    b.pid[i] = e.pid;
    b.flags[i] = flags;
    b.preempt[i] = preempt;
    b.buffer[i] = e.buffer;
    if (e.lost !== null) b.markLost(i, e.lost);
  }

  finish(o: { source: string; cpus: number; header: string | null; warnings: string[] }): Trace {
    if (this.batch.length) this.batches.push(this.batch);
    const tsBaseSec = this.count ? Math.min(this.minSec, this.firstSec) : 0;
    const shift = this.count ? (this.firstSec - tsBaseSec) * 1e9 : 0;
    let sorted = true;
    let prev = -Infinity;
    for (const b of this.batches) {
      for (let i = 0; i < b.length; i++) {
        if (shift) b.ts[i] += shift;
        if (b.ts[i] < prev) sorted = false;
        prev = b.ts[i];
      }
    }
    // text some tools wrote per CPU, unsorted: order by time (stable); trace-cmd's own is sorted already
    const batches = sorted ? this.batches : sortBatches(this.batches);
    const cpus = Math.max(o.cpus, this.maxCpu + 1, 1);
    const catalog = loadCatalog();
    const trace: Trace = {
      source: o.source,
      kind: this.kernel ? 'ftrace-text' : 'report-text',
      version: 0,
      bigEndian: false,
      longSize: 8,
      kernelLongSize: 8,
      pageSize: 4096,
      cpus,
      clock: 'local',
      compression: 'none',
      headerPage: catalog.headerPage,
      headerEvent: catalog.headerEvent,
      formats: this.formats,
      symbols: this.syms.symbols,
      printk: this.printk.printk,
      comms: new CommTable(this.cmdlines.join('\n') + '\n'),
      buffers: this.bufferNames.map((name) => ({ name, clock: 'local', pageSize: 4096, cpus: [...this.cpuSeen].sort((x, y) => x - y) })),
      options: { cpuStats: [], unknown: [] },
      tsBaseSec,
      warnings: o.warnings,
      batches: (bo: BatchOptions = {}) => filterBatches(batches, bo),
      // read whole into memory: nothing to release
      close: () => {},
    };
    // an excerpt without the cpus= line prints back without one
    if (o.header !== null) trace.reportHeader = o.header;
    return trace;
  }
}

/** Rows of all batches in time order (stable), as new batches. */
function sortBatches(batches: EventBatch[]): EventBatch[] {
  const rows: [EventBatch, number][] = [];
  for (const b of batches) for (let i = 0; i < b.length; i++) rows.push([b, i]);
  rows.sort((x, y) => x[0].ts[x[1]] - y[0].ts[y[1]]);
  const out: EventBatch[] = [];
  let cur = new EventBatch(4096);
  for (const [b, i] of rows) {
    if (cur.full) {
      out.push(cur);
      cur = new EventBatch(4096);
    }
    copyRow(b, i, cur);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Copies row i of b to the next row of out: its columns, and its payload unless out shares b's arena. */
function copyRow(b: EventBatch, i: number, out: EventBatch, sharedData = false): void {
  const j = out.length++;
  if (sharedData) {
    out.off[j] = b.off[i];
    out.size[j] = b.size[i];
  } else out.put(j, b.data, null, b.off[i], b.size[i]);
  out.ts[j] = b.ts[i];
  out.cpu[j] = b.cpu[i];
  out.type[j] = b.type[i];
  out.pid[j] = b.pid[i];
  out.flags[j] = b.flags[i];
  out.preempt[j] = b.preempt[i];
  out.buffer[j] = b.buffer[i];
  const lost = b.lost?.get(i);
  if (lost !== undefined) out.markLost(j, lost);
}

function* filterBatches(batches: EventBatch[], bo: BatchOptions): Iterable<EventBatch> {
  if (!bo.cpus) {
    yield* batches;
    return;
  }
  for (const b of batches) {
    const out = new EventBatch(b.length || 1, 0);
    out.data = b.data;
    out.dv = b.dv;
    for (let i = 0; i < b.length; i++) if (bo.cpus.has(b.cpu[i])) copyRow(b, i, out, true);
    if (out.length) yield out;
  }
}
