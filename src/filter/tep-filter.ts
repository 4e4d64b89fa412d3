import type { EventFormat, FieldFormat } from '../core/event-format.ts';
import { Lexer, T } from '../core/format-lexer.ts';
import { readUnsigned } from '../core/int64.ts';
import type { SymbolTable } from '../core/symbols.ts';
import type { FilterRecord } from './kernel-filter.ts';
import { bre } from './trace-filter.ts';

/**
 * libtraceevent's own filter language, what `trace-cmd report -F` applies
 * (src/parse-filter.c of libtraceevent 1.7.1, which Debian's trace-cmd 3.1.6
 * uses): not the kernel's. It differs where users notice: `=~`/`!~` take a
 * POSIX basic regex (case-insensitive) and `~` is bitwise not; a field the
 * event lacks makes its comparison false; arithmetic (`prev_state & 1`) is a
 * truth value; comparisons are unsigned 64-bit; COMM and CPU are fields of
 * every event. The parser is process_filter() node for node, including its
 * collapse of unknown fields (collapse_tree()) and its quirks (a field on
 * the right of a comparison is a syntax error: add_right() reads the value
 * type of what is a field there).
 */

type Special = 'COMM' | 'CPU';
type FieldRef = FieldFormat | Special;

type ArgType = 'bool' | 'value' | 'field' | 'op' | 'exp' | 'num' | 'str';

/** A node of the tree; mutable, as the C rewrites nodes in place (a compare turned into a string compare, a reparented op). */
class FArg {
  type: ArgType = 'bool';
  bool = false;
  vtype: 'number' | 'string' | 'char' = 'number';
  val = 0n;
  str = '';
  field: FieldRef | null = null;
  /** op: && || !; exp: + - * / % >> << & | ^ ~; num: == != < > <= >=; str: == != =~ !~ */
  op = '';
  left: FArg | null = null;
  right: FArg | null = null;
  re: RegExp | null = null;
  /** An && / || op's left spine (leftSpine()), kept once the tree is final: evaluating an event makes none. */
  spine: FArg[] | null = null;

  static of(type: ArgType, op = ''): FArg {
    const a = new FArg();
    a.type = type;
    a.op = op;
    return a;
  }

  copyFrom(o: FArg): void {
    Object.assign(this, o);
  }
}

/** Why a filter string was refused (libtraceevent's error_buffer). */
export class TepFilterError extends Error {}

const EXP_OPS = new Set(['+', '-', '*', '/', '%', '>>', '<<', '&', '|', '^', '~']);
const CMP_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', '=~', '!~']);

/**
 * A string's value read as a number (a 1-character 'x' compared as a number):
 * the C reads the union's other member, the address of the copied string: a
 * heap pointer, never a small number. This stands for it.
 */
const STRING_ADDRESS = 0x5555_5555_0000n;

/** filter_read_token(): tokens without spaces or newlines; "=~" and "!~" joined. */
class Tokens {
  private lx: Lexer;
  constructor(text: string) {
    this.lx = new Lexer(text);
  }
  next(): [T, string] {
    const t = this.lx.item();
    if ((t[1] === '=' || t[1] === '!') && t[0] === T.OP && this.lx.src[this.lx.pos] === '~') {
      this.lx.pos++;
      return [T.OP, t[1] + '~'];
    }
    return t;
  }
}

const syntax = (): never => {
  throw new TepFilterError('Syntax error');
};

/** create_arg_item() */
function createItem(ev: EventFormat, token: string, type: T): FArg {
  if (type === T.SQUOTE || type === T.DQUOTE) {
    const a = FArg.of('value');
    a.vtype = type === T.DQUOTE ? 'string' : 'char';
    a.str = token;
    return a;
  }
  if (type !== T.ITEM) throw new TepFilterError(`expected a value but found ${token}`);
  if (token.charCodeAt(0) >= 48 && token.charCodeAt(0) <= 57) {
    const a = FArg.of('value');
    a.val = strtoull(token);
    return a;
  }
  const f = ev.anyField(token) ?? (token === 'COMM' ? 'COMM' : token === 'CPU' ? 'CPU' : null);
  if (!f) {
    // not a field of this event: the comparison it is in becomes false
    const a = FArg.of('bool');
    a.bool = false;
    return a;
  }
  const a = FArg.of('field');
  a.field = f;
  return a;
}

/** strtoull(token, NULL, 0) of an item that starts with a digit. */
function strtoull(s: string): bigint {
  let base = 10;
  let i = 0;
  if (s[0] === '0' && (s[1] === 'x' || s[1] === 'X') && /[0-9a-f]/i.test(s[2] ?? '')) {
    base = 16;
    i = 2;
  } else if (s[0] === '0') base = 8;
  let v = 0n;
  const B = BigInt(base);
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || d >= base) break;
    v = v * B + BigInt(d);
    if (v > 0xffffffffffffffffn) return 0xffffffffffffffffn;
  }
  return v;
}

/** add_right() */
function addRight(op: FArg, arg: FArg): void {
  if (op.type === 'exp' || op.type === 'op') {
    if (op.right) syntax();
    op.right = arg;
    return;
  }
  if (op.type !== 'num') syntax();
  if (op.right) syntax();
  if (arg.type !== 'value' && arg.type !== 'field') throw new TepFilterError('Illegal rvalue');
  // the C switches on arg->value.type, which for a field is part of the field's pointer: no case matches
  if (arg.type === 'field') syntax();
  if (arg.vtype === 'char' && arg.str.length === 1 && op.op !== '=~' && op.op !== '!~') {
    arg.vtype = 'number';
    arg.val = STRING_ADDRESS;
  }
  if (arg.vtype === 'number') {
    if (op.op === '=~' || op.op === '!~') throw new TepFilterError('Op not allowed with integers');
    op.right = arg;
    return;
  }
  // a string: the compare becomes a string compare on the left field
  const left = op.left!;
  const cmp = op.op;
  const str = arg.str;
  const fresh = new FArg();
  op.copyFrom(fresh);
  if (left.type === 'bool') {
    op.type = 'bool';
    op.bool = false;
    return;
  }
  if (left.type !== 'field') throw new TepFilterError('Illegal lvalue for string comparison');
  if (cmp === '=~' || cmp === '!~') {
    try {
      op.re = bre(str, false);
    } catch {
      throw new TepFilterError(`RegEx '${str}' did not compute`);
    }
  } else if (cmp !== '==' && cmp !== '!=') throw new TepFilterError('Illegal comparison for string');
  op.type = 'str';
  op.op = cmp;
  op.field = left.field;
  op.str = str;
}

/** add_left() */
function addLeft(op: FArg, arg: FArg | null): void {
  if (!arg) syntax();
  if (op.type === 'exp') {
    if (arg!.type === 'op') arg = rotateOpRight(arg!, op);
    op.left = arg;
  } else if (op.type === 'op') op.left = arg;
  else if (op.type === 'num') {
    if (arg!.type === 'op') arg = rotateOpRight(arg!, op);
    if (arg!.type !== 'field' && arg!.type !== 'bool') syntax();
    op.left = arg;
  } else syntax();
}

function rotateOpRight(a: FArg, b: FArg): FArg {
  const r = a.right!;
  a.right = b;
  return r;
}

function checkOpDone(a: FArg): boolean {
  if (a.type === 'exp' || a.type === 'op' || a.type === 'num') return a.right !== null;
  return a.type === 'str' || a.type === 'bool';
}

const UNBALANCED = Symbol('closing parenthesis');

/** process_filter(): returns the tree, or UNBALANCED at a ')'. */
function processFilter(ev: EventFormat, tk: Tokens, not: boolean, depth: number): FArg | null | typeof UNBALANCED {
  if (depth > 500) throw new TepFilterError('filter nested too deeply');
  let currentOp: FArg | null = null;
  let currentExp: FArg | null = null;
  let leftItem: FArg | null = null;
  for (;;) {
    const [type, token] = tk.next();
    if (type === T.NONE) break;
    if (type === T.SQUOTE || type === T.DQUOTE || type === T.ITEM) {
      const arg = createItem(ev, token, type);
      if (!leftItem) leftItem = arg;
      else if (currentExp) {
        addRight(currentExp, arg);
        leftItem = null;
        if (not) {
          if (currentOp) syntax();
          return currentExp;
        }
      } else syntax();
    } else if (type === T.DELIM) {
      if (token === ',') throw new TepFilterError("Illegal token ','");
      if (token === '(') {
        if (leftItem) throw new TepFilterError('Open paren can not come after item');
        if (currentExp) throw new TepFilterError('Open paren can not come after expression');
        const sub = processFilter(ev, tk, false, depth + 1);
        if (sub !== UNBALANCED) throw new TepFilterError("Unbalanced number of '('");
        const arg = lastClosed;
        if (not) {
          if (currentOp) syntax();
          return arg;
        }
        if (currentOp) addRight(currentOp, arg!);
        else currentExp = arg;
      } else {
        if (!currentOp && !currentExp) syntax();
        if (currentExp && !checkOpDone(currentExp)) syntax();
        if (currentOp && !checkOpDone(currentOp)) syntax();
        lastClosed = currentOp ?? currentExp;
        return UNBALANCED;
      }
    } else if (type === T.OP) {
      const kind = token === '&&' || token === '||' ? 'bool' : token === '!' ? 'not' : EXP_OPS.has(token) ? 'exp' : CMP_OPS.has(token) ? 'cmp' : null;
      if (!kind) throw new TepFilterError(`Unknown op token ${token}`);
      if (kind === 'bool' && !currentExp && !currentOp) syntax();
      if ((kind === 'bool' || kind === 'not') && leftItem) syntax();
      if ((kind === 'exp' || kind === 'cmp') && !leftItem) syntax();
      if (kind === 'bool') {
        const arg = FArg.of('op', token);
        addLeft(arg, currentOp ?? currentExp);
        currentOp = arg;
        currentExp = null;
      } else if (kind === 'not') {
        const arg = FArg.of('op', '!');
        if (currentOp) addRight(currentOp, arg);
        currentExp = arg;
        const sub = processFilter(ev, tk, true, depth + 1);
        // a ')' before the negated expression is complete: the C's error return
        if (sub === UNBALANCED) throw new TepFilterError("Unbalanced number of ')'");
        addRight(currentExp, sub!);
      } else {
        const arg = FArg.of(kind === 'exp' ? 'exp' : 'num', token);
        if (currentOp) addRight(currentOp, arg);
        addLeft(arg, leftItem);
        currentExp = arg;
      }
    } else syntax();
  }
  if (!currentOp && !currentExp) syntax();
  return collapseTree(currentOp ?? currentExp!);
}

// the tree a ')' closed (process_filter's *parg on its UNBALANCED return)
let lastClosed: FArg | null = null;

const NORM = 0;
const FALSE = 1;
const TRUE = 2;

/** reparent_op_arg(): `arg` takes old_child's place under parent. */
function reparent(parent: FArg, oldChild: FArg, arg: FArg): number {
  if (parent.type !== 'op' && arg.type !== 'op') throw new TepFilterError('can not reparent other than OP');
  if (oldChild.right === arg) oldChild.right = null;
  else if (oldChild.left === arg) oldChild.left = null;
  else throw new TepFilterError('Error in reparent op, find other child');
  if (parent === oldChild) {
    parent.copyFrom(arg);
    return NORM;
  }
  if (parent.right === oldChild) parent.right = arg;
  else if (parent.left === oldChild) parent.left = arg;
  else throw new TepFilterError('Error in reparent op');
  return NORM;
}

/** test_arg(): folds known-true/false parts (fields the event lacks) out of the tree. */
function testArg(parent: FArg, arg: FArg | null): number {
  // an operator missing an operand ("a ==", "a &&"): libtraceevent follows the NULL and trace-cmd crashes
  if (!arg) throw new TepFilterError('Syntax error: an operator without its operand');
  switch (arg.type) {
    case 'bool':
      return arg.bool ? TRUE : FALSE;
    case 'str':
    case 'value':
    case 'field':
      return NORM;
    case 'exp':
    case 'num': {
      const l = testArg(arg, arg.left);
      if (l !== NORM) return l;
      const r = testArg(arg, arg.right);
      if (r !== NORM) return r;
      return NORM;
    }
    case 'op': {
      if (arg.op === '!') return opAfterLeft(parent, arg, NORM);
      // "a || b || c ...": each op's left is the op before it, thousands deep (8,000
      // terms overflowed the stack); the recursion on that spine runs as a loop, from
      // the innermost op out, each step what the C's recursion does after its left returns
      const spine = leftSpine(arg);
      const bottom = spine[spine.length - 1];
      let l = testArg(bottom, bottom.left);
      for (let k = spine.length - 1; k >= 0; k--) l = opAfterLeft(k ? spine[k - 1] : parent, spine[k], l);
      return l;
    }
  }
}

/** The && / || ops down the left side from `a` (a first): a chain of one kind of operand after another. */
function leftSpine(a: FArg): FArg[] {
  const spine = [a];
  for (let x = a.left; x && x.type === 'op' && x.op !== '!'; x = x.left) spine.push(x);
  return spine;
}

/** test_arg() of an op once its left side gave `l` (NORM for '!', which has none). */
function opAfterLeft(parent: FArg, arg: FArg, l: number): number {
  if (arg.op !== '!') {
    if (l === TRUE) {
      if (arg.op === '||') return TRUE;
      const r = testArg(arg, arg.right);
      if (r !== NORM) return r;
      return reparent(parent, arg, arg.right!);
    }
    if (l === FALSE) {
      if (arg.op === '&&') return FALSE;
      const r = testArg(arg, arg.right);
      if (r !== NORM) return r;
      return reparent(parent, arg, arg.right!);
    }
  }
  const r = testArg(arg, arg.right);
  if (r === TRUE) {
    if (arg.op === '||') return TRUE;
    if (arg.op === '!') return FALSE;
    return reparent(parent, arg, arg.left!);
  }
  if (r === FALSE) {
    if (arg.op === '&&') return FALSE;
    if (arg.op === '!') return TRUE;
    return reparent(parent, arg, arg.left!);
  }
  return r;
}

/** collapse_tree() */
function collapseTree(arg: FArg): FArg {
  const r = testArg(arg, arg);
  if (r === NORM) return arg;
  const b = FArg.of('bool');
  b.bool = r === TRUE;
  return b;
}

/** What a compiled filter needs of a record: the same as the kernel language's. */
export type TepRecord = FilterRecord;

export interface TepContext {
  littleEndian: boolean;
  symbols: SymbolTable;
  /** tep_data_comm_from_pid() at the time the record is read. */
  comm: (pid: number) => string;
}

/** A record test; throws nothing: an evaluation error (a string where a number is wanted) is a miss, as tep_filter_match()'s error is. */
export type TepTest = (r: TepRecord) => boolean;

class EvalError extends Error {}
const evalError = new EvalError();

/** get_value(): a field as the C's unsigned long long (signed fields sign-extended). */
function fieldValue(f: FieldRef, r: TepRecord, ctx: TepContext): bigint {
  if (f === 'COMM') return STRING_ADDRESS;
  if (f === 'CPU') return BigInt(r.cpu);
  if (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) return 0n; // tep_read_number_field() fails: the C's value is whatever was on its stack
  if (f.offset + f.size > r.size) return 0n;
  const v = readUnsigned(r.dv, r.off + f.offset, f.size, ctx.littleEndian);
  return f.signed ? BigInt.asUintN(64, BigInt.asIntN(f.size * 8, v)) : v;
}

function argValue(a: FArg, r: TepRecord, ctx: TepContext): bigint {
  switch (a.type) {
    case 'field':
      return fieldValue(a.field!, r, ctx);
    case 'value':
      if (a.vtype !== 'number') throw evalError;
      return a.val;
    case 'exp': {
      const l = argValue(a.left!, r, ctx);
      const rv = argValue(a.right!, r, ctx);
      const U = 0xffffffffffffffffn;
      switch (a.op) {
        case '+': return (l + rv) & U;
        case '-': return (l - rv) & U;
        case '*': return (l * rv) & U;
        case '/': return rv ? l / rv : 0n; // the C traps on a zero divisor
        case '%': return rv ? l % rv : 0n;
        case '>>': return rv >= 64n ? 0n : l >> rv;
        case '<<': return rv >= 64n ? 0n : (l << rv) & U;
        case '&': return l & rv;
        case '|': return l | rv;
        case '^': return l ^ rv;
        default: throw evalError; // '~': TEP_ERRNO__INVALID_EXP_TYPE
      }
    }
    default:
      throw evalError;
  }
}

/** get_field_str(): what a string compare sees of a field. */
function fieldString(f: FieldRef, r: TepRecord, ctx: TepContext): string {
  if (f === 'COMM') return ctx.comm(r.pid);
  if (f !== 'CPU' && f.isString) {
    let at = f.offset;
    let size = f.size;
    if (f.isDynamic) {
      const v = r.dv.getUint32(r.off + f.offset, ctx.littleEndian);
      size = v >>> 16;
      at = v & 0xffff;
      if (f.isRelative) at += f.offset + f.size;
    }
    // not NUL-terminated at its last byte: the C copies field->size bytes instead
    if (size > 0 && at + size - 1 < r.size && r.data[r.off + at + size - 1] !== 0) size = f.size;
    let s = '';
    for (let k = 0; k < size && at + k < r.size; k++) {
      const c = r.data[r.off + at + k];
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
  const v = fieldValue(f, r, ctx);
  if (f !== 'CPU' && (f.isPointer || f.isLong)) {
    const i = ctx.symbols.findBig(v);
    if (i >= 0) return ctx.symbols.name(i);
  }
  return '0x' + v.toString(16);
}

function test(a: FArg, r: TepRecord, ctx: TepContext): boolean {
  switch (a.type) {
    case 'bool':
      return a.bool;
    case 'op': {
      if (a.op === '!') return !test(a.right!, r, ctx);
      // the left spine of a long chain as a loop (see testArg); the same short circuits
      const spine = (a.spine ??= leftSpine(a));
      let v = test(spine[spine.length - 1].left!, r, ctx);
      for (let k = spine.length - 1; k >= 0; k--) {
        const op = spine[k];
        v = op.op === '&&' ? v && test(op.right!, r, ctx) : v || test(op.right!, r, ctx);
      }
      return v;
    }
    case 'num': {
      const l = argValue(a.left!, r, ctx);
      const rv = argValue(a.right!, r, ctx);
      switch (a.op) {
        case '==': return l === rv;
        case '!=': return l !== rv;
        case '>': return l > rv;
        case '<': return l < rv;
        case '>=': return l >= rv;
        case '<=': return l <= rv;
        default: throw evalError;
      }
    }
    case 'str': {
      const v = fieldString(a.field!, r, ctx);
      if (a.op === '==') return v === a.str;
      if (a.op === '!=') return v !== a.str;
      const m = a.re!.test(v);
      return a.op === '=~' ? m : !m;
    }
    default:
      return argValue(a, r, ctx) !== 0n;
  }
}

/** The filter tree of one event (filter_event()): its text parsed against the event's fields; no text is TRUE. */
export type TepTree = FArg;

export function parseTepFilter(ev: EventFormat, text: string | null): TepTree {
  if (text === null) {
    const t = FArg.of('bool');
    t.bool = true;
    return t;
  }
  lastClosed = null;
  const tree = processFilter(ev, new Tokens(text), false, 0);
  // a ')' with nothing open: process_filter()'s UNBALANCED_PAREN is an error to process_event()
  if (tree === UNBALANCED) throw new TepFilterError("Unbalanced number of ')'");
  if (!tree) {
    const f = FArg.of('bool');
    return f;
  }
  return tree;
}

/** A parsed filter as a record test. */
export function compileTepFilter(ev: EventFormat, text: string | null, ctx: TepContext): TepTest {
  const root = parseTepFilter(ev, text);
  if (root.type === 'bool') return root.bool ? () => true : () => false;
  return (r) => {
    try {
      return test(root, r, ctx);
    } catch (e) {
      if (e === evalError) return false;
      throw e;
    }
  };
}

/** tep_filter_make_string() (arg_to_str()): a filter as report -T prints it, known booleans folded. */
export function tepFilterString(a: TepTree): string | null {
  switch (a.type) {
    case 'bool':
      return a.bool ? 'TRUE' : 'FALSE';
    case 'value':
      return BigInt.asIntN(64, a.val).toString();
    case 'field':
      return typeof a.field === 'string' ? a.field : a.field!.name;
    case 'str':
      return `${typeof a.field === 'string' ? a.field : a.field!.name} ${a.op} "${a.str}"`;
    case 'exp': {
      const l = a.left && tepFilterString(a.left);
      const r = a.right && tepFilterString(a.right);
      if (l == null || r == null) return null;
      return `${l} ${a.op === '~' ? '[ERROR IN EXPRESSION TYPE]' : a.op} ${r}`;
    }
    case 'num': {
      const l = a.left && tepFilterString(a.left);
      const r = a.right && tepFilterString(a.right);
      if (l == null || r == null) return null;
      return `${l} ${a.op} ${r}`;
    }
    case 'op': {
      if (a.op === '!') {
        const r = a.right && tepFilterString(a.right);
        if (r == null) return null;
        if (r === 'TRUE') return 'FALSE';
        if (r === 'FALSE') return 'TRUE';
        return `!(${r})`;
      }
      // the left spine of a long chain as a loop (see testArg)
      const spine = leftSpine(a);
      const bottom = spine[spine.length - 1];
      let l: string | null = bottom.left && tepFilterString(bottom.left);
      for (let k = spine.length - 1; k >= 0 && l != null; k--) l = opString(spine[k], l);
      return l;
    }
  }
}

/** arg_to_str() of an && / || op whose left side printed as `l`. */
function opString(a: FArg, l: string): string | null {
  const r = a.right && tepFilterString(a.right);
  if (r == null) return null;
  const lv = l === 'TRUE' ? 1 : l === 'FALSE' ? 0 : -1;
  const rv = r === 'TRUE' ? 1 : r === 'FALSE' ? 0 : -1;
  const and = a.op === '&&';
  if (lv >= 0) {
    if ((and && !lv) || (!and && lv)) return l;
    if (rv >= 0) return (and ? lv && rv : lv || rv) ? 'TRUE' : 'FALSE';
  }
  if (rv >= 0) {
    if ((and && !rv) || (!and && rv)) return r;
    // the right value is meaningless
    return l;
  }
  return `(${l}) ${a.op} (${r})`;
}
