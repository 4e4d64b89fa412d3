/**
 * A Trace from trace-cmd report text or kernel trace text: every event becomes
 * a binary record of its real format, its fields recovered by inverting the
 * print fmt (checked by printing it back: only an exact match is kept), else a
 * record of a text-only format that prints the line as it was, with key=value
 * pairs as fields. So report, filters and every analysis work on text, and
 * printing a report text again gives the same bytes. Events are encoded as the
 * lines are read; the text is never held as per-line objects. This module
 * reads the lines; text-builder.ts makes the records.
 */
import type { Trace } from '../../core/trace.ts';
import { latin1Text } from '../../core/latin1.ts';
import { LineTable } from './line-table.ts';
import { lineSpan, readReportLine } from './report-line-bytes.ts';
import { knownRecord, TextTraceBuilder, type KnownRecord, type Pending, type TextKind } from './text-builder.ts';
import { parseFtraceLine, parseReportLine, type EventLine, type LineColumns } from './text-lines.ts';

export type { TextKind };

export interface TextTraceOptions {
  /** Extra format files (system, text) that take precedence over the catalog. */
  formats?: { system: string; text: string }[];
}

const NO_BYTES: Uint8Array = new Uint8Array(0);
const MAX_SHOWN_BAD = 5;

/** Longest line read (trace-cmd's lines are bounded by an event's size, far below this). */
const MAX_LINE = 16 << 20;

/**
 * Reads a text trace from its text, or from chunks of it (each ending
 * anywhere; bytes are latin1, one char each): the input is never held whole,
 * only the events. A last line without its newline is a cut one: it is not
 * read, and said. Bytes are the faster input: a report line that repeats an
 * event text read before is taken from them without a string made.
 */
export function readTextTrace(input: string | Uint8Array | Iterable<string | Uint8Array>, source: string, kind: TextKind, o: TextTraceOptions = {}): Trace {
  const r = textTraceReader(source, kind, o);
  for (const piece of typeof input === 'string' || input instanceof Uint8Array ? [input] : input) r.push(piece);
  return r.finish();
}

/** readTextTrace() for chunks that come asynchronously (a gzip stream, stdin). */
export async function readTextTraceAsync(input: AsyncIterable<string | Uint8Array>, source: string, kind: TextKind, o: TextTraceOptions = {}): Promise<Trace> {
  const r = textTraceReader(source, kind, o);
  for await (const piece of input) r.push(piece);
  return r.finish();
}

/** A text trace read as its pieces arrive: push() each, then finish(). */
function textTraceReader(source: string, kind: TextKind, o: TextTraceOptions): { push(piece: string | Uint8Array): void; finish(): Trace } {
  const warnings: string[] = [];
  const builder = new TextTraceBuilder(kind, o.formats ?? []);
  let cpus = 0;
  let header = '';
  let bad = 0;
  const pendingLost = new Map<number, number>();
  const line: EventLine & { buffer: number } = { comm: '', pid: 0, cpu: 0, flags: -1, preempt: -1, sec: 0, nsec: 0, digits: 6, name: '', text: '', buffer: 0 };
  let lineNo = 0;
  let last: Pending | null = null;
  const blank = (): Pending => ({ comm: '', pid: 0, cpu: 0, flags: 0, preempt: 0, sec: 0, nsec: 0, name: '', text: '', stack: null, lost: null, buffer: 0, record: null });
  let spare = blank();
  let other = blank();
  /** Report lines' event texts read so far, found from bytes (pushed bytes only). */
  const known = new LineTable<KnownRecord>();
  let fromBytes = false;
  const flush = () => {
    if (!last) return;
    const fresh = builder.add(last);
    // a text read for the first time that a line alone gives (no stack, no continued text)
    if (fresh && fromBytes && !last.stack && last.text.indexOf('\n') < 0) known.add(last.name, last.text, knownRecord(fresh));
    last = null;
  };
  /** Events lost before this CPU's next event, as a "CPU:N [EVENTS DROPPED]" line said. */
  const lostBefore = (cpu: number): number | null => {
    if (!pendingLost.size || !pendingLost.has(cpu)) return null;
    const n = pendingLost.get(cpu)!;
    pendingLost.delete(cpu);
    return n;
  };
  // the next event (the one before it is complete), in one of two records in turn: the builder
  // is done with one before it comes back
  const begin = (c: LineColumns, comm: string, name: string, text: string, stack: Pending['stack'], buffer: number, record: KnownRecord | null): void => {
    flush();
    const p = spare;
    spare = other;
    other = p;
    p.comm = comm;
    p.pid = c.pid;
    p.cpu = c.cpu;
    p.flags = c.flags;
    p.preempt = c.preempt;
    p.sec = c.sec;
    p.nsec = c.nsec;
    p.name = name;
    p.text = text;
    p.stack = stack;
    p.lost = lostBefore(c.cpu);
    p.buffer = buffer;
    p.record = record;
    last = p;
  };
  // a line of text, [ls, le) of `text` (le before any \r)
  const readLine = (text: string, ls: number, le: number): void => {
    if (kind === 'report') {
      // event lines are read in place; other lines are sliced only when they are looked at
      const c0 = text.charCodeAt(ls);
      if (!builder.count && !last && (c0 === 118 || c0 === 67)) {
        const l = text.slice(ls, le);
        if (l.startsWith('version = ') || /^CPU \d+ is empty$/.test(l)) {
          header += l + '\n';
          return;
        }
      }
      if (c0 === 99 && text.startsWith('cpus=', ls)) {
        const l = text.slice(ls, le);
        cpus = Number(l.slice(5)) || cpus;
        builder.setCpus(cpus);
        header += l + '\n';
        return;
      }
      if (c0 === 61 && text.startsWith('=> ', ls) && last?.stack) {
        const m = /^=> (.*?)(?: \(([0-9a-f]+)\))?$/.exec(text.slice(ls, le))!;
        const bare = m[2] === undefined && /^[0-9a-f]+$/.test(m[1]);
        last.stack.push({ name: bare ? '' : m[1], addr: m[2] !== undefined ? BigInt('0x' + m[2]) : bare ? BigInt('0x' + m[1]) : -1n });
        return;
      }
      const drop = c0 === 67 && text.startsWith('CPU:', ls) ? /^CPU:(\d+) \[(?:(\d+) )?EVENTS DROPPED\]$/.exec(text.slice(ls, le)) : null;
      if (drop) {
        pendingLost.set(Number(drop[1]), drop[2] ? Number(drop[2]) : -1);
        return;
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
          last.record = null;
          return;
        }
        if (++bad <= MAX_SHOWN_BAD) warnings.push(`${source}:${lineNo}: not a trace-cmd report line (expected "comm-pid [cpu] seconds: event: text"): ${JSON.stringify(l.slice(0, 120))}`);
        return;
      }
    } else {
      const l = text.slice(ls, le);
      if (l.charCodeAt(0) === 35) {
        const p = /#P:(\d+)/.exec(l);
        if (p) builder.setCpus((cpus = Number(p[1])));
        return;
      }
      if (l.startsWith(' => ') && last?.stack) {
        last.stack.push({ name: l.slice(4).trim(), addr: -1n });
        return;
      }
      if (!parseFtraceLine(l, line)) {
        // the lines an event's print fmt puts newlines before continue it (as in report text)
        if (last && !last.stack && builder.linesOf(last.name) > lineCount(last.text)) {
          last.text += '\n' + l;
          last.record = null;
          return;
        }
        if (++bad <= MAX_SHOWN_BAD) warnings.push(`${source}:${lineNo}: not a kernel trace line (expected "comm-pid [cpu] flags seconds: event: text"): ${JSON.stringify(l.slice(0, 120))}`);
        return;
      }
      if (!line.name) line.name = line.text.startsWith('<stack trace>') ? 'kernel_stack' : 'function';
    }
    const isStack = line.name === 'kernel_stack' && (line.text === '<stack trace >' || line.text === '<stack trace>');
    begin(line, line.comm, line.name, line.text, isStack ? [] : null, line.buffer, null);
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
      if (le > ls) readLine(text, ls, le);
    }
  };
  const span = lineSpan();
  /**
   * A report event line whose name and text were read before, read from its bytes: no
   * string made but the comm of a task not seen yet. False for any other line.
   */
  const knownLine = (b: Uint8Array, dv: DataView, ls: number, le: number): boolean => {
    // lines readLine() looks at before events: the header's, stack frames, dropped events
    const c0 = b[ls];
    if (c0 === 99 || c0 === 118 || c0 === 67 || c0 === 61) return false;
    // an instance buffer's line starts "name: ": readLine() reads those
    let i0 = ls;
    while (b[i0] === 32) i0++;
    let sp = i0;
    while (sp < le && b[sp] !== 32) sp++;
    if (sp > i0 + 1 && sp < le && b[sp - 1] === 58) return false;
    if (!readReportLine(b, ls, le, span)) return false;
    const e = known.find(b, dv, span.name, span.nameEnd, span.text, le);
    if (e < 0) return false;
    begin(span, builder.knowsTask(span.pid) ? '' : latin1Text(b, span.comm, span.dash), known.names[e], known.texts[e], null, 0, known.values[e]);
    return true;
  };
  // whole lines of bytes, b[from, to) (to just past a newline)
  const chunkBytes = (b: Uint8Array, from: number, to: number) => {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let start = from;
    while (start < to) {
      const end = b.indexOf(10, start);
      const ls = start;
      const le = b[end - 1] === 13 && end > ls ? end - 1 : end;
      start = end + 1;
      lineNo++;
      if (le > ls && !knownLine(b, dv, ls, le)) readLine(latin1Text(b, ls, le), 0, le - ls);
    }
  };
  // the line the last piece began (text, or bytes when bytes are pushed)
  let tail = '';
  let tailBytes = NO_BYTES;
  let skipping = false;
  let first = true;
  const tooLong = () => {
    lineNo++;
    warnings.push(`${source}:${lineNo}: a line longer than ${MAX_LINE} bytes: not read`);
    tail = '';
    tailBytes = NO_BYTES;
  };
  const pushText = (piece: string): void => {
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
  // as pushText(), the piece read where it is (the caller may reuse it: the tail is a copy)
  const pushBytes = (piece: Uint8Array): void => {
    let from = 0;
    if (skipping) {
      from = piece.indexOf(10) + 1;
      if (from === 0) return;
      skipping = false;
    }
    const nl = piece.indexOf(10, from);
    if (tailBytes.length + (nl < 0 ? piece.length : nl) - from > MAX_LINE) {
      tooLong();
      if (nl < 0) {
        skipping = true;
        return;
      }
      from = nl + 1;
    } else if (tailBytes.length && nl >= 0) {
      // the tail's line, whole
      const l = joined(tailBytes, piece.subarray(from, nl + 1));
      tailBytes = NO_BYTES;
      chunkBytes(l, 0, l.length);
      from = nl + 1;
    }
    const cut = piece.lastIndexOf(10);
    if (cut >= from) {
      chunkBytes(piece, from, cut + 1);
      from = cut + 1;
    }
    if (from < piece.length) tailBytes = joined(tailBytes, piece.subarray(from));
    if (tailBytes.length > MAX_LINE) {
      tooLong();
      skipping = true;
    }
  };
  // report text from bytes when the first piece is bytes (a reader given text after them reads
  // text from then on); kernel text is read as text, a chunk decoded at once
  const push = (piece: string | Uint8Array): void => {
    if (first) fromBytes = typeof piece !== 'string' && kind === 'report';
    first = false;
    if (typeof piece !== 'string' && fromBytes) return pushBytes(piece);
    if (fromBytes) {
      tail = latin1Text(tailBytes);
      tailBytes = NO_BYTES;
      fromBytes = false;
    }
    pushText(typeof piece === 'string' ? piece : latin1Text(piece));
  };
  const finish = (): Trace => {
    if (tail || tailBytes.length) {
      // a text trace's every line ends with a newline: this one was cut
      warnings.push(`${source}:${lineNo + 1}: the file ends inside a line (${tail.length || tailBytes.length} bytes without a newline): a cut line, not read`);
    }
    flush();
    if (bad > MAX_SHOWN_BAD) warnings.push(`${source}: ${bad} lines in all could not be read (first ${MAX_SHOWN_BAD} shown); the rest of the file was read`);
    return builder.finish({ source, cpus, header: kind === 'report' ? header : null, warnings });
  };
  return { push, finish };
}

/** a then b, in an array of their own (a copy, also of b alone: the caller may reuse b's buffer). */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const j = new Uint8Array(a.length + b.length);
  j.set(a);
  j.set(b, a.length);
  return j;
}

/** Lines in a text (1 + its newlines). */
function lineCount(t: string): number {
  let n = 1;
  for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) n++;
  return n;
}
