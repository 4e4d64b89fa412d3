import type { EventBatch } from '../core/batch.ts';
import { formatCpuList, maskCpus } from '../core/cpulist.ts';
import type { EventFormat, FieldFormat } from '../core/event-format.ts';
import type { Trace } from '../core/trace.ts';
import { compiledPrint, compileSegment } from '../printfmt/render.ts';
import type { Arg, Segment } from '../printfmt/ast.ts';
import { recordRef, type PrintEnv, type RecordRef } from '../printfmt/record.ts';
import { stackFrames } from '../core/kernel-stack.ts';

/** What a field becomes in a table: a number, text, a symbol ("func+0x0"), or a cpulist. */
export type FieldKind = 'number' | 'text' | 'symbol' | 'cpumask';

export interface FieldReader {
  name: string;
  kind: FieldKind;
  read(b: EventBatch, i: number): number | string | null;
  /** An integer field: its width and sign, and (64-bit) its exact value, for typed columns. */
  int?: { size: 1 | 2 | 4 | 8; signed: boolean; read64?: (b: EventBatch, i: number) => bigint | null };
  /**
   * A field that is a list, for typed columns: a cpumask's CPU ids (uint16), a
   * kernel stack's frames as symbols ("func+0x1a", utf8); `read` gives its text.
   */
  list?: { item: 'uint16'; read: (b: EventBatch, i: number) => number[] | null } | { item: 'utf8'; read: (b: EventBatch, i: number) => string[] | null };
}

/**
 * Typed readers for an event's fields, decided once per format: pointers the
 * print fmt shows with %pS/%ps read as the symbol text trace-cmd prints
 * (`do_flush_tlb_all+0x0`), cpumasks as cpulists (`0-1,3-79`), char arrays and
 * __data_loc strings as text, integers as numbers (64-bit values beyond 2^53
 * as exact decimal text, pointers as hex).
 */
export function fieldReaders(trace: Trace, ev: EventFormat): FieldReader[] {
  const { symbolic, printkStrings } = printedAs(ev, trace.longSize);
  const le = !trace.bigEndian;
  const readers = ev.fields.map((f) =>
    ev.system === 'ftrace' && ev.name === 'kernel_stack' && f.name === 'caller'
      ? stackReader(trace, ev)
      : printkStrings.has(f.name) && !f.isArray && !f.isDynamic
        ? printkReader(trace, f, le)
        : readerOf(trace, f, symbolic.get(f.name), le),
  );
  // a field the print fmt decodes (__print_flags, __print_symbolic) is there as that text too
  const env: PrintEnv = { littleEndian: le, longSize: trace.longSize, symbols: trace.symbols, printk: trace.printk, comms: trace.comms };
  const taken = new Set(ev.fields.map((f) => f.name));
  for (const f of ev.fields) {
    const name = `${f.name}_text`;
    if (taken.has(name)) continue;
    const printed = printedReader(ev, f.name, trace.longSize, env);
    if (printed) readers.push({ name, kind: 'text', read: printed });
  }
  return readers;
}

/** Whether an argument decodes through __print_flags/__print_symbolic, and the fields it reads (into `out`). */
function fieldsOf(a: Arg | null, out: Set<string>): boolean {
  if (!a) return false;
  let transform = a.kind === 'flags' || a.kind === 'symbol';
  if (a.kind === 'field' && a.field) out.add(a.field.name);
  for (const c of [a.flagField, a.a, a.b, a.c, a.item, a.left, a.right]) if (fieldsOf(c, out)) transform = true;
  return transform;
}

/**
 * The text the print fmt prints for a field it decodes through __print_flags or
 * __print_symbolic (prev_state S, softirq vec TIMER), from the one conversion
 * that reads only that field; null when there is none.
 */
export function printedReader(ev: EventFormat, name: string, longSize: number, env: PrintEnv): ((b: EventBatch, i: number) => string) | null {
  const cp = compiledPrint(ev, longSize);
  if (cp.fmt.failed) return null;
  const segs = cp.fmt.segments;
  const onlyField = (s: Segment, decoded: boolean) => {
    const names = new Set<string>();
    const transform = s.arg !== null && fieldsOf(s.arg, names);
    return (transform || !decoded) && s.kind !== 'text' && names.size === 1 && names.has(name);
  };
  const at = segs.findIndex((s: Segment) => onlyField(s, true));
  if (at < 0) return null;
  // conversions right after it that read only this field print with it: sched_switch's
  // "prev_state=%s%s" is the flags, then "+" for a preempted task (TASK_REPORT_MAX)
  let end = at + 1;
  while (end < segs.length && onlyField(segs[end], false)) end++;
  const parts = segs.slice(at, end).map(compileSegment);
  const fn =
    parts.length === 1
      ? parts[0]
      : (r: RecordRef, e: PrintEnv) => {
          let t = '';
          for (const p of parts) t += p(r, e);
          return t;
        };
  const r = recordRef();
  return (b, i) => {
    r.data = b.data;
    r.dv = b.dv;
    r.off = b.off[i];
    r.size = b.size[i];
    r.cpu = b.cpu[i];
    return fn(r, env);
  };
}

/**
 * kernel_stack's caller[]: the frames (its `size` of them, innermost first), each
 * as the function report prints on its "=>" line (the address in hex when no
 * symbol holds it; a kernel text trace, which has no addresses, gives the same);
 * as text, one line "a <- b".
 */
function stackReader(trace: Trace, ev: EventFormat): FieldReader {
  const le = !trace.bigEndian;
  const sym = trace.symbols;
  const cache = new Map<bigint, string>();
  const frames = (b: EventBatch, i: number): string[] =>
    stackFrames(ev, b.dv, b.off[i], b.size[i], le, trace.longSize).map((a) => {
      let t = cache.get(a);
      if (t === undefined) {
        const k = sym.findBig(a);
        t = k < 0 ? '0x' + BigInt.asUintN(64, a).toString(16) : sym.name(k);
        cache.set(a, t);
      }
      return t;
    });
  return { name: 'caller', kind: 'text', read: (b, i) => frames(b, i).join(' <- '), list: { item: 'utf8', read: frames } };
}

/**
 * Field readers by name, each format's readers built once: what every report
 * looks fields up with. `readerCache(trace)('callback')` is taken once, before
 * the scan; per event it costs one lookup by format id.
 */
export function readerCache(trace: Trace): (name: string) => (ev: EventFormat) => FieldReader | undefined {
  const byFormat = new Map<number, Map<string, FieldReader>>();
  return (name) => {
    // null: the format has no such field
    const byId = new Map<number, FieldReader | null>();
    return (ev) => {
      const known = byId.get(ev.id);
      if (known !== undefined) return known ?? undefined;
      let m = byFormat.get(ev.id);
      if (!m) byFormat.set(ev.id, (m = new Map(fieldReaders(trace, ev).map((r) => [r.name, r]))));
      const r = m.get(name);
      byId.set(ev.id, r ?? null);
      return r;
    };
  };
}

/** Fields printed with %pS (offset) or %ps (name only), and pointers printed with %s (tracepoint strings). */
function printedAs(ev: EventFormat, longSize: number): { symbolic: Map<string, boolean>; printkStrings: Set<string> } {
  const symbolic = new Map<string, boolean>();
  const printkStrings = new Set<string>();
  const cp = compiledPrint(ev, longSize);
  if (cp.fmt.failed) return { symbolic, printkStrings };
  for (const seg of cp.fmt.segments) {
    let a = seg.arg;
    while (a && a.kind === 'type') a = a.item;
    if (a?.kind !== 'field' || !a.field) continue;
    if (seg.kind === 'string' && a.field.isPointer) printkStrings.add(a.field.name);
    if (seg.kind !== 'pointer') continue;
    const conv = seg.format[seg.format.indexOf('p') + 1];
    if (conv === 'S' || conv === 's' || conv === 'F' || conv === 'f') symbolic.set(a.field.name, conv === 'S' || conv === 'F');
  }
  return { symbolic, printkStrings };
}

/** A 4- or 8-byte pointer field as 32-bit halves (no BigInt), or null when the record is too short. */
function pointerHalves(b: EventBatch, i: number, f: FieldFormat, le: boolean): [number, number] | null {
  if (f.offset + f.size > b.size[i]) return null;
  const at = b.off[i] + f.offset;
  if (f.size !== 8) return [0, b.dv.getUint32(at, le)];
  return [b.dv.getUint32(le ? at + 4 : at, le), b.dv.getUint32(le ? at : at + 4, le)];
}

const hexOf = (hi: number, lo: number) => '0x' + (hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16));

/** A `const char *` printed with %s: the string at that address in printk_formats, as trace-cmd prints it. */
function printkReader(trace: Trace, f: FieldFormat, le: boolean): FieldReader {
  return {
    name: f.name,
    kind: 'text',
    read: (b, i) => {
      const p = pointerHalves(b, i, f, le);
      if (!p) return null;
      return trace.printk.find(p[0], p[1]) ?? hexOf(p[0], p[1]);
    },
  };
}

function cstr(data: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) {
    const c = data[k];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function readerOf(trace: Trace, f: FieldFormat, symbolic: boolean | undefined, le: boolean): FieldReader {
  const name = f.name;
  if (f.isDynamic) {
    const isMask = /cpumask|bitmask/.test(f.type) || (!f.isString && f.type.includes('unsigned long'));
    const loc = (b: EventBatch, i: number) => {
      if (f.offset + 4 > b.size[i]) return null;
      const v = b.dv.getUint32(b.off[i] + f.offset, le);
      let start = v & 0xffff;
      if (f.isRelative) start += f.offset + f.size;
      const len = v >>> 16;
      if (start + len > b.size[i]) return null;
      return [b.off[i] + start, len] as const;
    };
    if (isMask) {
      const cpus = (b: EventBatch, i: number) => {
        const l = loc(b, i);
        return l ? maskCpus(b.data, l[0], l[1], !le) : null;
      };
      return {
        name,
        kind: 'cpumask',
        read: (b, i) => {
          const c = cpus(b, i);
          return c ? formatCpuList(c) : null;
        },
        list: { item: 'uint16', read: cpus },
      };
    }
    return {
      name,
      kind: 'text',
      read: (b, i) => {
        const l = loc(b, i);
        return l ? cstr(b.data, l[0], l[0] + l[1]) : null;
      },
    };
  }
  if (f.isArray && f.isString) return { name, kind: 'text', read: (b, i) => cstr(b.data, b.off[i] + f.offset, b.off[i] + Math.min(f.offset + f.size, b.size[i])) };
  if (f.isArray || f.size > 8 || f.size === 0) {
    return {
      name,
      kind: 'text',
      read: (b, i) => {
        let s = '';
        for (let k = 0; k < f.size && f.offset + k < b.size[i]; k++) s += b.data[b.off[i] + f.offset + k].toString(16).padStart(2, '0');
        return s;
      },
    };
  }
  if (symbolic !== undefined) {
    const cache = new Map<number, Map<number, string>>();
    const sym = trace.symbols;
    return {
      name,
      kind: 'symbol',
      read: (b, i) => {
        const p = pointerHalves(b, i, f, le);
        if (!p) return null;
        const [hi, lo] = p;
        let m = cache.get(hi);
        if (!m) cache.set(hi, (m = new Map()));
        let t = m.get(lo);
        if (t === undefined) {
          const k = sym.find(hi, lo);
          t = k < 0 ? hexOf(hi, lo) : symbolic ? `${sym.name(k)}+0x${sym.offsetNum(k, hi, lo).toString(16)}` : sym.name(k);
          m.set(lo, t);
        }
        return t;
      },
    };
  }
  const signed = f.signed;
  switch (f.size) {
    case 1:
      return { name, kind: 'number', int: { size: 1, signed }, read: (b, i) => (f.offset < b.size[i] ? (signed ? b.dv.getInt8(b.off[i] + f.offset) : b.data[b.off[i] + f.offset]) : null) };
    case 2:
      return { name, kind: 'number', int: { size: 2, signed }, read: (b, i) => (f.offset + 2 <= b.size[i] ? (signed ? b.dv.getInt16(b.off[i] + f.offset, le) : b.dv.getUint16(b.off[i] + f.offset, le)) : null) };
    case 4:
      return { name, kind: 'number', int: { size: 4, signed }, read: (b, i) => (f.offset + 4 <= b.size[i] ? (signed ? b.dv.getInt32(b.off[i] + f.offset, le) : b.dv.getUint32(b.off[i] + f.offset, le)) : null) };
    default: {
      const pointer = f.isPointer;
      const read64 = (b: EventBatch, i: number): bigint | null => {
        if (f.offset + 8 > b.size[i]) return null;
        return signed ? b.dv.getBigInt64(b.off[i] + f.offset, le) : b.dv.getBigUint64(b.off[i] + f.offset, le);
      };
      return {
        name,
        kind: pointer ? 'text' : 'number',
        int: pointer || f.size !== 8 ? undefined : { size: 8, signed, read64 },
        read: (b, i) => {
          const v = read64(b, i);
          if (v === null) return null;
          // as report -R prints a pointer: 0x..., (nil) for NULL
          if (pointer) return v === 0n ? '(nil)' : '0x' + v.toString(16);
          const n = Number(v);
          return Number.isSafeInteger(n) ? n : v.toString();
        },
      };
    }
  }
}

/**
 * The CPUs an IPI event targets: ipi_send_cpu's cpu, ipi_send_cpumask's mask
 * and arm's ipi_raise target_cpus (exploded), else none.
 */
export function ipiTargetReader(trace: Trace, ev: EventFormat): ((b: EventBatch, i: number) => number[]) | null {
  const le = !trace.bigEndian;
  const mask = ev.field(ev.name === 'ipi_raise' ? 'target_cpus' : 'cpumask');
  if ((ev.name === 'ipi_send_cpumask' || ev.name === 'ipi_raise') && mask && mask.isDynamic) {
    return (b, i) => {
      const v = b.dv.getUint32(b.off[i] + mask.offset, le);
      let start = v & 0xffff;
      if (mask.isRelative) start += mask.offset + mask.size;
      const len = v >>> 16;
      return start + len <= b.size[i] ? maskCpus(b.data, b.off[i] + start, len, !le) : [];
    };
  }
  const cpu = ev.field('cpu');
  if (ev.name === 'ipi_send_cpu' && cpu && cpu.size === 4) return (b, i) => [b.dv.getUint32(b.off[i] + cpu.offset, le)];
  return null;
}
