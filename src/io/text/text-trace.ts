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
import { parseFtraceLine, parseReportLine, type EventLine } from './text-lines.ts';

export type TextKind = 'report' | 'ftrace';

export interface TextTraceOptions {
  /** Extra format files (system, text) that take precedence over the catalog. */
  formats?: { system: string; text: string }[];
}

/** One event as read, until the next line shows it is complete (stack lines, continued text). */
interface Pending extends Omit<EventLine, 'digits'> {
  /** kernel_stack frames: name and address (-1n: none given) */
  stack: { name: string; addr: bigint }[] | null;
  lost: number | null;
  /** Index into the trace's buffers (0: the top one, else an instance named by a line prefix). */
  buffer: number;
}

const FIRST_TEXT_ID = 40000;
const NO_ROWS: Uint8Array[] = [];
const MAX_SHOWN_BAD = 5;

/**
 * A Trace from trace-cmd report text or kernel trace text: every event becomes
 * a binary record of its real format, its fields recovered by inverting the
 * print fmt (checked by printing it back: only an exact match is kept), else a
 * record of a text-only format that prints the line as it was, with key=value
 * pairs as fields. So report, filters and every analysis work on text, and
 * printing a report text again gives the same bytes. Events are encoded as the
 * lines are read; the text is never held as per-line objects.
 */
/** Longest line read (trace-cmd's lines are bounded by an event's size, far below this). */
const MAX_LINE = 16 << 20;

/**
 * Reads a text trace from its text, or from chunks of it (each ending at a
 * line's end but the last): the input is never held whole, only the events.
 * A last line without its newline is a cut one: it is not read, and said.
 */
export function readTextTrace(input: string | Iterable<string>, source: string, kind: TextKind, o: TextTraceOptions = {}): Trace {
  const r = textTraceReader(source, kind, o);
  for (const piece of typeof input === 'string' ? [input] : input) r.push(piece);
  return r.finish();
}

/** readTextTrace() for chunks that come asynchronously (a gzip stream, stdin). */
export async function readTextTraceAsync(input: AsyncIterable<string>, source: string, kind: TextKind, o: TextTraceOptions = {}): Promise<Trace> {
  const r = textTraceReader(source, kind, o);
  for await (const piece of input) r.push(piece);
  return r.finish();
}

/** A text trace read as its pieces arrive: push() each, then finish(). */
function textTraceReader(source: string, kind: TextKind, o: TextTraceOptions): { push(piece: string): void; finish(): Trace } {
  const warnings: string[] = [];
  const builder = new TextTraceBuilder(kind, o.formats ?? []);
  let cpus = 0;
  let header = '';
  let bad = 0;
  const pendingLost = new Map<number, number>();
  const line: EventLine & { buffer: number } = { comm: '', pid: 0, cpu: 0, flags: -1, preempt: -1, sec: 0, nsec: 0, digits: 6, name: '', text: '', buffer: 0 };
  let lineNo = 0;
  let last: Pending | null = null;
  const blank = (): Pending => ({ comm: '', pid: 0, cpu: 0, flags: 0, preempt: 0, sec: 0, nsec: 0, name: '', text: '', stack: null, lost: null, buffer: 0 });
  let spare = blank();
  let other = blank();
  const flush = () => {
    if (last) builder.add(last);
    last = null;
  };
  // one chunk of whole lines
  const chunk = (text: string) => {
    let start = 0;
    const n = text.length;
    while (start < n) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = n;
      const ls = start;
      const le = text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      start = end + 1;
      lineNo++;
      if (le <= ls) continue;
      if (kind === 'report') {
        // event lines are read in place; other lines are sliced only when they are looked at
        const c0 = text.charCodeAt(ls);
        if (!builder.count && !last && (c0 === 118 || c0 === 67)) {
          const l = text.slice(ls, le);
          if (l.startsWith('version = ') || /^CPU \d+ is empty$/.test(l)) {
            header += l + '\n';
            continue;
          }
        }
        if (c0 === 99 && text.startsWith('cpus=', ls)) {
          const l = text.slice(ls, le);
          cpus = Number(l.slice(5)) || cpus;
          builder.setCpus(cpus);
          header += l + '\n';
          continue;
        }
        if (c0 === 61 && text.startsWith('=> ', ls) && last?.stack) {
          const m = /^=> (.*?)(?: \(([0-9a-f]+)\))?$/.exec(text.slice(ls, le))!;
          const bare = m[2] === undefined && /^[0-9a-f]+$/.test(m[1]);
          last.stack.push({ name: bare ? '' : m[1], addr: m[2] !== undefined ? BigInt('0x' + m[2]) : bare ? BigInt('0x' + m[1]) : -1n });
          continue;
        }
        const drop = c0 === 67 && text.startsWith('CPU:', ls) ? /^CPU:(\d+) \[(?:(\d+) )?EVENTS DROPPED\]$/.exec(text.slice(ls, le)) : null;
        if (drop) {
          pendingLost.set(Number(drop[1]), drop[2] ? Number(drop[2]) : -1);
          continue;
        }
        // an instance buffer's lines start with "name: " (the top buffer's with as many spaces,
        // which the line scanner skips)
        line.buffer = 0;
        let i0 = ls;
        while (text.charCodeAt(i0) === 32) i0++;
        const sp = text.indexOf(' ', i0);
        let parsed = false;
        if (sp > i0 + 1 && sp < le && text.charCodeAt(sp - 1) === 58 && parseReportLine(text, line, sp + 1, le)) {
          line.buffer = builder.bufferIndex(text.slice(i0, sp - 1));
          parsed = true;
        }
        if (!parsed && !parseReportLine(text, line, ls, le)) {
          const l = text.slice(ls, le);
          // an event text with newlines in it: a print event's indented lines continue it, and
          // so do the lines an event's print fmt puts newlines before (ext4_fc_stats)
          if (last && !last.stack && ((c0 === 32 || c0 === 9) || builder.linesOf(last.name) > lineCount(last.text))) {
            last.text += '\n' + l;
            continue;
          }
          if (++bad <= MAX_SHOWN_BAD) warnings.push(`${source}:${lineNo}: not a trace-cmd report line (expected "comm-pid [cpu] seconds: event: text"): ${JSON.stringify(l.slice(0, 120))}`);
          continue;
        }
      } else {
        const l = text.slice(ls, le);
        if (l.charCodeAt(0) === 35) {
          const p = /#P:(\d+)/.exec(l);
          if (p) builder.setCpus((cpus = Number(p[1])));
          continue;
        }
        if (l.startsWith(' => ') && last?.stack) {
          last.stack.push({ name: l.slice(4).trim(), addr: -1n });
          continue;
        }
        if (!parseFtraceLine(l, line)) {
          // the lines an event's print fmt puts newlines before continue it (as in report text)
          if (last && !last.stack && builder.linesOf(last.name) > lineCount(last.text)) {
            last.text += '\n' + l;
            continue;
          }
          if (++bad <= MAX_SHOWN_BAD) warnings.push(`${source}:${lineNo}: not a kernel trace line (expected "comm-pid [cpu] flags seconds: event: text"): ${JSON.stringify(l.slice(0, 120))}`);
          continue;
        }
        if (!line.name) line.name = line.text.startsWith('<stack trace>') ? 'kernel_stack' : 'function';
      }
      flush();
      const isStack = line.name === 'kernel_stack' && (line.text === '<stack trace >' || line.text === '<stack trace>');
      let lost: number | null = null;
      if (pendingLost.size && pendingLost.has(line.cpu)) {
        lost = pendingLost.get(line.cpu)!;
        pendingLost.delete(line.cpu);
      }
      // two records in turn: the builder is done with one before it comes back
      const p: Pending = spare;
      spare = other;
      other = p;
      p.comm = line.comm;
      p.pid = line.pid;
      p.cpu = line.cpu;
      p.flags = line.flags;
      p.preempt = line.preempt;
      p.sec = line.sec;
      p.nsec = line.nsec;
      p.name = line.name;
      p.text = line.text;
      p.stack = isStack ? [] : null;
      p.lost = lost;
      p.buffer = line.buffer;
      last = p;
    }
  };
  let tail = '';
  let skipping = false;
  const tooLong = () => {
    lineNo++;
    warnings.push(`${source}:${lineNo}: a line longer than ${MAX_LINE} bytes: not read`);
    tail = '';
  };
  const push = (piece: string): void => {
    if (skipping) {
      // the rest of a line too long to read
      const nl = piece.indexOf('\n');
      if (nl < 0) return;
      piece = piece.slice(nl + 1);
      skipping = false;
    }
    // the line the tail began, completed (or not) by this piece
    const nl = piece.indexOf('\n');
    if (tail.length + (nl < 0 ? piece.length : nl) > MAX_LINE) {
      tooLong();
      if (nl < 0) {
        skipping = true;
        return;
      }
      piece = piece.slice(nl + 1);
    }
    const text = tail ? tail + piece : piece;
    const cut = text.lastIndexOf('\n');
    tail = text.slice(cut + 1);
    if (cut >= 0) chunk(text.slice(0, cut + 1));
    if (tail.length > MAX_LINE) {
      tooLong();
      skipping = true;
    }
  };
  const finish = (): Trace => {
    if (tail) {
      // a text trace's every line ends with a newline: this one was cut
      warnings.push(`${source}:${lineNo + 1}: the file ends inside a line (${tail.length} bytes without a newline): a cut line, not read`);
    }
    flush();
    if (bad > MAX_SHOWN_BAD) warnings.push(`${source}: ${bad} lines in all could not be read (first ${MAX_SHOWN_BAD} shown); the rest of the file was read`);
    return builder.finish({ source, cpus, header: kind === 'report' ? header : null, warnings });
  };
  return { push, finish };
}

/** Encodes events into batches as they come, inverting and checking each distinct text once. */
class TextTraceBuilder {
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
  /** Absolute seconds of each row, kept apart until the base second is known. */
  private secs = new Float64Array(1 << 16);
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

  add(e: Pending): void {
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
    const want = this.fullText(e);
    let payload: Uint8Array | undefined;
    if (this.inOrder(e.name)) payload = this.payloadInOrder(e, want, flags, preempt);
    else {
      let byText = this.verified.get(e.name);
      if (!byText) this.verified.set(e.name, (byText = new Map()));
      payload = byText.get(want);
      if (!payload) {
        payload = this.payloadOf(e, want, flags, preempt);
        if (this.verifiedCount < 1 << 18) {
          byText.set(want, payload);
          this.verifiedCount++;
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
  }

  /** Event number this.count - 1: its record and columns. */
  private row(e: Pending, payload: Uint8Array, flags: number, preempt: number): void {
    let b = this.batch;
    if (b.full) {
      this.batches.push(b);
      b = this.batch = new EventBatch(4096);
    }
    const i = b.length++;
    b.reserve(payload.length);
    const at = b.used;
    const d = b.data;
    d.set(payload, at);
    // the same text from another task or context: its own common header
    b.data[at + 2] = flags;
    b.data[at + 3] = preempt;
    b.dv.setInt32(at + 4, e.pid, true);
    b.off[i] = at;
    b.size[i] = payload.length;
    b.used += payload.length;
    b.ts[i] = e.nsec;
    if (this.count > this.secs.length) {
      const g = new Float64Array(this.secs.length * 2);
      g.set(this.secs);
      this.secs = g;
    }
    this.secs[this.count - 1] = e.sec;
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
    let base = Infinity;
    for (let k = 0; k < this.count; k++) if (this.secs[k] < base) base = this.secs[k];
    const tsBaseSec = Number.isFinite(base) ? base : 0;
    let k = 0;
    let sorted = true;
    let prev = -Infinity;
    for (const b of this.batches) {
      for (let i = 0; i < b.length; i++, k++) {
        b.ts[i] += (this.secs[k] - tsBaseSec) * 1e9;
        if (b.ts[i] < prev) sorted = false;
        prev = b.ts[i];
      }
    }
    this.secs = new Float64Array(0);
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
  if (sharedData) out.off[j] = b.off[i];
  else {
    out.reserve(b.size[i]);
    out.data.set(b.data.subarray(b.off[i], b.off[i] + b.size[i]), out.used);
    out.off[j] = out.used;
    out.used += b.size[i];
  }
  out.size[j] = b.size[i];
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

/** Lines in a text (1 + its newlines). */
function lineCount(t: string): number {
  let n = 1;
  for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) n++;
  return n;
}
