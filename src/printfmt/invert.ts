import { parseCpuList, writeMask } from '../core/cpulist.ts';
import type { EventFormat, FieldFormat } from '../core/event-format.ts';
import type { FieldValue } from '../core/record-encoder.ts';
import type { Arg } from './ast.ts';
import { compiledPrint } from './render.ts';
import { cStrtoull, evalFlag } from './c-values.ts';
import { printFunction } from './print-functions.ts';
import type { PluginState } from './plugins/plugin-api.ts';

/**
 * Reading printed text back into an event's field values: the inverse of
 * the print fmt (genericInverter) and what the event families' inverters
 * (plugins/) share. The text readers (io/text) give the context: the
 * kallsyms and printk strings a text trace implies, made up as names appear.
 */

/** The kallsyms a text trace implies (io/text's SynthSymbols). */
export interface SymbolSource {
  /** Address of a symbol by name, when the table has one. */
  named(name: string): bigint | null;
  /** Address of `name+offset` (a made-up one for a new name); null past the symbol's known size. */
  address(name: string, offset: bigint, size?: bigint): bigint | null;
}

/** The printk strings a text trace implies (io/text's SynthPrintk): an address for each string. */
export interface StringSource {
  address(s: string): bigint;
}

export interface InvertContext {
  syms: SymbolSource;
  printk: StringSource;
  /** Kernel vsprintf forms (%pS with /size, %p as 16 hex digits) rather than libtraceevent's. */
  kernel: boolean;
  /** Bytes of a cpumask (nr_cpu_ids rounded up to longs). */
  maskBytes: number;
  /**
   * For inverters whose text depends on the events before it (EventHandler.invertInOrder):
   * the CPU of the event being read, and the printer's state as the events read so far left it.
   */
  cpu?: number;
  /**
   * The printer's state the reader checks each line with (the function plugin's stacks, -O
   * options): a line that shows an option's form (function_graph's " (depth)") turns it on.
   */
  printer?: PluginState;
  /** For in-order inverters: the event's pid, time stamp (whole seconds, ns within them) and place among the trace's events. */
  pid?: number;
  sec?: number;
  nsec?: number;
  seq?: number;
  /** What in-order inverters keep between lines, by family (the reader's, for this trace). */
  state?: Map<string, unknown>;
  /** tep_find_event_by_name() over the reader's formats: a sibling event's format. */
  findEvent?: (system: string, name: string) => EventFormat | undefined;
  /**
   * Set by an inverter whose line stands for more records than its own (a function_graph
   * leaf: the entry and its exit, which trace-cmd merged into one line): those records,
   * in order, right after this one. The reader clears it before each line.
   */
  then?: { ev: EventFormat; vals: (FieldValue | undefined)[] }[];
}

/** Field values (in ev.fields order) from an event's printed text, or null when the text does not fit. */
export type Inverter = (text: string, ctx: InvertContext) => (FieldValue | undefined)[] | null;

type Setter = (m: string, vals: (FieldValue | undefined)[], ctx: InvertContext) => boolean;

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function strip(a: Arg | null): Arg | null {
  while (a && a.kind === 'type') a = a.item;
  return a;
}

/** The last conversion character of a printf spec ("%-5lu" -> "u"). */
function convOf(format: string): string {
  return format[format.length - 1];
}

function intPattern(format: string): string {
  const c = convOf(format);
  const alt = format.includes('#');
  if (c === 'x' || c === 'X') return alt ? ' *0x[0-9a-fA-F]+|0' : ' *[0-9a-fA-F]+';
  if (c === 'u') return ' *\\d+';
  if (c === 'c') return '[\\s\\S]';
  return ' *-?\\d+';
}

/** A setter that stores what `read` makes of the matched text in field i (null: the text does not fit). */
function setterOf(i: number, read: (m: string) => FieldValue | null): Setter {
  return (m, vals) => {
    const v = read(m);
    if (v === null) return false;
    vals[i] = v;
    return true;
  };
}

/** The number a conversion printed (its pattern matched). */
function printedInt(m: string, format: string): bigint {
  const c = convOf(format);
  const t = m.trim();
  if (c === 'c') return BigInt(t.length ? m.charCodeAt(0) : 32);
  if (c === 'x' || c === 'X') return BigInt(t.startsWith('0x') ? t : '0x' + t);
  return BigInt(t);
}

function intSetter(f: FieldFormat, idx: number, format: string): Setter {
  return (m, vals) => {
    const v = printedInt(m, format);
    vals[idx] = f.size === 8 ? v : Number(BigInt.asIntN(Math.min(f.size * 8, 53), v));
    return true;
  };
}

/** A constant expression's value (`((1U << 20) - 1)`), or null when it is not one. */
function constOf(a: Arg | null): bigint | null {
  a = strip(a);
  if (!a) return null;
  if (a.kind === 'atom') {
    const m = /^(0x[0-9a-fA-F]+|\d+)[uUlL]*$/.exec(a.atom);
    return m ? BigInt(m[1]) : null;
  }
  if (a.kind !== 'op' || !a.left || !a.right) return null;
  const l = constOf(a.left);
  const r = constOf(a.right);
  if (l === null || r === null) return null;
  switch (a.op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '<<': return r < 64n ? l << r : null;
    case '>>': return r < 64n ? l >> r : null;
    case '&': return l & r;
    case '|': return l | r;
    default: return null;
  }
}

/**
 * Part of a field printed on its own: `REC->dev >> 20` (MAJOR()) or
 * `REC->dev & ((1U << 20) - 1)` (MINOR()), through casts. Each part read
 * back ORs its bits into the field, so the parts together rebuild it (bits
 * no part prints stay 0; the re-render check decides).
 */
function fieldPart(a: Arg | null, fieldOf: (x: Arg | null) => FieldFormat | null): { field: FieldFormat; bits: (v: bigint) => bigint | null } | null {
  if (!a || a.kind !== 'op' || (a.op !== '>>' && a.op !== '&')) return null;
  const f = fieldOf(strip(a.left));
  const c = constOf(a.right);
  if (!f || f.isArray || c === null || c < 0n) return null;
  if (a.op === '>>') return c < 64n ? { field: f, bits: (v) => v << c } : null;
  return { field: f, bits: (v) => (BigInt.asUintN(64, v) & ~c ? null : v) };
}

/** "name+0x20", "name+0x20/0x40", "name" (%ps), "0x1234" -> an address in the synthetic kallsyms. */
export function symbolAddress(text: string, ctx: InvertContext, withOffset: boolean): bigint | null {
  if (/^0x[0-9a-f]+$/.test(text)) return BigInt(text);
  if (!withOffset) return /^[\w.$]+$/.test(text) ? ctx.syms.address(text, 0n) : null;
  const m = /^([\w.$]+)\+0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?$/.exec(text);
  if (!m) return null;
  return ctx.syms.address(m[1], BigInt('0x' + m[2]), m[3] !== undefined ? BigInt('0x' + m[3]) : undefined);
}

/**
 * Inverts an event's print fmt: a regex from its segments (literal text,
 * numbers, strings, symbols, cpumasks, __print_symbolic/__print_flags) whose
 * groups fill the fields the arguments name. Arguments that are expressions
 * match anything and set nothing; the caller re-renders the record and keeps it
 * only if the text comes out the same, so an approximate match never passes.
 */
export function genericInverter(ev: EventFormat, longSize: number, kernel = false): Inverter | null {
  const cp = compiledPrint(ev, longSize, kernel);
  if (cp.fmt.failed) return null;
  const index = new Map(ev.fields.map((f, i) => [f.name, i]));
  const parts: string[] = [];
  const setters: (Setter | null)[] = [];
  for (const seg of cp.fmt.segments) {
    if (seg.kind === 'text') {
      parts.push(esc(seg.format));
      continue;
    }
    const a = strip(seg.arg);
    const fieldOf = (x: Arg | null) => (x && x.kind === 'field' && x.field && index.has(x.field.name) ? x.field : null);
    let pat = '.*?';
    let set: Setter | null = null;
    if (seg.kind === 'digit') {
      const f = fieldOf(a);
      const arr = a && a.kind === 'op' && a.op === '[' ? fieldOf(strip(a.left)) : null;
      const at = arr && a!.right?.kind === 'atom' && /^\d+$/.test(a!.right.atom) ? Number(a!.right.atom) : -1;
      const part = f ? null : fieldPart(a, fieldOf);
      const fn = a && a.kind === 'func' && a.params.length === 1 ? printFunction(a.funcName) : undefined;
      const fnField = fn?.invertValue ? fieldOf(strip(a!.params[0])) : null;
      const fnBytes = fn?.invertBytes ? strip(a!.params[0]) : null;
      if (f && !f.isArray) {
        pat = intPattern(seg.format);
        set = intSetter(f, index.get(f.name)!, seg.format);
      } else if (part) {
        const i = index.get(part.field.name)!;
        const width = part.field.size * 8;
        pat = intPattern(seg.format);
        set = (m, vals) => {
          const b = part.bits(printedInt(m, seg.format));
          if (b === null) return false;
          const prev = vals[i];
          vals[i] = BigInt.asUintN(width, (typeof prev === 'bigint' || typeof prev === 'number' ? BigInt(prev) : 0n) | b);
          return true;
        };
      } else if (fn && fnField && !fnField.isArray) {
        // jiffies_to_msecs(REC->wait): the function's value read back into its argument
        const i = index.get(fnField.name)!;
        pat = intPattern(seg.format);
        set = setterOf(i, (m) => fn.invertValue!(printedInt(m, seg.format)));
      } else if (fn && fnBytes?.kind === 'dynarray' && fnBytes.field && index.has(fnBytes.field.name)) {
        // __le16_to_cpup((__le16 *)__get_dynamic_array(frame)): the bytes the function read
        const i = index.get(fnBytes.field.name)!;
        pat = intPattern(seg.format);
        set = setterOf(i, (m) => fn.invertBytes!(printedInt(m, seg.format)));
      } else if (arr && arr.isArray && at >= 0 && arr.elementSize > 0 && (at + 1) * arr.elementSize <= arr.size) {
        // REC->args[3]: one element of an array field
        const i = index.get(arr.name)!;
        const es = arr.elementSize;
        const c = convOf(seg.format);
        pat = intPattern(seg.format);
        set = (m, vals) => {
          const t = m.trim();
          const v = c === 'x' || c === 'X' ? BigInt(t.startsWith('0x') ? t : '0x' + t) : BigInt(t);
          let buf = vals[i] as Uint8Array | undefined;
          if (!(buf instanceof Uint8Array)) vals[i] = buf = new Uint8Array(arr.size);
          const u = BigInt.asUintN(es * 8, v);
          for (let k = 0; k < es; k++) buf[at * es + k] = Number((u >> BigInt(8 * k)) & 0xffn);
          return true;
        };
      }
    } else if (seg.kind === 'pointer') {
      const f = fieldOf(a);
      const conv = seg.format[seg.format.indexOf('p') + 1];
      const rel = a && a.kind === 'op' && a.op === '+' ? symbolPlusField(a, fieldOf) : null;
      if (rel && (conv === 'S' || conv === 's')) {
        // (void *)((unsigned long)(_stext) + REC->caller_offs): an offset from a symbol
        const i = index.get(rel.field.name)!;
        const withOffset = conv === 'S';
        pat = '\\S+?';
        set = (m, vals, ctx) => {
          const addr = symbolAddress(m, ctx, withOffset);
          const base = ctx.syms.named(rel.symbol);
          if (addr === null || base === null) return false;
          const d = addr - base;
          if (d < -(1n << 31n) || d >= 1n << 31n) return false;
          vals[i] = Number(d);
          return true;
        };
      } else if (f && !f.isArray && (conv === 'S' || conv === 's' || conv === 'F' || conv === 'f')) {
        const withOffset = conv === 'S' || conv === 'F';
        const i = index.get(f.name)!;
        pat = '\\S+?';
        set = (m, vals, ctx) => {
          const addr = symbolAddress(m, ctx, withOffset);
          if (addr === null) return false;
          vals[i] = addr;
          return true;
        };
      } else if (f && !f.isArray && !/[A-Za-z0-9]/.test(conv ?? '')) {
        // (an array field's %p reads as tep_read_number() of its whole size: 0 past 8 bytes, so
        // the text does not say what it held; it stays as the re-render check finds it)
        const i = index.get(f.name)!;
        pat = '\\(nil\\)|0x[0-9a-f]+|[0-9a-f]{16}';
        set = (m, vals, ctx) => {
          vals[i] = m === '(nil)' ? 0n : ctx.kernel || !m.startsWith('0x') ? BigInt('0x' + m.replace(/^0x/, '')) : BigInt(m);
          return true;
        };
      }
    } else if (seg.kind === 'string') {
      if (a && a.kind === 'cpumask') {
        const f = ev.field(a.name);
        if (f && index.has(f.name)) {
          const i = index.get(f.name)!;
          pat = '[0-9,-]*';
          set = (m, vals, ctx) => {
            let cpus: number[];
            try {
              cpus = parseCpuList(m);
            } catch {
              return false;
            }
            // the mask is nr_cpu_ids bits: at least the file's CPUs, and every CPU it names
            const last = cpus.length ? cpus[cpus.length - 1] : -1;
            if (last >= 65536) return false;
            vals[i] = writeMask(cpus, Math.max(ctx.maskBytes, Math.ceil((last + 1) / 64) * 8), false);
            return true;
          };
        }
      } else if (a && a.kind === 'bitmask' && ev.field(a.name) && index.has(a.name)) {
        // __get_bitmask: hex digits, most significant byte first, a comma every 32 bits
        const i = index.get(a.name)!;
        pat = '[0-9a-f,]*';
        set = (m, vals) => {
          const hex = m.replace(/,/g, '');
          if (hex.length & 1) return false;
          const n = hex.length >> 1;
          const bytes = new Uint8Array(n);
          for (let k = 0; k < n; k++) bytes[k] = parseInt(hex.slice(hex.length - 2 * (k + 1), hex.length - 2 * k), 16);
          vals[i] = bytes;
          return true;
        };
      } else if (a && (a.kind === 'hex' || a.kind === 'hexstr') && a.a?.kind === 'dynarray' && a.a.field && index.has(a.a.field.name)) {
        // __print_hex(__get_dynamic_array(buf), len) "01 02 ab", __print_hex_str "0102ab": the bytes
        const i = index.get(a.a.field.name)!;
        // the length argument, when it is a field of its own (REC->cmd_len), is the count of bytes
        const lenField = fieldOf(strip(a.b));
        const l = lenField && !lenField.isArray ? index.get(lenField.name)! : -1;
        const spaced = a.kind === 'hex';
        pat = spaced ? '(?:[0-9a-f]{2}(?: [0-9a-f]{2})*)?' : '(?:[0-9a-f]{2})*';
        set = (m, vals) => {
          const hex = spaced ? m.replace(/ /g, '') : m;
          const bytes = new Uint8Array(hex.length >> 1);
          for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
          vals[i] = bytes;
          if (l >= 0) vals[l] = bytes.length;
          return true;
        };
      } else if (a && a.kind === 'intarray' && intArrayTarget(a, fieldOf)) {
        // __print_array(REC->arr, count, el_size): the elements as %u, space-separated
        const { field, el } = intArrayTarget(a, fieldOf)!;
        const i = index.get(field.name)!;
        pat = '(?:\\d+(?: \\d+)*)?';
        set = (m, vals) => {
          const xs = m ? m.split(' ') : [];
          const bytes = new Uint8Array(field.isDynamic ? xs.length * el : field.size);
          if (xs.length * el > bytes.length) return false;
          const dv = new DataView(bytes.buffer);
          xs.forEach((x, k) => {
            const v = BigInt(x);
            if (el === 8) dv.setBigUint64(k * 8, BigInt.asUintN(64, v), true);
            else if (el === 4) dv.setUint32(k * 4, Number(BigInt.asUintN(32, v)), true);
            else if (el === 2) dv.setUint16(k * 2, Number(BigInt.asUintN(16, v)), true);
            else dv.setUint8(k, Number(BigInt.asUintN(8, v)));
          });
          vals[i] = bytes;
          return true;
        };
      } else if (a && a.kind === 'string') {
        const f = ev.field(a.name);
        if (f && index.has(f.name)) {
          const i = index.get(f.name)!;
          set = (m, vals) => {
            vals[i] = m;
            return true;
          };
        }
      } else if (a && a.kind === 'flags' && flagsReader(a, fieldOf)) {
        const fr = flagsReader(a, fieldOf)!;
        const i = index.get(fr.field.name)!;
        set = setterOf(i, fr.read);
      } else if (a && a.kind === 'op' && a.op === '?' && a.right?.kind === 'op' && a.right.op === ':' && a.right.left?.kind === 'flags' && a.right.right?.kind === 'atom' && flagsReader(a.right.left, fieldOf)?.field === fieldOf(strip(a.left))) {
        // (REC->gfp_flags) ? __print_flags(REC->gfp_flags, ...) : "none"
        const fr = flagsReader(a.right.left, fieldOf)!;
        const i = index.get(fr.field.name)!;
        const none = a.right.right.atom;
        set = setterOf(i, (m) => (m === none ? 0n : fr.read(m)));
      } else if (a && a.kind === 'op' && a.op === '?' && a.right?.kind === 'op' && a.right.op === ':' && a.right.left?.kind === 'atom' && a.right.right?.kind === 'atom' && fieldOf(strip(a.left))) {
        // REC->ret ? "handled" : "unhandled"
        const f = fieldOf(strip(a.left))!;
        const i = index.get(f.name)!;
        const yes = a.right.left.atom;
        const no = a.right.right.atom;
        pat = [yes, no].sort((x, y) => y.length - x.length).map(esc).join('|');
        set = (m, vals) => {
          vals[i] = m === yes ? 1 : 0;
          return true;
        };
      } else if (a && a.kind === 'symbol') {
        const f = fieldOf(strip(a.flagField));
        if (f) {
          const i = index.get(f.name)!;
          const byText = new Map(a.list.map((x) => [x.str, x.value]));
          // a value the table lacks prints as 0x%llx of the (sign-extended) field
          pat = [...[...byText.keys()].sort((x, y) => y.length - x.length).map(esc), '0x[0-9a-f]+'].join('|');
          set = (m, vals) => {
            const v = byText.get(m);
            // libtraceevent compares with strtoull(value, NULL, 0): an enum name it cannot see is 0
            const n = v !== undefined ? cStrtoull(v) : m.startsWith('0x') ? BigInt(m) : null;
            if (n === null) return false;
            vals[i] = f.size === 8 ? n : Number(BigInt.asIntN(Math.min(f.size * 8, 53), n));
            return true;
          };
        }
      } else if (a && a.kind === 'func' && a.params.length === 1 && printFunction(a.funcName)?.invertText && fieldOf(strip(a.params[0]))) {
        // jbd2_dev_to_name(REC->dev): the function's text read back into its argument
        const fn = printFunction(a.funcName)!;
        const i = index.get(fieldOf(strip(a.params[0]))!.name)!;
        set = (m, vals) => {
          // a text that does not say the argument (xen's "" for a number it has no name for)
          // leaves it to the fmt's other conversions; the re-render check decides
          const v = fn.invertText!(m);
          if (v !== null) vals[i] = v;
          return true;
        };
      } else {
        const f = fieldOf(a);
        if (f && f.isArray && f.isString) {
          const i = index.get(f.name)!;
          set = (m, vals) => {
            vals[i] = m;
            return true;
          };
        } else if (f && f.isPointer && !f.isArray) {
          const i = index.get(f.name)!;
          set = (m, vals, ctx) => {
            vals[i] = ctx.printk.address(m);
            return true;
          };
        }
      }
    }
    parts.push(`(${pat})`);
    setters.push(set);
  }
  let re: RegExp;
  try {
    re = new RegExp(`^${parts.join('')}$`);
  } catch {
    // past what a regex can hold (a print fmt of 50,000 conversions): not inverted, like a failed parse
    return null;
  }
  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return null;
    const vals: (FieldValue | undefined)[] = new Array(ev.fields.length);
    for (let k = 0; k < setters.length; k++) {
      const s = setters[k];
      if (s && !s(m[k + 1], vals, ctx)) return null;
    }
    return vals;
  };
}

/**
 * __print_flags() read back: the names joined by its delimiter, then 0x%llx
 * of the bits no name took; "" for 0, or the one name whose value is
 * negative (printed for 0). Null when the flags are not of a plain field or
 * a token is no name; without a delimiter only a single name or number reads.
 */
function flagsReader(a: Arg, fieldOf: (x: Arg | null) => FieldFormat | null): { field: FieldFormat; read: (text: string) => bigint | null } | null {
  const field = fieldOf(strip(a.flagField));
  if (!field || field.isArray) return null;
  const byName = new Map<string, bigint>();
  for (const fl of a.list) if (!byName.has(fl.str)) byName.set(fl.str, evalFlag(fl.value));
  const delim = a.delim ?? '';
  return {
    field,
    read: (text) => {
      if (text === '') return 0n;
      let v = 0n;
      const tokens = delim ? text.split(delim) : [text];
      for (const t of tokens) {
        const n = byName.get(t);
        if (n !== undefined) {
          if (n < 0n) {
            if (tokens.length !== 1) return null;
            continue;
          }
          v |= n;
        } else if (/^0x[0-9a-f]+$/.test(t)) v |= BigInt(t);
        else return null;
      }
      return BigInt.asUintN(field.size * 8, v);
    },
  };
}

/** __print_array's array field (a fixed array or __get_dynamic_array) and its constant element size. */
function intArrayTarget(a: Arg, fieldOf: (x: Arg | null) => FieldFormat | null): { field: FieldFormat; el: number } | null {
  const src = strip(a.a);
  const field = src?.kind === 'dynarray' ? src.field : fieldOf(src);
  const el = constOf(a.c);
  if (!field || el === null || ![1n, 2n, 4n, 8n].includes(el)) return null;
  if (src?.kind === 'dynarray' ? !field.isDynamic : !field.isArray) return null;
  return { field, el: Number(el) };
}

/** `symbol + field` (either order, through casts): the symbol's name and the field. */
function symbolPlusField(a: Arg, fieldOf: (x: Arg | null) => FieldFormat | null): { symbol: string; field: FieldFormat } | null {
  const l = strip(a.left);
  const r = strip(a.right);
  if (l?.kind === 'atom' && /^[A-Za-z_]\w*$/.test(l.atom) && fieldOf(r)) return { symbol: l.atom, field: fieldOf(r)! };
  if (r?.kind === 'atom' && /^[A-Za-z_]\w*$/.test(r.atom) && fieldOf(l)) return { symbol: r.atom, field: fieldOf(l)! };
  return null;
}

/** Field indexes by name (-1: the event lacks it). */
export function indexes(ev: EventFormat, names: string[]): number[] {
  return names.map((n) => ev.fields.findIndex((f) => f.name === n));
}

/** An empty value row for an event (undefined: a field the text does not give). */
export function noValues(ev: EventFormat): (FieldValue | undefined)[] {
  return new Array(ev.fields.length);
}
