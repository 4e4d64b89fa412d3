import { formatInt, formatPointer, formatStr, parseSpec } from '../core/c-printf.ts';
import { formatCpuList, maskCpus } from '../core/cpulist.ts';
import type { Arg } from './ast.ts';
import { evalFlag } from './c-values.ts';
import { callPrintFunction, cString, dynamicLoc, evalNum } from './evaluate.ts';
import type { PrintEnv, RecordRef } from './record.ts';

const hex2 = (b: number) => (b < 16 ? '0' : '') + b.toString(16);

/** Reads a pointer-sized value in host (x86, little-endian) order, as libtraceevent's %s path does. */
function hostPointer(r: RecordRef, off: number, longSize: number): bigint {
  const at = r.off + off;
  if (longSize === 8) return r.dv.getBigUint64(at, true);
  return BigInt(r.dv.getUint32(at, true));
}

/** print_str_arg: an argument printed through a %s-style conversion. */
export function printStrArg(format: string, star: number | undefined, arg: Arg, r: RecordRef, env: PrintEnv): string {
  const spec = parseSpec(format);
  const put = (s: string) => formatStr(spec, s, star);
  switch (arg.kind) {
    case 'atom':
      return put(arg.atom);
    case 'field': {
      const f = arg.field;
      if (!f) return '';
      const len = f.size || r.size - f.offset;
      if (!f.isArray && f.size === env.longSize) {
        if (f.offset + env.longSize > r.size) return '';
        const addr = hostPointer(r, f.offset, env.longSize);
        const s = env.printk.findBig(addr);
        return s !== null ? s : addr.toString(16);
      }
      return put(cString(r, f.offset, len));
    }
    case 'flags': {
      let val = evalNum(arg.flagField!, r, env);
      let out = '';
      let printed = false;
      const values = (arg.listValues ??= arg.list.map((fl) => evalFlag(fl.value)));
      for (let k = 0; k < arg.list.length; k++) {
        const fl = arg.list[k];
        const fval = values[k];
        if (val === 0n && fval < 0n) {
          out += put(fl.str);
          break;
        }
        const u = BigInt.asUintN(64, fval);
        if (fval > 0n && (val & u) === u) {
          if (printed && arg.delim) out += arg.delim;
          out += put(fl.str);
          printed = true;
          val &= ~u;
        }
      }
      if (val !== 0n) {
        if (printed && arg.delim) out += arg.delim;
        out += '0x' + val.toString(16);
      }
      return out;
    }
    case 'symbol': {
      const val = evalNum(arg.flagField!, r, env);
      const values = (arg.listValues ??= arg.list.map((fl) => BigInt.asUintN(64, evalFlag(fl.value))));
      for (let k = 0; k < values.length; k++) if (val === values[k]) return put(arg.list[k].str);
      return '0x' + val.toString(16);
    }
    case 'hex':
    case 'hexstr': {
      const at = bufferStart(arg.a!, r, env);
      if (at < 0) return '';
      const n = Number(BigInt.asUintN(32, evalNum(arg.b!, r, env)));
      let out = '';
      for (let i = 0; i < n && at + i < r.size; i++) {
        if (i && arg.kind === 'hex') out += ' ';
        out += hex2(r.data[r.off + at + i]);
      }
      return out;
    }
    case 'intarray': {
      // libtraceevent 1.7: elements as %u, separated by spaces
      const at = bufferStart(arg.a!, r, env);
      if (at < 0) return '';
      const n = Number(BigInt.asUintN(32, evalNum(arg.b!, r, env)));
      let el = Number(evalNum(arg.c!, r, env));
      let out = '';
      let p = at;
      for (let i = 0; i < n; i++) {
        if (i) out += ' ';
        if (p + Math.max(el, 1) > r.size) break;
        const o = r.off + p;
        if (el === 1) out += r.dv.getUint8(o);
        else if (el === 2) out += r.dv.getUint16(o, env.littleEndian);
        else if (el === 4) out += r.dv.getUint32(o, env.littleEndian);
        else if (el === 8) out += r.dv.getBigUint64(o, env.littleEndian).toString();
        else {
          out += `BAD SIZE:${el} 0x${r.dv.getUint8(o).toString(16)}`;
          el = 1;
        }
        p += el;
      }
      return out;
    }
    case 'string': {
      const f = arg.field;
      if (!f) return '';
      const { offset, len } = dynamicLoc(f, r, env);
      if (!len) return '';
      return put(cString(r, offset, r.size - offset));
    }
    case 'bstring':
      return put(arg.atom);
    case 'bitmask':
    case 'cpumask': {
      const f = arg.field;
      if (!f) return '';
      const { offset, len } = dynamicLoc(f, r, env);
      const text = arg.kind === 'cpumask' ? formatCpuList(maskCpus(r.data, r.off + offset, len, !env.littleEndian)) : bitmaskHex(r, offset, len, env);
      return put(text);
    }
    case 'func':
      return put(callPrintFunction(arg, r, env).text);
    case 'op': {
      if (arg.op !== '?') return '';
      const v = evalNum(arg.left!, r, env);
      const alt = arg.right!;
      return printStrArg(format, star, v !== 0n ? alt.left! : alt.right!, r, env);
    }
    default:
      return '';
  }
}

function bufferStart(a: Arg, r: RecordRef, env: PrintEnv): number {
  if (a.kind === 'dynarray') return dynamicLoc(a.field!, r, env).offset;
  const f = a.kind === 'field' ? a.field : null;
  return f ? f.offset : -1;
}

/** __get_bitmask: hex, most significant byte first, a comma every 32 bits. */
function bitmaskHex(r: RecordRef, offset: number, size: number, env: PrintEnv): string {
  const nbits = size * 8;
  let strSize = ((nbits + 3) >> 2) + Math.floor((nbits - 1) / 32);
  if (size === 0) return '';
  const chars = new Array<string>(strSize).fill('');
  let len = 0;
  for (let i = strSize - 2; i >= 0; i -= 2) {
    const index = env.littleEndian ? len : size - (len + 1);
    const h = hex2(r.data[r.off + offset + index]);
    chars[i] = h[0];
    chars[i + 1] = h[1];
    len++;
    if (!(len & 3) && i > 0) {
      i--;
      chars[i] = ',';
    }
  }
  strSize = chars.length;
  return chars.join('');
}

/** print_function: %pS / %ps and friends. `raw` appends the address, as -R prints it. */
export function printFunction(conv: string, val: bigint, env: PrintEnv, raw: boolean): string {
  const i = env.symbols.findBig(val);
  let out = '';
  if (i >= 0) {
    out = env.symbols.name(i);
    if (conv === 'F' || conv === 'S') out += '+0x' + (val - env.symbols.address(i)).toString(16) + (env.kernel ? '/0x' + env.symbols.sizeOf(i).toString(16) : '');
  }
  if (i < 0 || raw) {
    const hex = '0x' + BigInt.asUintN(64, val).toString(16);
    out += raw ? ` (${hex})` : hex;
  }
  return out;
}

/** print_arg_pointer: %p and its extensions. */
export function printPointer(format: string, plen: number, arg: Arg, r: RecordRef, env: PrintEnv, raw: boolean): string {
  if (arg.kind === 'bstring') return arg.atom;
  const p = format.indexOf('p');
  const conv = format[p + 1];
  switch (conv) {
    case 'F': case 'f': case 'S': case 's':
      return printFunction(conv, evalNum(arg, r, env), env, raw);
    case 'M': case 'm':
      return macArg(format.slice(p + 1), arg, r);
    case 'I': case 'i':
      return ipArg(format.slice(p + 1), arg, r, env);
    case 'U':
      return uuidArg(format.slice(p + 1), arg, r);
    case 'h':
      return rawBuffArg(format.slice(p + 1), arg, r, env, plen);
    default:
      if (env.kernel) return BigInt.asUintN(64, evalNum(arg, r, env)).toString(16).padStart(16, '0');
      return formatPointer(evalNum(arg, r, env));
  }
}

function fieldOf(arg: Arg): Arg {
  while (arg.kind === 'type') arg = arg.item!;
  return arg;
}

function macArg(fmt: string, a0: Arg, r: RecordRef): string {
  const arg = fieldOf(a0);
  if (arg.kind !== 'field') return `ARG TYPE NOT FIELD BUT ${argTypeNumber(arg)}`;
  const f = arg.field;
  if (!f) return '';
  if (f.size !== 6) return 'INVALIDMAC';
  const b = Array.from(r.data.subarray(r.off + f.offset, r.off + f.offset + 6), hex2);
  if (fmt[1] === 'R') b.reverse();
  const sep = fmt[0] === 'm' ? '' : fmt[0] === 'M' && fmt[1] === 'F' ? '-' : ':';
  return b.join(sep);
}

function ip4(bytes: Uint8Array, at: number, leading: boolean, reverse: boolean): string {
  const b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
  if (reverse) b.reverse();
  return b.map((x) => (leading ? String(x).padStart(3, '0') : String(x))).join('.');
}

function ipArg(fmt: string, a0: Arg, r: RecordRef, env: PrintEnv): string {
  const i = fmt[0];
  const ver = fmt[1];
  const arg = fieldOf(a0);
  const rest = fmt.slice(2);
  if (ver === '4') {
    if (arg.kind !== 'field') return `ARG TYPE NOT FIELD BUT ${argTypeNumber(arg)}`;
    const f = arg.field;
    if (!f) return '';
    if (f.size !== 4) return 'INVALIDIPv4';
    const h = rest[0];
    const reverse = h === 'h' ? env.littleEndian : h === 'l';
    return ip4(r.data, r.off + f.offset, i === 'i', reverse);
  }
  if (ver === '6') {
    if (arg.kind !== 'field') return `ARG TYPE NOT FIELD BUT ${argTypeNumber(arg)}`;
    const f = arg.field;
    if (!f) return '';
    if (f.size !== 16) return 'INVALIDIPv6';
    const at = r.off + f.offset;
    if (i === 'I' && rest[0] === 'c') return ip6Compressed(r.data, at);
    let s = '';
    for (let j = 0; j < 16; j += 2) {
      s += hex2(r.data[at + j]) + hex2(r.data[at + j + 1]);
      if (i === 'I' && j < 14) s += ':';
    }
    return s;
  }
  return '';
}

function ip6Compressed(d: Uint8Array, at: number): string {
  const words: number[] = [];
  for (let j = 0; j < 8; j++) words.push((d[at + 2 * j] << 8) | d[at + 2 * j + 1]);
  const v4mapped = words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff;
  const isatap = (words[4] | 0x0200) === 0x0200 && words[5] === 0x5efe;
  const useV4 = v4mapped || isatap;
  const range = useV4 ? 6 : 8;
  let longest = 1;
  let colonpos = -1;
  for (let a = 0; a < range; a++) {
    let z = 0;
    for (let b = a; b < range && words[b] === 0; b++) z++;
    if (z > longest) {
      longest = z;
      colonpos = a;
    }
  }
  let s = '';
  let needcolon = false;
  for (let a = 0; a < range; a++) {
    if (a === colonpos) {
      if (needcolon || a === 0) s += ':';
      s += ':';
      needcolon = false;
      a += longest - 1;
      continue;
    }
    if (needcolon) s += ':';
    s += words[a].toString(16);
    needcolon = true;
  }
  if (useV4) {
    if (needcolon) s += ':';
    s += ip4(d, at + 12, false, false);
  }
  return s;
}

function uuidArg(fmt: string, a0: Arg, r: RecordRef): string {
  const arg = fieldOf(a0);
  if (arg.kind !== 'field') return `ARG TYPE NOT FIELD BUT ${argTypeNumber(arg)}`;
  const f = arg.field;
  if (!f) return '';
  if (f.size !== 16) return 'INVALIDUUID';
  const guid = fmt[1] === 'L' || fmt[1] === 'l';
  const upper = fmt[1] === 'L' || fmt[1] === 'B';
  const index = guid ? [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] : [...Array(16).keys()];
  let s = '';
  for (let k = 0; k < 16; k++) {
    const h = hex2(r.data[r.off + f.offset + index[k]]);
    s += upper ? h.toUpperCase() : h;
    if (k === 3 || k === 5 || k === 7 || k === 9) s += '-';
  }
  return s;
}

function rawBuffArg(fmt: string, arg: Arg, r: RecordRef, env: PrintEnv, plen: number): string {
  const delim = fmt[1] === 'C' ? ':' : fmt[1] === 'D' ? '-' : fmt[1] === 'N' ? '' : ' ';
  if (arg.kind !== 'dynarray') return `ARG TYPE NOT FIELD BUT ${argTypeNumber(arg)}`;
  const { offset, len } = dynamicLoc(arg.field!, r, env);
  const n = Math.min(len, plen);
  if (n < 1) return '';
  let s = hex2(r.data[r.off + offset]);
  for (let k = 1; k < n; k++) s += delim + hex2(r.data[r.off + offset + k]);
  return s;
}

/** The numeric tep_print_arg_type libtraceevent prints in its "ARG TYPE NOT FIELD" messages. */
function argTypeNumber(a: Arg): number {
  // enum tep_print_arg_type (libtraceevent 1.7 event-parse.h): DYNAMIC_ARRAY_LEN comes after BITMASK
  const order = ['null', 'atom', 'field', 'flags', 'symbol', 'hex', 'intarray', 'type', 'string', 'bstring', 'dynarray', 'op', 'func', 'bitmask', 'dynarraylen', 'hexstr', 'cpumask'];
  return order.indexOf(a.kind);
}

/** print_arg_number: an integer conversion with libtraceevent's casts. */
export function printNumber(format: string, star: number | undefined, arg: Arg, r: RecordRef, env: PrintEnv): string {
  return formatInt(parseSpec(format), evalNum(arg, r, env), star);
}
