import { formatInt, formatPointer, formatStr, parseSpec } from '../core/c-printf.ts';
import type { EventFormat, FieldFormat } from '../core/event-format.ts';
import { readHi, readLo, readSmall, readUnsigned, u64Value } from '../core/int64.ts';
import { Arg, type PrintFmt, type Segment } from './ast.ts';
import { formatLld } from './c-values.ts';
import { cString, dynamicLoc, evalNum } from './evaluate.ts';
import { parsePrintFmt } from './parse.ts';
import { printNumber, printPointer, printStrArg } from './print-args.ts';
import type { PrintEnv, RecordRef } from './record.ts';
import { buildSegments } from './segments.ts';

type SegFn = (r: RecordRef, env: PrintEnv) => string;

/** A parsed print fmt with each segment compiled to a small closure (no eval). */
export interface CompiledPrint {
  fmt: PrintFmt;
  render: (r: RecordRef, env: PrintEnv) => string;
}

const compiled = new WeakMap<EventFormat, CompiledPrint>();
const compiledKernel = new WeakMap<EventFormat, CompiledPrint>();
const compiledNoPlugins = new WeakMap<EventFormat, CompiledPrint>();

/**
 * The compiled print fmt of an event, parsed on first use and kept: as
 * libtraceevent parses it (what trace-cmd report prints), or with `kernel` as
 * the kernel's C does (what /sys/kernel/tracing/trace shows); without
 * `plugins`, as libtraceevent with no plugin loaded (report -N: their print
 * functions are unknown).
 */
export function compiledPrint(ev: EventFormat, longSize: number, kernel = false, plugins = true): CompiledPrint {
  const cache = kernel ? compiledKernel : plugins ? compiled : compiledNoPlugins;
  let c = cache.get(ev);
  if (!c) {
    const fmt = parsePrintFmt(ev, longSize, kernel, plugins);
    c = { fmt, render: fmt.failed ? () => '' : compileSegments(fmt.segments) };
    cache.set(ev, c);
  }
  return c;
}

/** Casts to a pointer type leave a value unchanged; see through them. */
function stripPointerCasts(a: Arg): Arg {
  while (a.kind === 'type' && a.castType.endsWith('*')) a = a.item!;
  return a;
}

function compileSegments(segs: Segment[]): (r: RecordRef, env: PrintEnv) => string {
  const fns = segs.map(compileSegment);
  if (fns.length === 1) return fns[0];
  return (r, env) => {
    let s = '';
    for (let i = 0; i < fns.length; i++) s += fns[i](r, env);
    return s;
  };
}

/** One print fmt conversion as a function of a record (what hist uses to decode a flag or symbolic field). */
export function compileSegment(seg: Segment): SegFn {
  if (seg.kind === 'text') {
    const t = seg.format;
    return () => t;
  }
  const arg = seg.arg!;
  const lenArg = seg.lenArg;
  const star = (r: RecordRef, env: PrintEnv) => (lenArg ? Number(BigInt.asIntN(32, evalNum(lenArg, r, env))) : undefined);
  const format = seg.format;
  if (seg.kind === 'digit') {
    if (!lenArg && arg.kind === 'field' && arg.field) {
      const f = arg.field;
      const spec = parseSpec(format);
      const generic: SegFn = (r, env) => printNumber(format, undefined, arg, r, env);
      if (f.size === 1 || f.size === 2 || f.size === 4) {
        return (r, env) => (f.offset + f.size > r.size ? generic(r, env) : formatInt(spec, readSmall(r.dv, r.off + f.offset, f.size, env.littleEndian)));
      }
      if (f.size === 8) {
        return (r, env) => {
          if (f.offset + 8 > r.size) return generic(r, env);
          const at = r.off + f.offset;
          return formatInt(spec, u64Value(readHi(r.dv, at, env.littleEndian), readLo(r.dv, at, env.littleEndian)));
        };
      }
    }
    return (r, env) => printNumber(format, star(r, env), arg, r, env);
  }
  if (seg.kind === 'pointer') {
    const conv = format[format.indexOf('p') + 1];
    const base = stripPointerCasts(arg);
    if (!lenArg && (conv === 'S' || conv === 's' || conv === 'F' || conv === 'f') && base.kind === 'field' && base.field && (base.field.size === 8 || base.field.size === 4)) {
      const f = base.field;
      const withOffset = conv === 'S' || conv === 'F';
      // callsites and callbacks repeat: remember the text of recent addresses
      const cacheHi = new Float64Array(1024).fill(-1);
      const cacheLo = new Float64Array(1024);
      const cacheText: string[] = new Array(1024);
      let cacheOwner: unknown = null;
      let cacheKernel = false;
      return (r, env) => {
        if (f.offset + f.size > r.size) return printPointer(format, 1, arg, r, env, false);
        const at = r.off + f.offset;
        const hi = f.size === 8 ? readHi(r.dv, at, env.littleEndian) : 0;
        const lo = f.size === 8 ? readLo(r.dv, at, env.littleEndian) : r.dv.getUint32(at, env.littleEndian);
        if (cacheOwner !== env.symbols || cacheKernel !== !!env.kernel) {
          cacheOwner = env.symbols;
          cacheKernel = !!env.kernel;
          cacheHi.fill(-1);
        }
        const slot = (lo ^ (lo >>> 10) ^ (lo >>> 20)) & 1023;
        if (cacheHi[slot] === hi && cacheLo[slot] === lo) return cacheText[slot];
        const i = env.symbols.find(hi, lo);
        let text: string;
        if (i < 0) text = '0x' + (hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16));
        else {
          const name = env.symbols.name(i);
          text = withOffset ? name + '+0x' + env.symbols.offsetNum(i, hi, lo).toString(16) + (env.kernel ? '/0x' + env.symbols.sizeOf(i).toString(16) : '') : name;
        }
        cacheHi[slot] = hi;
        cacheLo[slot] = lo;
        cacheText[slot] = text;
        return text;
      };
    }
    if (!lenArg && conv !== 'M' && conv !== 'm' && conv !== 'I' && conv !== 'i' && conv !== 'U' && conv !== 'h' && base.kind === 'field' && base.field && base.field.size === 8) {
      // plain %p of a pointer field: glibc's "0x..." or "(nil)"
      const f = base.field;
      return (r, env) => {
        if (f.offset + 8 > r.size) return printPointer(format, 1, arg, r, env, false);
        const at = r.off + f.offset;
        const hi = readHi(r.dv, at, env.littleEndian);
        const lo = readLo(r.dv, at, env.littleEndian);
        if (env.kernel) return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
        if (hi === 0) return lo === 0 ? '(nil)' : '0x' + lo.toString(16);
        return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
      };
    }
    return (r, env) => printPointer(format, lenArg ? (star(r, env) ?? 1) : 1, arg, r, env, false);
  }
  // %s
  if (!lenArg && arg.kind === 'field' && arg.field) {
    const f = arg.field;
    const spec = parseSpec(format);
    if (!f.isArray && (f.size === 8 || f.size === 4)) {
      return (r, env) => {
        if (f.size !== env.longSize || f.offset + f.size > r.size) return printStrArg(format, undefined, arg, r, env);
        const at = r.off + f.offset;
        const hi = f.size === 8 ? r.dv.getUint32(at + 4, true) : 0;
        const lo = r.dv.getUint32(at, true);
        const s = env.printk.find(hi, lo);
        if (s !== null) return s;
        return hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16);
      };
    }
    if (f.isArray && !f.isDynamic) {
      return (r) => formatStr(spec, cString(r, f.offset, f.size || r.size - f.offset));
    }
  }
  if (!lenArg && arg.kind === 'string' && arg.field) {
    const f = arg.field;
    const spec = parseSpec(format);
    return (r, env) => {
      const { offset, len } = dynamicLoc(f, r, env);
      return len ? formatStr(spec, cString(r, offset, r.size - offset)) : '';
    };
  }
  return (r, env) => printStrArg(format, star(r, env), arg, r, env);
}

/** print_parse_data for one segment (the generic path; used by raw field printing). */
function renderSegment(seg: Segment, r: RecordRef, env: PrintEnv, raw: boolean): string {
  if (seg.kind === 'text') return seg.format;
  const star = seg.lenArg ? Number(BigInt.asIntN(32, evalNum(seg.lenArg, r, env))) : undefined;
  if (seg.kind === 'digit') return printNumber(seg.format, star, seg.arg!, r, env);
  if (seg.kind === 'pointer') return printPointer(seg.format, star ?? 1, seg.arg!, r, env, raw);
  return printStrArg(seg.format, star, seg.arg!, r, env);
}

function isPrintableArray(r: RecordRef, off: number, len: number): boolean {
  for (let i = 0; i < len && r.off + off + i < r.off + r.size; i++) {
    const c = r.data[r.off + off + i];
    if (!c) break;
    if (!(c >= 32 && c < 127) && !(c === 32 || (c >= 9 && c <= 13))) return false;
  }
  return true;
}

/** print_field_raw: a field's value without its print fmt. */
export function printFieldRaw(f: FieldFormat, r: RecordRef, env: PrintEnv): string {
  if (f.isArray) {
    let offset: number;
    let len: number;
    if (f.isDynamic) ({ offset, len } = dynamicLoc(f, r, env));
    else {
      offset = f.offset;
      len = f.size;
    }
    if (f.isString && isPrintableArray(r, offset, len)) return cString(r, offset, r.size - offset);
    let s = 'ARRAY[';
    for (let i = 0; i < len; i++) {
      if (i) s += ', ';
      const b = offset + i < r.size ? r.data[r.off + offset + i] : 0;
      s += (b < 16 ? '0' : '') + b.toString(16);
    }
    // libtraceevent stops treating the field as a string once it was not printable
    f.isString = false;
    return s + ']';
  }
  const val = f.offset + f.size <= r.size ? readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian) : 0n;
  if (f.isPointer) return '0x' + val.toString(16);
  if (f.signed) {
    switch (f.size) {
      case 4:
        return f.isLong ? '0x' + BigInt.asUintN(32, BigInt.asIntN(32, val)).toString(16) : BigInt.asIntN(32, val).toString();
      case 2:
        return BigInt.asIntN(16, val).toString().padStart(2, ' ');
      case 1:
        return BigInt.asIntN(8, val).toString();
      default:
        return formatLld(val);
    }
  }
  return f.isLong ? '0x' + val.toString(16) : val.toString();
}

/**
 * tep_print_fields: " name=value" for every event field. With a usable print fmt
 * each field is printed the way the print fmt prints it (matching segments in
 * order, wrapping around), else raw.
 */
export function printFields(ev: EventFormat, fmt: PrintFmt | null, r: RecordRef, env: PrintEnv, raw: boolean): string {
  const segs = fmt && !fmt.failed ? fmt.segments : null;
  let cursor: number | null = segs && segs.length ? 0 : null;
  let out = '';
  for (const f of ev.fields) {
    out += ' ' + f.name + '=';
    if (cursor === null || !segs || f.isArray || f.isString) {
      out += printFieldRaw(f, r, env);
      continue;
    }
    const start = cursor;
    let p = start;
    let has0x = false;
    let found = false;
    do {
      const seg = segs[p];
      if (seg.kind === 'text') {
        has0x = seg.format.length > 1 && seg.format.endsWith('0x');
      } else {
        let a = seg.arg;
        while (a && a.kind === 'type') a = a.item;
        if (a && a.kind === 'field' && a.field === f) {
          if (has0x) out += '0x';
          out += renderSegment(seg, r, env, false); // libtraceevent 1.7 prints -R pointers like the print fmt does
          cursor = p + 1 < segs.length ? p + 1 : null;
          found = true;
          break;
        }
        has0x = false;
      }
      p = p + 1 < segs.length ? p + 1 : 0;
    } while (p !== start);
    if (!found) out += printFieldRaw(f, r, env);
  }
  return out;
}

/** The text a bprint event prints: its printk format applied to the binary arguments. */
export function renderBprint(ev: EventFormat, r: RecordRef, env: PrintEnv): string {
  const fmtField = ev.field('fmt');
  const bufField = ev.field('buf');
  const ipField = ev.field('ip');
  if (!fmtField || !bufField || !ipField) return '';
  if (ev.printFailed) return '[FAILED TO PARSE]' + printFields(ev, null, r, env, false);
  const addr = readUnsigned(r.dv, r.off + fmtField.offset, fmtField.size, env.littleEndian);
  const str = env.printk.findBig(addr);
  // get_bprint_format() (libtraceevent 1.7): a format not in printk_formats says so
  let byString = bprintFormats.get(ev);
  if (!byString) bprintFormats.set(ev, (byString = new Map()));
  // a printk string holds no NUL: the key of a format not found cannot be one
  const key = str ?? `\0${addr.toString(16)}`;
  let known = byString.get(key);
  if (!known) byString.set(key, (known = { format: str === null ? `%ps: (NO FORMAT FOUND at ${addr.toString(16)})\n` : `%ps: ${str}`, plans: [] }));
  const format = known.format;
  // the arguments' kinds and atoms (libtraceevent's make_bprint_args()), then the plan that prints them
  const kinds = bprintKinds;
  const atoms = bprintAtoms;
  let n = 0;
  kinds[n] = 'atom';
  atoms[n++] = formatLld(readUnsigned(r.dv, r.off + ipField.offset, ipField.size, env.littleEndian));
  let b = bufField.offset;
  const size = r.size;
  for (let p = 5; b < size && p < format.length; p++) {
    if (format[p] !== '%') continue;
    let ls = 0;
    let done = false;
    while (!done) {
      p++;
      const c = format[p];
      let isString = false;
      let number = false;
      let vsize = 0;
      switch (c) {
        case 'l': ls++; continue;
        case 'L': ls = 2; continue;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        case '.': case '#': case '+':
          continue;
        case 'z': case 'Z': ls = 1; continue;
        case 'p': {
          ls = 1;
          const n = format[p + 1];
          if (n !== undefined && /[A-Za-z0-9]/.test(n)) {
            p++;
            const k = format[p];
            const special = k === 's' || k === 'S' || k === 'x' || ((k === 'f' || k === 'F') && format[p + 1] !== 'w');
            if (!special) {
              const ch = r.data[r.off + b];
              if (ch >= 32 && ch < 127) isString = true;
            }
          }
          number = !isString;
          break;
        }
        case 'd': case 'u': case 'i': case 'x': case 'X': case 'o':
          number = true;
          break;
        case '*':
          number = true;
          break;
        case 's':
          isString = true;
          break;
        default:
          done = true;
          continue;
      }
      if (number) {
        vsize = c === '*' ? 4 : ls === 0 ? 4 : ls === 1 ? env.longSize : ls === 2 ? 8 : ls;
        b = (b + 3) & ~3;
        const val = b + vsize <= size ? readUnsigned(r.dv, r.off + b, vsize, env.littleEndian) : 0n;
        b += vsize;
        kinds[n] = 'atom';
        atoms[n++] = formatLld(val);
        if (c === '*') continue;
        done = true;
      } else if (isString) {
        const s = cString(r, b, size - b);
        kinds[n] = 'bstring';
        atoms[n++] = s;
        b += s.length + 1;
        done = true;
      }
    }
  }
  const { args, segments, failed } = (known.plans[n] ??= bprintPlan(format, n));
  for (let k = 0; k < n; k++) {
    args[k].kind = kinds[k];
    args[k].atom = atoms[k];
  }
  // parse_args() marks the event failed (a conversion without its argument): this one still
  // prints, every later one of the format does not
  if (failed) {
    ev.printFailed = true;
    env.warn?.(`[${ev.system}:${ev.name}] ${failed}`);
  }
  let out = '';
  for (const seg of segments) out += renderSegment(seg, r, env, false);
  return out;
}

/**
 * A bprint format's segments, made once per format and argument count:
 * buildSegments() reads nothing else (it takes the arguments in order, and
 * fails only when they run out), so the segments are kept with the arguments
 * they point to, and each event refills those arguments' kinds and atoms.
 * trace_printk() traces repeat a few formats thousands of times.
 */
interface BprintPlan {
  args: Arg[];
  segments: Segment[];
  failed: string | null;
}

/** Per bprint event, its formats met so far, by printk string: the format it prints and its plans by argument count. */
const bprintFormats = new WeakMap<EventFormat, Map<string, { format: string; plans: BprintPlan[] }>>();
const bprintKinds: ('atom' | 'bstring')[] = [];
const bprintAtoms: string[] = [];

function bprintPlan(format: string, n: number): BprintPlan {
  const args = Array.from({ length: n }, () => Arg.of('atom'));
  return { args, ...buildSegments(format, args) };
}
