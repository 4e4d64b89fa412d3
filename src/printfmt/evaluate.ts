import type { FieldFormat } from '../core/event-format.ts';
import { readUnsigned } from '../core/int64.ts';
import { latin1Text } from '../core/latin1.ts';
import type { Arg } from './ast.ts';
import { cStrtoull, evalTypeStr, formatLld } from './c-values.ts';
import type { PrintEnv, RecordRef } from './record.ts';
import { printFunction } from './print-functions.ts';

/**
 * eval_num_arg: the value of an argument tree for one record, as an unsigned
 * 64-bit number. Arithmetic wraps at 64 bits and compares unsigned, as in C.
 */
export function evalNum(arg: Arg, r: RecordRef, env: PrintEnv): bigint {
  switch (arg.kind) {
    case 'null':
      return 0n;
    case 'atom': {
      const v = cStrtoull(arg.atom);
      if (v !== 0n) return v;
      return symbolAtom(arg, env);
    }
    case 'field': {
      const f = arg.field;
      if (!f) return 0n;
      // libtraceevent warns "Event '%s' field '%s' goes beyond the size of the event" here
      // (check_data_offset_size()); the event is not known here, and report --verbose omits it
      if (f.offset + f.size > r.size) return 0n;
      return readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian);
    }
    case 'type':
      return evalTypeStr(evalNum(arg.item!, r, env), arg.castType, false);
    case 'op':
      return evalOp(arg, r, env);
    case 'dynarraylen':
      return BigInt(dynamicLoc(arg.field!, r, env).len);
    case 'func':
      return callPrintFunction(arg, r, env).value;
    default:
      // flags, symbols, arrays, strings and masks have no numeric value
      return 0n;
  }
}

/** A registered print function of the arguments' values (process_defined_func()). */
export function callPrintFunction(arg: Arg, r: RecordRef, env: PrintEnv): { value: bigint; text: string } {
  const mem = (k: number): ((i: number) => number) | null => {
    let p = arg.params[k];
    while (p?.kind === 'type') p = p.item!;
    if (p?.kind !== 'dynarray' || !p.field) return null;
    const base = r.off + dynamicLoc(p.field, r, env).offset;
    const end = r.off + r.size;
    return (i) => (base + i < end ? r.data[base + i] : 0);
  };
  return printFunction(arg.funcName)!.call(arg.params.map((p) => evalNum(p, r, env)), mem);
}

/** A non-numeric atom is a kernel symbol (e.g. _stext); resolved once and remembered. */
function symbolAtom(arg: Arg, env: PrintEnv): bigint {
  const c = arg.atom.charCodeAt(0);
  if (c >= 48 && c <= 57) return 0n;
  const v = env.symbols.addressOf(arg.atom);
  arg.atom = formatLld(v);
  return v;
}

function evalOp(arg: Arg, r: RecordRef, env: PrintEnv): bigint {
  const op = arg.op;
  if (op === '[') {
    const right = evalNum(arg.right!, r, env);
    let larg = arg.left!;
    let typearg: Arg | null = null;
    while (larg.kind === 'type') {
      typearg ??= larg;
      larg = larg.item!;
    }
    let size = env.longSize;
    let offset: number;
    if (larg.kind === 'dynarray') {
      offset = dynamicLoc(larg.field!, r, env).offset + Number(right);
      if (larg.field!.elementSize) size = larg.field!.elementSize;
    } else if (larg.kind === 'field' && larg.field) {
      size = larg.field.elementSize;
      offset = larg.field.offset + Number(right) * larg.field.elementSize;
    } else {
      return binary(arg, r, env);
    }
    if (offset + size > r.size || offset < 0) return 0n;
    let v = readUnsigned(r.dv, r.off + offset, size, env.littleEndian);
    if (typearg) v = evalTypeStr(v, typearg.castType, true);
    return v;
  }
  if (op === '?') {
    const cond = evalNum(arg.left!, r, env);
    const alt = arg.right!;
    return cond !== 0n ? evalNum(alt.left!, r, env) : evalNum(alt.right!, r, env);
  }
  return binary(arg, r, env);
}

function binary(arg: Arg, r: RecordRef, env: PrintEnv): bigint {
  const l = evalNum(arg.left!, r, env);
  const rv = evalNum(arg.right!, r, env);
  const op = arg.op;
  let v: bigint;
  switch (op[0]) {
    case '!':
      if (op.length === 1) v = rv === 0n ? 1n : 0n;
      else if (op[1] === '=') v = l !== rv ? 1n : 0n;
      else return 0n;
      break;
    case '~': v = ~rv; break;
    case '|': v = op[1] ? BigInt(l !== 0n || rv !== 0n) : l | rv; break;
    case '&': v = op[1] ? BigInt(l !== 0n && rv !== 0n) : l & rv; break;
    case '<':
      if (op === '<') v = BigInt(l < rv);
      else if (op === '<<') v = l << (rv & 63n);
      else if (op === '<=') v = BigInt(l <= rv);
      else return 0n;
      break;
    case '>':
      if (op === '>') v = BigInt(l > rv);
      else if (op === '>>') v = l >> (rv & 63n);
      else if (op === '>=') v = BigInt(l >= rv);
      else return 0n;
      break;
    case '=':
      if (op !== '==') return 0n;
      v = BigInt(l === rv);
      break;
    case '-': v = l - rv; break;
    case '+': v = l + rv; break;
    case '/': v = rv === 0n ? 0n : l / rv; break;
    case '%': v = rv === 0n ? 0n : l % rv; break;
    case '*': v = l * rv; break;
    default:
      // libtraceevent has no case for '^' and others: they evaluate to 0
      return 0n;
  }
  return BigInt.asUintN(64, v);
}

/**
 * Where a __data_loc / __rel_loc field points: (length << 16 | offset), offset
 * from the record start (or from the end of the field for __rel_loc). Out of
 * range values give offset 0 / length 0, as libtraceevent does.
 */
export function dynamicLoc(f: FieldFormat, r: RecordRef, env: PrintEnv): { offset: number; len: number } {
  if (f.offset + f.size > r.size) return { offset: 0, len: 0 };
  const raw = f.size === 2 ? r.dv.getUint16(r.off + f.offset, env.littleEndian) : f.size === 4 ? r.dv.getUint32(r.off + f.offset, env.littleEndian) : Number(readUnsigned(r.dv, r.off + f.offset, f.size, env.littleEndian) & 0xffffffffn);
  const o = raw & 0xffff;
  const l = f.size === 2 ? r.size - o : (raw >>> 16) & 0xffff;
  let offset = o > r.size ? 0 : o;
  const len = o + l > r.size ? 0 : l;
  if (f.isRelative) offset += f.offset + f.size;
  return { offset, len };
}

/** The C string at [off, off+max) of the record (stops at NUL), as latin1. */
export function cString(r: RecordRef, off: number, max: number): string {
  const d = r.data;
  const start = r.off + off;
  let end = start;
  const limit = Math.min(start + Math.max(max, 0), r.off + r.size);
  while (end < limit && d[end] !== 0) end++;
  return latin1Text(d, start, end);
}

