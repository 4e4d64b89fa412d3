import type { EventBatch } from '../core/batch.ts';
import type { EventFormat, FieldFormat } from '../core/event-format.ts';
import { UserError } from '../core/errors.ts';
import type { SymbolTable } from '../core/symbols.ts';
import { parseKernelCpulist } from './cpulist-kernel.ts';
import { latin1Bytes } from '../core/latin1.ts';
import { stringPattern } from './string-match.ts';

/**
 * The kernel's event filter language (kernel/trace/trace_events_filter.c),
 * reproduced: the same grammar, the same checks in the same order, the same
 * error messages at the same positions, and the same evaluation program
 * (&& binds tighter than ||; `!` and parentheses; a trailing && is accepted).
 * A filter compiles to closures over a record: no text is ever evaluated.
 */

export const FILTER_ERRORS = {
  INVALID_OP: 'Invalid operator',
  TOO_MANY_OPEN: "Too many '('",
  TOO_MANY_CLOSE: "Too few '('",
  MISSING_QUOTE: 'Missing matching quote',
  MISSING_BRACE_OPEN: "Missing '{'",
  MISSING_BRACE_CLOSE: "Missing '}'",
  OPERAND_TOO_LONG: 'Operand too long',
  EXPECT_STRING: 'Expecting string field',
  EXPECT_DIGIT: 'Expecting numeric field',
  ILLEGAL_FIELD_OP: 'Illegal operation for field type',
  FIELD_NOT_FOUND: 'Field not found',
  ILLEGAL_INTVAL: 'Illegal integer value',
  BAD_SUBSYS_FILTER: "Couldn't find or set field in one of a subsystem's events",
  TOO_MANY_PREDS: 'Too many terms in predicate expression',
  INVALID_FILTER: 'Meaningless filter expression',
  INVALID_CPULIST: 'Invalid cpulist',
  IP_FIELD_ONLY: "Only 'ip' field is supported for function trace",
  INVALID_VALUE: 'Invalid value (did you forget quotes)?',
  NO_FUNCTION: 'Function not found',
  ERRNO: 'Error',
  NO_FILTER: 'No filter found',
} as const;

export type FilterErrorCode = keyof typeof FILTER_ERRORS;

/** A filter the kernel would reject: its message and the position the kernel reports. */
export class FilterError extends UserError {
  constructor(
    readonly code: FilterErrorCode,
    /** lasterr_pos as the kernel computes it (may lie past the end). */
    readonly pos: number,
    readonly filter: string,
  ) {
    super(FILTER_ERRORS[code]);
    this.name = 'FilterError';
  }

  /** What reading the event's `filter` file shows after the failed write. */
  get kernelText(): string {
    // errors without a parse_error code print the errno line instead of a caret
    if (this.code === 'ERRNO') return `${this.filter}\nError: (0)\n`;
    const caret = Math.min(this.pos, this.filter.length);
    return `${this.filter}\n${' '.repeat(caret)}^\nparse_error: ${this.message}\n`;
  }
}

/** A record as filters see it: the payload at data[off, off+size), plus where and by whom it was recorded. */
export interface FilterRecord {
  data: Uint8Array;
  dv: DataView;
  off: number;
  size: number;
  cpu: number;
  pid: number;
}

/** Points `r` at event i of a batch (one record object reused across a scan). */
export function bindRecord(r: FilterRecord, batch: EventBatch, i: number): FilterRecord {
  r.data = batch.data;
  r.dv = batch.dv;
  r.off = batch.off[i];
  r.size = batch.size[i];
  r.cpu = batch.cpu[i];
  r.pid = batch.pid[i];
  return r;
}

/** A record object for bindRecord() to fill. */
export function emptyRecord(): FilterRecord {
  return { data: new Uint8Array(0), dv: new DataView(new ArrayBuffer(0)), off: 0, size: 0, cpu: 0, pid: 0 };
}

export interface FilterContext {
  event: EventFormat;
  /** nr_cpu_ids: CPUS{} accepts CPU numbers below it. */
  nrCpus: number;
  littleEndian: boolean;
  /** Kernel long size (.function needs fields of this size; cpumasks are longs). */
  longSize: number;
  symbols?: SymbolTable;
  /** current->comm of a record (COMM/comm fields). */
  commOf?: (r: FilterRecord) => string;
  /** The filter is written to the kernel (record -f, filter check), not applied by a reader: the kernel's size limit holds. */
  written?: boolean;
  /** The string a kernel `char *` points at (tracepoint strings live in printk_formats). */
  stringAt?: (addr: bigint) => string | null;
}

type Pred = (r: FilterRecord) => boolean;

export interface CompiledFilter {
  text: string;
  test: (r: FilterRecord) => boolean;
}

const enum FType {
  OTHER,
  STATIC_STRING,
  DYN_STRING,
  RDYN_STRING,
  PTR_STRING,
  CPUMASK,
  CPU,
  COMM,
  STACKTRACE,
}

interface FField {
  name: string;
  offset: number;
  size: number;
  signed: boolean;
  type: FType;
  fmt: FieldFormat | null;
}

function assignType(type: string): FType {
  if (type.includes('__data_loc')) {
    if (type.includes('char')) return FType.DYN_STRING;
    if (type.includes('cpumask_t')) return FType.CPUMASK;
  }
  if (type.includes('__rel_loc') && type.includes('char')) return FType.RDYN_STRING;
  if (type.includes('[') && type.includes('char')) return FType.STATIC_STRING;
  if (type === 'char *' || type === 'const char *') return FType.PTR_STRING;
  return FType.OTHER;
}

const isStringType = (t: FType) => t === FType.DYN_STRING || t === FType.RDYN_STRING || t === FType.STATIC_STRING || t === FType.PTR_STRING || t === FType.COMM;

const GENERIC: Record<string, Omit<FField, 'fmt'>> = {
  CPU: { name: 'CPU', offset: 0, size: 4, signed: true, type: FType.CPU },
  cpu: { name: 'cpu', offset: 0, size: 4, signed: true, type: FType.CPU },
  common_cpu: { name: 'common_cpu', offset: 0, size: 4, signed: true, type: FType.CPU },
  COMM: { name: 'COMM', offset: 0, size: 8, signed: false, type: FType.COMM },
  comm: { name: 'comm', offset: 0, size: 8, signed: false, type: FType.COMM },
  stacktrace: { name: 'stacktrace', offset: 0, size: 8, signed: false, type: FType.STACKTRACE },
  STACKTRACE: { name: 'STACKTRACE', offset: 0, size: 8, signed: false, type: FType.STACKTRACE },
};

/** trace_find_event_field: the event's fields, then the generic ones, then the common ones. */
function findField(ev: EventFormat, name: string): FField | null {
  const own = ev.field(name);
  if (own) return { name, offset: own.offset, size: own.size, signed: own.signed, type: assignType(own.type), fmt: own };
  // own keys only: "constructor" is no generic field
  const g = Object.hasOwn(GENERIC, name) ? GENERIC[name] : undefined;
  if (g) return { ...g, fmt: null };
  const common = ev.commonFields.find((f) => f.name === name);
  if (common) return { name, offset: common.offset, size: common.size, signed: common.signed, type: assignType(common.type), fmt: common };
  return null;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlnum = (c: string) => isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

const OPS = ['~', '!=', '==', '<=', '<', '>=', '>', '&'] as const;
type Op = (typeof OPS)[number];

/**
 * kstrtoull/kstrtoll with base 0: the whole text must be a number
 * (0x hex, leading 0 octal, decimal; '+' allowed, '-' only when signed).
 */
function kstrto(text: string, signed: boolean): bigint | null {
  let s = text;
  let neg = false;
  if (signed && s[0] === '-') {
    neg = true;
    s = s.slice(1);
  }
  if (s[0] === '+') s = s.slice(1);
  let base = 10;
  if (s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && /[0-9a-fA-F]/.test(s[2] ?? '')) {
    base = 16;
    s = s.slice(2);
  } else if (s[0] === '0') base = 8;
  let v = 0n;
  let n = 0;
  for (; n < s.length; n++) {
    const c = s.charCodeAt(n);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : 99;
    if (d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    if (v > 0xffffffffffffffffn) return null;
  }
  if (n === 0) return null;
  if (s[n] === '\n') n++;
  if (n !== s.length) return null;
  if (signed) {
    if (neg ? v > 0x8000000000000000n : v > 0x7fffffffffffffffn) return null;
    return BigInt.asUintN(64, neg ? -v : v);
  }
  return v;
}

/** calc_stack: parentheses and quotes balance, and how many predicates there are. */
function calcStack(str: string): { parens: number; preds: number } | { code: FilterErrorCode; pos: number } {
  let isPred = false;
  let nrPreds = 0;
  let open = 1;
  let lastQuote = 0;
  let maxOpen = 1;
  let quote = '';
  let i = 0;
  for (; i < str.length; i++) {
    const c = str[i];
    if (isSpace(c)) continue;
    if (quote) {
      if (c === quote) quote = '';
      continue;
    }
    switch (c) {
      case "'":
      case '"':
        quote = c;
        lastQuote = i;
        break;
      case '|':
      case '&':
        if (str[i + 1] !== c) break;
        isPred = false;
        continue;
      case '(':
        isPred = false;
        open++;
        if (open > maxOpen) maxOpen = open;
        continue;
      case ')':
        isPred = false;
        if (open === 1) return { code: 'TOO_MANY_CLOSE', pos: i };
        open--;
        continue;
    }
    if (!isPred) {
      nrPreds++;
      isPred = true;
    }
  }
  if (quote) return { code: 'MISSING_QUOTE', pos: lastQuote };
  if (open !== 1) {
    let level = open;
    for (i--; i; i--) {
      const c = str[i];
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === '(') {
        if (level === open) return { code: 'TOO_MANY_OPEN', pos: i };
        level--;
      } else if (c === ')') level++;
      else if (c === "'" || c === '"') quote = c;
    }
    return { code: 'TOO_MANY_OPEN', pos: 0 };
  }
  return { parens: maxOpen, preds: nrPreds };
}

interface Program {
  preds: Pred[];
  when: Uint8Array;
  target: Int32Array;
  n: number;
}

/**
 * Compiles a filter for one event, or throws FilterError with the kernel's
 * message and position. An empty filter or "0" means no filter (always true).
 */
export function compileKernelFilter(text: string, ctx: FilterContext): CompiledFilter {
  if (ctx.written) checkFilterSize(text);
  if (text.trim() === '0' || text.trim() === '') return { text, test: () => true };
  const fail = (code: FilterErrorCode, pos: number): never => {
    throw new FilterError(code, pos, text);
  };
  const stack = calcStack(text);
  if ('code' in stack) fail(stack.code, stack.pos);
  const { parens, preds } = stack as { parens: number; preds: number };
  if (!preds) fail('ERRNO', 0);
  const prog = predicateParse(text, parens, preds, (start, pos) => parsePred(text, start, pos, ctx, fail), fail);
  const { preds: P, when, target } = prog;
  if (P.length === 1) {
    // one predicate: the program reduces to "match differs from when_to_branch"
    const p0 = P[0];
    const invert = when[0] === 1;
    return { text, test: invert ? (r) => !p0(r) : p0 };
  }
  // The kernel's program as a chain of closures: step i tests its predicate and
  // either branches (to the entry after its target) or falls through to i + 1.
  const N = P.length;
  const steps: ((r: FilterRecord) => boolean)[] = new Array(N + 2);
  if (N > CHAINED_MAX) {
    // filter_match_preds()'s loop itself: a chain of closures this long would overflow the stack
    const test = (r: FilterRecord) => {
      let i = 0;
      while (i < N) i = P[i](r) === (when[i] === 1) ? target[i] + 1 : i + 1;
      return i === N;
    };
    return { text, test };
  }
  steps[N] = () => true;
  steps[N + 1] = () => false;
  for (let i = N - 1; i >= 0; i--) {
    const p = P[i];
    const w = when[i] === 1;
    const jump = steps[target[i] + 1];
    const next = steps[i + 1];
    steps[i] = (r) => (p(r) === w ? jump(r) : next(r));
  }
  const test = steps[0];
  return { text, test };
}

/** PAGE_SIZE on the kernels the emulator models (x86-64). */
const PAGE_SIZE = 4096;

/**
 * event_filter_write() (kernel/trace/trace_events.c, every version since
 * 2.6.31) refuses a write of PAGE_SIZE bytes or more with -EINVAL, before
 * any parsing: what record -f and filter check would get from the kernel.
 */
function checkFilterSize(text: string): void {
  const n = Buffer.byteLength(text, 'latin1');
  if (n >= PAGE_SIZE) throw new UserError(`a filter of ${n} bytes: the kernel refuses a filter of ${PAGE_SIZE} bytes or more (writing it fails with EINVAL)`);
}

/** Up to this many predicates the program is a chain of closures (each step inlined into the next); beyond, a loop. */
const CHAINED_MAX = 256;

const INVERT = 1;
const PROCESS_AND = 2;
const PROCESS_OR = 4;

function predicateParse(
  str: string,
  nrParens: number,
  nrPreds: number,
  parse: (start: number, pos: number) => { len: number; pred: Pred },
  fail: (code: FilterErrorCode, pos: number) => never,
): Program {
  nrPreds += 2;
  const ch = (i: number) => (i < str.length ? str[i] : '\0');
  const opStack = new Int32Array(nrParens + 2);
  const preds: Pred[] = [];
  const when = new Uint8Array(nrPreds + 2);
  const target = new Int32Array(nrPreds + 2);
  const inverts = new Uint8Array(nrPreds + 2);
  let top = 0;
  let invert = 0;
  let N = 0;
  let ptr = 0;
  const update = (n: number, inv: number) => {
    const t = target[n];
    const s = target[t];
    when[t] = inv;
    target[t] = n;
    target[n] = s;
  };
  outer: while (ch(ptr) !== '\0') {
    const next = ptr++;
    const c = ch(next);
    if (isSpace(c)) continue;
    if (c === '(') {
      if (top > nrParens) fail('ERRNO', 0);
      opStack[++top] = invert;
      continue;
    }
    if (c === '!' && ch(next + 1) !== '=' && ch(next + 1) !== '~') {
      invert = invert ? 0 : 1;
      continue;
    }
    if (N >= nrPreds) fail('TOO_MANY_PREDS', next);
    inverts[N] = invert;
    target[N] = N - 1;
    const r = parse(next, ptr);
    preds[N] = r.pred;
    ptr = next + r.len;
    N++;
    for (;;) {
      const nx = ptr++;
      const c2 = ch(nx);
      if (isSpace(c2)) continue;
      if (c2 === ')' || c2 === '\0') {
        // handled below
      } else if ((c2 === '&' || c2 === '|') && ch(nx + 1) === c2) ptr++;
      else fail('TOO_MANY_PREDS', nx);
      invert = opStack[top] & INVERT;
      if (opStack[top] & PROCESS_AND) {
        update(N - 1, invert);
        opStack[top] &= ~PROCESS_AND;
      }
      if (c2 === '&') {
        opStack[top] |= PROCESS_AND;
        break;
      }
      if (opStack[top] & PROCESS_OR) {
        update(N - 1, invert ? 0 : 1);
        opStack[top] &= ~PROCESS_OR;
      }
      if (c2 === '|') {
        opStack[top] |= PROCESS_OR;
        break;
      }
      if (c2 === '\0') break outer;
      if (top === 0) fail('TOO_MANY_CLOSE', ptr);
      top--;
    }
  }
  if (top !== 0) fail('TOO_MANY_OPEN', ptr);
  if (!N) fail('NO_FILTER', ptr);
  target[N] = 1;
  target[N + 1] = 0;
  target[N - 1] = N;
  when[N - 1] = 0;
  for (let i = N - 1; i--; ) {
    const t = target[i];
    if (when[i] === when[t]) target[i] = target[t];
  }
  for (let i = 0; i < N; i++) {
    when[i] = inverts[i] ^ when[i];
    if (target[i] <= i) fail('ERRNO', 0);
  }
  return { preds, when: when.subarray(0, N + 2), target: target.subarray(0, N + 2), n: N };
}

/** One predicate, starting at `start`; positions reported as the kernel does (from `pos`). */
function parsePred(
  full: string,
  start: number,
  pos: number,
  ctx: FilterContext,
  fail: (code: FilterErrorCode, pos: number) => never,
): { len: number; pred: Pred } {
  const str = full.slice(start);
  const ch = (k: number) => (k < str.length ? str[k] : '\0');
  let i = 0;
  while (isSpace(ch(i))) i++;
  let s = i;
  while (isAlnum(ch(i)) || ch(i) === '_') i++;
  let len = i - s;
  if (!len) fail('ERRNO', 0);
  const field = findField(ctx.event, str.slice(s, i));
  if (!field) fail('FIELD_NOT_FOUND', pos + i);
  const f = field!;
  let ustring = false;
  let fn = false;
  if (str.startsWith('.ustring', i)) {
    ustring = true;
    i += 8;
  }
  if (str.startsWith('.function', i)) {
    fn = true;
    i += 9;
  }
  while (isSpace(ch(i))) i++;
  const op = OPS.find((o) => str.startsWith(o, i));
  if (!op) fail('INVALID_OP', pos + i);
  i += op!.length;
  while (isSpace(ch(i))) i++;
  s = i;
  const le = ctx.littleEndian;
  const theOp = op as Op;

  if (fn) {
    if (f.size !== ctx.longSize) fail('ILLEGAL_FIELD_OP', pos + i);
    if (theOp !== '==' && theOp !== '!=') fail('INVALID_OP', pos + i);
    let ip: bigint;
    if (isDigit(ch(i))) {
      while (isAlnum(ch(i))) i++;
      len = i - s;
      if (len >= 24) fail('OPERAND_TOO_LONG', pos + i);
      const v = kstrto(str.slice(s, i), false);
      if (v === null) fail('INVALID_VALUE', pos + i);
      ip = v!;
    } else {
      s = i;
      while (ch(i) !== '\0' && !isSpace(ch(i))) i++;
      ip = ctx.symbols?.addressOf(str.slice(s, i)) ?? 0n;
      if (!ip) fail('NO_FUNCTION', pos + i);
    }
    const sym = ctx.symbols;
    const k = sym ? sym.findBig(ip) : -1;
    if (!sym || k < 0 || k + 1 >= sym.size) fail('NO_FUNCTION', pos + i);
    const lo = sym!.address(k);
    const hi = sym!.address(k + 1);
    const eq = theOp === '==';
    const off = f.offset;
    // compare as 32-bit halves: no bigint per event
    const loH = Number(lo >> 32n), loL = Number(lo & 0xffffffffn);
    const hiH = Number(hi >> 32n), hiL = Number(hi & 0xffffffffn);
    const pred: Pred = (r) => {
      if (off + 8 > r.size) return !eq;
      const at = r.off + off;
      const h = r.dv.getUint32(le ? at + 4 : at, le);
      const l = r.dv.getUint32(le ? at : at + 4, le);
      const geLo = h > loH || (h === loH && l >= loL);
      const ltHi = h < hiH || (h === hiH && l < hiL);
      return (geLo && ltHi) === eq;
    };
    return { len: i, pred };
  }

  if (ctx.event.system === 'ftrace' && ctx.event.name === 'function') {
    if (f.name !== 'ip') fail('IP_FIELD_ONLY', pos + i);
    const q = ch(i) === "'" || ch(i) === '"' ? ch(i) : '';
    for (i++; ch(i) !== '\0'; i++) {
      if (q && ch(i) === q) break;
      if (!q && (ch(i) === ')' || ch(i) === '&' || ch(i) === '|')) break;
    }
    if (q) s++;
    if (i - s >= 256) fail('OPERAND_TOO_LONG', pos + i);
    // the kernel keeps this pattern for perf only: as an event filter it never matches
    return { len: i, pred: () => false };
  }

  if (str.startsWith('CPUS', i)) {
    if (f.type !== FType.CPUMASK && f.type !== FType.CPU && f.type !== FType.OTHER) fail('ILLEGAL_FIELD_OP', pos + i);
    if (theOp !== '==' && theOp !== '!=' && theOp !== '&') fail('ILLEGAL_FIELD_OP', pos + i);
    i += 4;
    if (ch(i++) !== '{') fail('MISSING_BRACE_OPEN', pos + i);
    const maskStart = i;
    while (ch(i) !== '\0' && ch(i) !== '}') i++;
    if (ch(i) !== '}') fail('MISSING_BRACE_CLOSE', pos + i);
    if (maskStart === i) fail('INVALID_CPULIST', pos + i);
    const mask = parseKernelCpulist(str.slice(maskStart, i), ctx.nrCpus);
    if (!mask) fail('INVALID_CPULIST', pos + i);
    i++;
    return { len: i, pred: cpusPredicate(f, theOp, mask!, ctx) };
  }

  const q0 = ch(i);
  if (q0 === "'" || q0 === '"') {
    let not = false;
    if (theOp === '!=') not = true;
    else if (theOp !== '~' && theOp !== '==') fail('ILLEGAL_FIELD_OP', pos + i);
    if (!isStringType(f.type)) fail('EXPECT_DIGIT', pos + i);
    for (i++; ch(i) !== '\0'; i++) if (ch(i) === q0) break;
    if (ch(i) === '\0') fail('MISSING_QUOTE', pos + i);
    s++;
    len = i - s;
    if (len >= 256) fail('OPERAND_TOO_LONG', pos + i);
    const pattern = stringPattern(str.slice(s, i), theOp === '~');
    if (theOp === '~') not = pattern.not;
    i++;
    return { len: i, pred: stringPredicate(f, pattern.match, not, ustring, ctx) };
  }

  if (isDigit(q0) || q0 === '-') {
    if (isStringType(f.type)) fail('EXPECT_STRING', pos + i);
    if (theOp === '~') fail('ILLEGAL_FIELD_OP', pos + i);
    if (ch(i) === '-') i++;
    while (isAlnum(ch(i))) i++;
    len = i - s;
    if (len >= 24) fail('OPERAND_TOO_LONG', pos + i);
    const val = kstrto(str.slice(s, i), f.signed);
    if (val === null) fail('ILLEGAL_INTVAL', pos + s);
    if (f.type === FType.CPU) return { len: i, pred: cpuCompare(theOp, Number(BigInt.asIntN(32, val!))) };
    return { len: i, pred: numberPredicate(f, theOp, val!, f.signed, le) };
  }

  return fail('INVALID_VALUE', pos + i);
}

/** Reads a field as the kernel's comparison functions do: in its size and signedness. */
function numberPredicate(f: FField, op: Op, val: bigint, signed: boolean, le: boolean): Pred {
  const off = f.offset;
  const size = f.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return () => false;
  if (size === 8) {
    // 64-bit values as two 32-bit halves (signed high half for signed ordering)
    const ordered = op !== '==' && op !== '!=' && op !== '&';
    const sgn = signed && ordered;
    const v = BigInt.asUintN(64, val);
    const vh = Number(v >> 32n);
    const vl = Number(v & 0xffffffffn);
    const vhs = vh | 0;
    const hiOf = (r: FilterRecord) => (sgn ? r.dv.getInt32 : r.dv.getUint32).call(r.dv, r.off + off + (le ? 4 : 0), le);
    const loOf = (r: FilterRecord) => r.dv.getUint32(r.off + off + (le ? 0 : 4), le);
    const cmp = (r: FilterRecord) => {
      const h = hiOf(r);
      const th = sgn ? vhs : vh;
      if (h !== th) return h < th ? -1 : 1;
      const l = loOf(r);
      return l === vl ? 0 : l < vl ? -1 : 1;
    };
    const ok = (r: FilterRecord) => off + 8 <= r.size;
    switch (op) {
      case '==': return (r) => ok(r) && loOf(r) === vl && r.dv.getUint32(r.off + off + (le ? 4 : 0), le) === vh;
      case '!=': return (r) => !ok(r) || loOf(r) !== vl || r.dv.getUint32(r.off + off + (le ? 4 : 0), le) !== vh;
      case '<': return (r) => ok(r) && cmp(r) < 0;
      case '<=': return (r) => ok(r) && cmp(r) <= 0;
      case '>': return (r) => ok(r) && cmp(r) > 0;
      case '>=': return (r) => ok(r) && cmp(r) >= 0;
      case '&': return (r) => ok(r) && ((loOf(r) & vl) !== 0 || (r.dv.getUint32(r.off + off + (le ? 4 : 0), le) & vh) !== 0);
      default: return () => false;
    }
  }
  const bits = size * 8;
  const ordered = op !== '==' && op !== '!=' && op !== '&';
  const useSigned = signed && ordered;
  const v = Number(useSigned ? BigInt.asIntN(bits, val) : BigInt.asUintN(bits, val));
  const read: (r: FilterRecord) => number =
    size === 1
      ? useSigned ? (r) => r.dv.getInt8(r.off + off) : (r) => r.data[r.off + off]
      : size === 2
        ? useSigned ? (r) => r.dv.getInt16(r.off + off, le) : (r) => r.dv.getUint16(r.off + off, le)
        : useSigned ? (r) => r.dv.getInt32(r.off + off, le) : (r) => r.dv.getUint32(r.off + off, le);
  const end = off + size;
  switch (op) {
    case '==': return (r) => end <= r.size && read(r) === v;
    case '!=': return (r) => end > r.size || read(r) !== v;
    case '<': return (r) => end <= r.size && read(r) < v;
    case '<=': return (r) => end <= r.size && read(r) <= v;
    case '>': return (r) => end <= r.size && read(r) > v;
    case '>=': return (r) => end <= r.size && read(r) >= v;
    case '&': return (r) => end <= r.size && (read(r) & v) !== 0;
    default: return () => false;
  }
}

/** filter_pred_cpu: the recording CPU against a number (`&` is always false). */
function cpuCompare(op: Op, v: number): Pred {
  switch (op) {
    case '==': return (r) => r.cpu === v;
    case '!=': return (r) => r.cpu !== v;
    case '<': return (r) => r.cpu < v;
    case '<=': return (r) => r.cpu <= v;
    case '>': return (r) => r.cpu > v;
    case '>=': return (r) => r.cpu >= v;
    default: return () => false;
  }
}

/** Tests bit `cpu` of a cpumask stored as longs at byte `at` (len bytes). */
function maskHas(r: FilterRecord, at: number, len: number, cpu: number, longSize: number, le: boolean): boolean {
  const byte = le ? cpu >> 3 : Math.floor(cpu / (longSize * 8)) * longSize + (longSize - 1 - ((cpu % (longSize * 8)) >> 3));
  if (byte >= len) return false;
  return (r.data[r.off + at + byte] & (1 << (cpu & 7))) !== 0;
}

function cpusPredicate(f: FField, op: Op, mask: Set<number>, ctx: FilterContext): Pred {
  const nr = ctx.nrCpus;
  const le = ctx.littleEndian;
  const ls = ctx.longSize;
  const cpus = [...mask].sort((a, b) => a - b);
  const single = cpus.length === 1;
  const inMask = new Uint8Array(Math.max(nr, 1));
  for (const c of cpus) inMask[c] = 1;
  if (f.type === FType.CPUMASK) {
    const off = f.offset;
    const loc = (r: FilterRecord) => {
      if (off + 4 > r.size) return { at: 0, len: 0 };
      const item = r.dv.getUint32(r.off + off, le);
      const at = item & 0xffff;
      return { at, len: Math.max(0, Math.min(item >>> 16, r.size - at)) };
    };
    if (single) {
      const cpu = cpus[0];
      const nth1 = (r: FilterRecord, at: number, len: number) => {
        let seen = 0;
        for (let c = 0; c < nr; c++) if (maskHas(r, at, len, c, ls, le) && ++seen === 2) return true;
        return false;
      };
      return (r) => {
        const { at, len } = loc(r);
        const has = maskHas(r, at, len, cpu, ls, le);
        if (op === '&') return has;
        if (op === '==') return has && !nth1(r, at, len);
        return !has || nth1(r, at, len);
      };
    }
    return (r) => {
      const { at, len } = loc(r);
      if (op === '&') {
        for (const c of cpus) if (maskHas(r, at, len, c, ls, le)) return true;
        return false;
      }
      let equal = true;
      for (let c = 0; c < nr && equal; c++) if (maskHas(r, at, len, c, ls, le) !== (inMask[c] === 1)) equal = false;
      return op === '==' ? equal : !equal;
    };
  }
  if (f.type === FType.CPU) {
    if (single) return cpuCompare(op === '&' ? '==' : op, cpus[0]);
    return (r) => (op === '&' ? r.cpu < nr && inMask[r.cpu] === 1 : op === '!=');
  }
  // a scalar field holding a CPU number
  const size = f.size;
  if (single) return numberPredicate(f, op === '&' ? '==' : op, BigInt(cpus[0]), false, le);
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return () => false;
  const off = f.offset;
  return (r) => {
    if (off + size > r.size) return false;
    const cpu = size === 1 ? r.data[r.off + off] : size === 2 ? r.dv.getUint16(r.off + off, le) : r.dv.getUint32(r.off + off + (size === 8 && !le ? 4 : 0), le);
    if (cpu >= nr) return false;
    return op === '&' ? inMask[cpu] === 1 : op === '!=';
  };
}

function stringPredicate(f: FField, match: (b: Uint8Array, at: number, len: number) => boolean, not: boolean, ustring: boolean, ctx: FilterContext): Pred {
  const le = ctx.littleEndian;
  const off = f.offset;
  switch (f.type) {
    case FType.COMM: {
      const buf = new Uint8Array(16);
      return (r) => {
        const comm = ctx.commOf ? ctx.commOf(r) : '';
        buf.fill(0);
        for (let k = 0; k < Math.min(comm.length, 15); k++) buf[k] = comm.charCodeAt(k) & 0xff;
        return match(buf, 0, 16) !== not;
      };
    }
    case FType.STATIC_STRING:
      return (r) => off + f.size <= r.size && match(r.data, r.off + off, f.size) !== not;
    case FType.DYN_STRING:
    case FType.RDYN_STRING: {
      const rel = f.type === FType.RDYN_STRING;
      return (r) => {
        if (off + 4 > r.size) return false;
        const item = r.dv.getUint32(r.off + off, le);
        const at = (item & 0xffff) + (rel ? off + 4 : 0);
        const len = item >>> 16;
        if (at + len > r.size) return false;
        return match(r.data, r.off + at, len) !== not;
      };
    }
    default: {
      // char * fields: the kernel reads the string the pointer names; a trace has
      // it only for tracepoint strings (printk_formats). Unreadable: no match.
      if (ustring) return () => false;
      const size = f.size;
      // the string at an address never changes within a trace: decide once per address
      const slots = 1024;
      const keyH = new Float64Array(slots).fill(-1);
      const keyL = new Float64Array(slots);
      const results = new Uint8Array(slots);
      return (r) => {
        if (!ctx.stringAt || off + size > r.size) return false;
        const at = r.off + off;
        const l = r.dv.getUint32(le || size === 4 ? at : at + 4, le);
        const h = size === 8 ? r.dv.getUint32(le ? at + 4 : at, le) : 0;
        const slot = (l ^ (l >>> 10)) & (slots - 1);
        if (keyH[slot] === h && keyL[slot] === l) return results[slot] === 1;
        const s = ctx.stringAt((BigInt(h) << 32n) | BigInt(l));
        let res = false;
        if (s !== null) {
          const b = latin1Bytes(s + '\0');
          res = match(b, 0, b.length) !== not;
        }
        keyH[slot] = h;
        keyL[slot] = l;
        results[slot] = res ? 1 : 0;
        return res;
      };
    }  }
}
