import type { EventFormat } from '../core/event-format.ts';
import { Lexer, T, isItemType, type Tok } from '../core/format-lexer.ts';
import { cStrtoll, cStrtoull, evalTypeStr, formatLld } from './c-values.ts';
import { printFunction } from './print-functions.ts';
import { Arg, argDepth, type FlagSym, type ParseLog, type PrintFmt } from './ast.ts';
import { buildSegments } from './segments.ts';

/** How deep an argument tree tracelab evaluates (real formats nest under 20). */
export const MAX_EVAL_DEPTH = 1000;
/** The start of `failed` for a fmt too deep to evaluate (the report warns: trace-cmd prints it). */
export const TOO_DEEP = 'print fmt nested too deeply';

/** sizeof() of the kernel's fixed-size types, for kernel text (C semantics; libtraceevent 1.7.1 fails on them). */
const C_SIZES: Record<string, string> = { __u64: '8', u64: '8', __s64: '8', s64: '8', __u32: '4', u32: '4', __s32: '4', s32: '4', __u16: '2', u16: '2', __s16: '2', s16: '2', __u8: '1', u8: '1', __s8: '1', s8: '1' };

/** get_event_type(): the token types' names in libtraceevent's warnings. */
const TOKEN_TYPES = ['ERROR', 'NONE', 'SPACE', 'NEWLINE', 'OP', 'DELIM', 'ITEM', 'DQUOTE', 'SQUOTE'];

/** Thrown inside the parser; the event then prints as [FAILED TO PARSE]. */
class ParseFail extends Error {}

const BINARY_OPS = new Set(['>>', '<<', '&', '|', '&&', '||', '-', '+', '*', '^', '/', '%', '<', '>', '<=', '>=', '==', '!=']);

export function opPrio(op: string): number {
  if (op.length === 1) {
    switch (op) {
      case '~': case '!': return 4;
      case '*': case '/': case '%': return 6;
      case '+': case '-': return 7;
      case '<': case '>': return 9;
      case '&': return 11;
      case '^': return 12;
      case '|': return 13;
      case '?': return 16;
      default: return -1;
    }
  }
  switch (op) {
    case '++': case '--': return 3;
    case '>>': case '<<': return 8;
    case '>=': case '<=': return 9;
    case '==': case '!=': return 10;
    case '&&': return 14;
    case '||': return 15;
    default: return -1;
  }
}

/**
 * The print-fmt parser of libtraceevent, rebuilt node for node: a recursive
 * descent with its own operator rotation (not C precedence), typecasts spotted
 * by "(atom) item", and the helper functions it knows. What it rejects makes the
 * event print as [FAILED TO PARSE], as trace-cmd does.
 */
class Parser {
  constructor(
    private lx: Lexer,
    private ev: EventFormat,
    private longSize: number,
    /**
     * Parse as C does: a parenthesised operand is never rotated into. libtraceevent
     * rotates across parentheses, so `REC->flags & (A | B)` evaluates there as
     * `(REC->flags & A) | B` (trace-cmd prints that, and so does `report`); the
     * kernel's vsprintf evaluates the C.
     */
    private cSyntax = false,
    /** The plugins' print functions are known (not with report -N/-L: no plugin is loaded). */
    private functions = true,
  ) {}

  /** libtraceevent's log of this parse, in order. */
  readonly log: ParseLog[] = [];

  /**
   * Fails as libtraceevent does at that point: with do_warning_event()'s
   * warning ("[system:event] msg"), or silently (`goto error` without one).
   */
  private fail(msg: string, warns = true): never {
    if (warns) this.log.push({ warn: msg, event: true });
    throw new ParseFail(msg);
  }

  /** test_type() / test_type_token()'s warning, or null when the token is the one expected. */
  private mismatch(t: Tok, type: T, text?: string): string | null {
    if (t[0] !== type) return `Error: expected type ${type} (${TOKEN_TYPES[type]}) but read ${t[0]} (${TOKEN_TYPES[t[0]]})`;
    if (text !== undefined && t[1] !== text) return `Error: expected '${text}' but read '${t[1]}'`;
    return null;
  }

  /** test_type() / test_type_token(): fails with their (bare) warning. */
  expect(t: Tok, type: T, text?: string): void {
    const m = this.mismatch(t, type, text);
    if (m === null) return;
    this.log.push({ warn: m, event: false });
    throw new ParseFail(m);
  }

  /**
   * A callee whose TEP_EVENT_ERROR the C caller tests like any token
   * (test_type_token() then warns "... but read 0 (ERROR)"): its failure
   * becomes an ERROR token instead of ending the parse here.
   */
  private orError(f: () => Tok): Tok {
    try {
      return f();
    } catch (e) {
      if (e instanceof ParseFail) return [T.ERROR, ''];
      throw e;
    }
  }

  processArg(arg: Arg): Tok {
    return this.processArgToken(arg, this.lx.token());
  }

  processArgToken(arg: Arg, tok: Tok): Tok {
    const [type, token] = tok;
    switch (type) {
      case T.ITEM: {
        if (token === 'REC') return this.processEntry(arg);
        let atom = token;
        let t = this.lx.item();
        if (t[0] === T.DELIM && t[1] === '(') return this.processFunction(arg, atom);
        while (t[0] === T.ITEM) {
          atom += ' ' + t[1];
          t = this.lx.item();
        }
        arg.kind = 'atom';
        arg.atom = atom;
        return t;
      }
      case T.SQUOTE: {
        arg.kind = 'atom';
        if (this.cSyntax) {
          // C: a character constant is its code
          const c = token.length ? token.charCodeAt(0) : 0;
          arg.atom = String(c >= 128 ? c - 256 : c);
        } else {
          // libtraceevent keeps the character as the atom's text: %s prints it, a number
          // reads it with strtoull() (0 for ' ' or '*'); snd_soc_dapm_*_path and
          // tcp_ao_handshake_failure print so in trace-cmd
          arg.atom = token;
        }
        return this.lx.item();
      }
      case T.DQUOTE:
        arg.kind = 'atom';
        arg.atom = token;
        return this.lx.item();
      case T.DELIM:
      case T.OP:
        // a lone ')' or ',' is taken as an operator and rejected in processOp
        if (type === T.DELIM && token === '(') return this.processParen(arg);
        arg.kind = 'op';
        arg.op = token;
        arg.left = null;
        return this.processOp(arg, token);
      default:
        return this.fail(`unexpected type ${type}`);
    }
  }

  processEntry(arg: Arg): Tok {
    let t = this.lx.item();
    if (t[0] === T.DELIM && t[1] === ')') return [T.ITEM, ')'];
    this.expect(t, T.OP, '->');
    t = this.lx.token();
    this.expect(t, T.ITEM);
    arg.kind = 'field';
    arg.name = t[1];
    arg.field = this.ev.anyField(t[1]) ?? null;
    return this.lx.token();
  }

  processOp(arg: Arg, token: string): Tok {
    let right: Arg | null = null;
    let t: Tok;
    if (arg.kind === 'op' && !arg.left) {
      if (!'~!+-'.includes(token[0]) || token.length !== 1) this.fail(`bad op token ${token}`);
      arg.left = Arg.of('null');
      right = new Arg();
      arg.right = right;
      t = this.processArg(right);
    } else if (token === '?') {
      const left = arg.clone();
      arg.reset();
      arg.kind = 'op';
      arg.op = token;
      arg.left = left;
      arg.right = null;
      arg.prio = 0;
      t = this.processCond(arg);
    } else if (BINARY_OPS.has(token)) {
      const left = arg.clone();
      arg.reset();
      arg.kind = 'op';
      arg.op = token;
      arg.left = left;
      arg.right = null;
      arg.prio = !left || left.kind === 'null' ? 0 : opPrio(token);
      // set_op_prio() fails without a warning (the token is one of the binary ops: it cannot)
      if (arg.prio === -1) this.fail(`unknown op '${token}'`, false);
      t = this.lx.item();
      if (token === '*' && t[0] === T.DELIM && t[1] === ')') {
        // "(type *)": a pointer cast, not a multiplication
        if (left.kind !== 'atom') this.fail('bad pointer type');
        left.atom += ' *';
        arg.copyFrom(left);
        return t;
      }
      right = new Arg();
      t = this.processArgToken(right, t);
      if (right.kind === 'op' && !right.paren && opPrio(arg.op) < opPrio(right.op)) {
        arg.right = right.left;
        const tmp = arg.clone();
        arg.copyFrom(right);
        right.copyFrom(tmp);
        arg.left = right;
      } else {
        arg.right = right;
      }
    } else if (token === '[') {
      const left = arg.clone();
      arg.reset();
      arg.kind = 'op';
      arg.op = token;
      arg.left = left;
      arg.right = null;
      arg.prio = 0;
      t = this.processArray(arg);
    } else {
      return this.fail(`unknown op '${token}'`);
    }
    if (t[0] === T.OP && t[1] !== ':') {
      const prio = opPrio(t[1]);
      if (prio < 0) this.fail(`unknown op '${t[1]}'`);
      if (prio > arg.prio) return this.processOp(arg, t[1]);
      if (!right) this.fail('operator without operand');
      return this.processOp(right, t[1]);
    }
    return t;
  }

  processCond(top: Arg): Tok {
    const arg = Arg.of('op');
    const left = new Arg();
    const right = new Arg();
    arg.left = left;
    arg.right = right;
    let t = this.processArg(left);
    while (t[0] === T.OP && t[1] !== ':') t = this.processOp(left, t[1]);
    this.expect(t, T.OP, ':');
    arg.op = ':';
    t = this.processArg(right);
    top.right = arg;
    return t;
  }

  processArray(top: Arg): Tok {
    const arg = new Arg();
    const t = this.orError(() => this.processArg(arg));
    this.expect(t, T.OP, ']');
    top.right = arg;
    return this.lx.item();
  }

  processParen(arg: Arg): Tok {
    let t = this.processArg(arg);
    if (t[0] === T.OP) t = this.processOp(arg, t[1]);
    if (t[0] === T.ITEM && t[1] === ')') return this.processEntry(arg);
    this.expect(t, T.DELIM, ')');
    arg.paren = this.cSyntax;
    t = this.lx.item();
    if (isItemType(t[0]) || (t[0] === T.DELIM && t[1] === '(')) {
      if (arg.kind !== 'atom') this.fail('previous needed to be TEP_PRINT_ATOM');
      const item = new Arg();
      const type = arg.atom;
      arg.reset();
      arg.kind = 'type';
      arg.castType = type;
      arg.item = item;
      t = this.processArgToken(item, t);
    }
    return t;
  }

  processFieldArg(arg: Arg): Tok {
    let t = this.processArg(arg);
    while (t[0] === T.OP) t = this.processOp(arg, t[1]);
    return t;
  }

  processFields(list: FlagSym[]): Tok {
    let t: Tok;
    do {
      t = this.lx.item();
      // test_type_token() warns, and the list ends: its caller then looks for ')'
      const m = this.mismatch(t, T.OP, '{');
      if (m !== null) {
        this.log.push({ warn: m, event: false });
        break;
      }
      let arg = new Arg();
      t = this.processArg(arg);
      if (t[0] === T.OP) t = this.processOp(arg, t[1]);
      this.expect(t, T.DELIM, ',');
      const value = argEval(arg);
      if (value === null) this.fail('bad flag value', false);
      arg = new Arg();
      t = this.orError(() => this.processArg(arg));
      this.expect(t, T.OP, '}');
      const str = argEval(arg);
      if (str === null) this.fail('bad flag string', false);
      list.push({ value, str });
      t = this.lx.item();
    } while (t[0] === T.DELIM && t[1] === ',');
    return t;
  }

  processFlags(arg: Arg, symbolic: boolean): Tok {
    arg.reset();
    arg.kind = symbolic ? 'symbol' : 'flags';
    const field = new Arg();
    let t = this.orError(() => this.processFieldArg(field));
    if (!symbolic) while (t[0] === T.OP) t = this.processOp(field, t[1]);
    this.expect(t, T.DELIM, ',');
    arg.flagField = field;
    if (!symbolic) {
      t = this.lx.item();
      if (isItemType(t[0])) {
        arg.delim = t[1];
        t = this.lx.item();
      }
      this.expect(t, T.DELIM, ',');
    }
    t = this.orError(() => this.processFields(arg.list));
    this.expect(t, T.DELIM, ')');
    return this.lx.item();
  }

  /** alloc_and_process_delim(): every way out of it but success sets errno to EINVAL. */
  allocAndProcessDelim(next: string): Arg {
    const field = new Arg();
    try {
      let t = this.orError(() => this.processArg(field));
      if (t[0] === T.OP) {
        t = this.processOp(field, t[1]);
        consolidate(field);
      }
      this.expect(t, T.DELIM, next);
    } catch (e) {
      if (e instanceof ParseFail) this.log.push({ errno: 'EINVAL' });
      throw e;
    }
    return field;
  }

  processHex(arg: Arg, kind: 'hex' | 'hexstr'): Tok {
    arg.reset();
    arg.kind = kind;
    arg.a = this.allocAndProcessDelim(',');
    arg.b = this.allocAndProcessDelim(')');
    return this.lx.item();
  }

  processIntArray(arg: Arg): Tok {
    arg.reset();
    arg.kind = 'intarray';
    arg.a = this.allocAndProcessDelim(',');
    arg.b = this.allocAndProcessDelim(',');
    arg.c = this.allocAndProcessDelim(')');
    return this.lx.item();
  }

  processDynamicArray(arg: Arg): Tok {
    arg.reset();
    arg.kind = 'dynarray';
    let t = this.lx.token();
    if (t[0] !== T.ITEM) this.fail('expected field name', false);
    const f = this.ev.field(t[1]);
    if (!f) this.fail(`field ${t[1]} not found`, false);
    arg.field = f;
    arg.name = t[1];
    this.expect(this.lx.token(), T.DELIM, ')');
    t = this.lx.item();
    if (t[0] !== T.OP || t[1] !== '[') return t;
    const idx = new Arg();
    t = this.processArg(idx);
    // libtraceevent tests the closing bracket the wrong way round: it fails (silently) when
    // it finds one, and warns but goes on when it does not
    const m = this.mismatch(t, T.OP, ']');
    if (m === null) this.fail('dynamic array index not supported', false);
    this.log.push({ warn: m, event: false });
    return this.lx.item();
  }

  processDynamicArrayLen(arg: Arg): Tok {
    const t = this.lx.token();
    this.expect(t, T.ITEM);
    arg.kind = 'dynarraylen';
    const f = this.ev.field(t[1]);
    if (!f) this.fail(`field ${t[1]} not found`, false);
    arg.field = f;
    arg.name = t[1];
    this.expect(this.lx.token(), T.DELIM, ')');
    return this.lx.token();
  }

  processNamed(arg: Arg, kind: 'string' | 'bitmask' | 'cpumask'): Tok {
    const t = this.lx.token();
    this.expect(t, T.ITEM);
    arg.kind = kind;
    arg.name = t[1];
    arg.field = this.ev.anyField(t[1]) ?? null;
    this.expect(this.lx.token(), T.DELIM, ')');
    return this.lx.token();
  }

  processBuiltinExpect(arg: Arg): Tok {
    const t = this.processArg(arg);
    if (t[0] !== T.DELIM || t[1][0] !== ',') this.fail('bad __builtin_expect', false);
    this.expect(this.lx.token(), T.ITEM);
    this.expect(this.lx.token(), T.DELIM, ')');
    return this.lx.item();
  }

  /**
   * process_sizeof() of libtraceevent 1.7.1 (Debian's): int, unsigned, long,
   * long long and REC->field; anything else (u64, a struct) fails without a
   * warning, and the event prints [FAILED TO PARSE] (later versions know the
   * kernel's fixed-size types; trace-cmd 3.1.6 here does not; kernel text,
   * parsed with C's semantics, does).
   */
  processSizeof(arg: Arg): Tok {
    let t = this.lx.item();
    arg.kind = 'atom';
    let hasParen = false;
    if (t[1] === 'unsigned') {
      t = this.lx.item();
      if (t[0] !== T.ITEM) hasParen = true;
    }
    if (hasParen || t[1] === 'int') arg.atom = '4';
    else if (t[1] === 'long') {
      t = this.lx.item();
      if (t[1] === 'long') arg.atom = '8';
      else {
        if (this.longSize !== 4 && this.longSize !== 8) this.fail('long size not defined', false);
        arg.atom = String(this.longSize);
        hasParen = true;
      }
    } else if (this.cSyntax && C_SIZES[t[1]] !== undefined) {
      // the kernel's own text (C semantics) knows its fixed-size types
      arg.atom = C_SIZES[t[1]];
    } else if (t[1] === 'REC') {
      this.expect(this.lx.item(), T.OP, '->');
      t = this.lx.token();
      this.expect(t, T.ITEM);
      const f = this.ev.anyField(t[1]);
      if (!f || f.isArray) this.fail('sizeof of unknown or array field', false);
      arg.atom = String(f.size);
    } else this.fail(`sizeof(${t[1]}) not supported`, false);
    if (!hasParen) t = this.lx.item();
    this.expect(t, T.DELIM, ')');
    return this.lx.item();
  }

  processFunction(arg: Arg, name: string): Tok {
    switch (name) {
      case '__print_flags': return this.processFlags(arg, false);
      case '__print_symbolic': return this.processFlags(arg, true);
      case '__print_hex': return this.processHex(arg, 'hex');
      case '__print_hex_str': return this.processHex(arg, 'hexstr');
      case '__print_array': return this.processIntArray(arg);
      case '__get_str': case '__get_rel_str': return this.processNamed(arg, 'string');
      case '__get_bitmask': case '__get_rel_bitmask': return this.processNamed(arg, 'bitmask');
      case '__get_cpumask': case '__get_rel_cpumask': return this.processNamed(arg, 'cpumask');
      case '__get_dynamic_array': case '__get_rel_dynamic_array': case '__get_sockaddr': case '__get_sockaddr_rel':
        return this.processDynamicArray(arg);
      case '__get_dynamic_array_len': case '__get_rel_dynamic_array_len': return this.processDynamicArrayLen(arg);
      case '__builtin_expect': return this.processBuiltinExpect(arg);
      case 'sizeof': return this.processSizeof(arg);
      default: {
        const fn = this.functions ? printFunction(name) : undefined;
        if (fn) return this.processFuncHandler(arg, name, fn.params);
        return this.fail(`function ${name} not defined`);
      }
    }
  }

  /** process_func_handler(): a registered print function's arguments, each a full argument, then ')'. */
  processFuncHandler(arg: Arg, name: string, params: number): Tok {
    arg.kind = 'func';
    arg.funcName = name;
    arg.params = [];
    for (let i = 0; i < params; i++) {
      const p = new Arg();
      const t = this.orError(() => this.processArg(p));
      if (t[0] !== T.DELIM || t[1] !== (i < params - 1 ? ',' : ')')) {
        this.fail(i < params - 1 ? `Error: function '${name}()' expects ${params} arguments but event ${this.ev.name} only uses ${i + 1}` : `Error: function '${name}()' only expects ${params} arguments but event ${this.ev.name} has more`);
      }
      arg.params.push(p);
    }
    return this.lx.item();
  }

  readPrintArgs(): Arg[] {
    const args: Arg[] = [];
    let type: T = T.ERROR;
    let t: Tok = [T.ERROR, ''];
    do {
      if (type === T.NEWLINE) {
        t = this.lx.item();
        type = t[0];
        continue;
      }
      const arg = new Arg();
      t = this.processArg(arg);
      type = t[0];
      args.push(arg);
      if (type === T.OP) {
        t = this.processOp(arg, t[1]);
        consolidate(arg);
        type = t[0];
        continue;
      }
      if (type === T.DELIM && t[1] === ',') continue;
      break;
    } while (type !== T.NONE);
    return args;
  }
}

/** arg_num_eval: evaluates constant flag/symbol table entries (signed 64-bit). */
function argNumEval(arg: Arg): bigint | null {
  switch (arg.kind) {
    case 'atom':
      return cStrtoll(arg.atom);
    case 'type': {
      const v = argNumEval(arg.item!);
      return v === null ? null : BigInt.asIntN(64, evalTypeStr(BigInt.asUintN(64, v), arg.castType, false));
    }
    case 'op': {
      const op = arg.op;
      const L = () => (arg.left && arg.left.kind === 'null' && (op === '-' || op === '+') ? 0n : argNumEval(arg.left!));
      const R = () => argNumEval(arg.right!);
      const both = (f: (l: bigint, r: bigint) => bigint): bigint | null => {
        const l = L();
        if (l === null) return null;
        const r = R();
        if (r === null) return null;
        return BigInt.asIntN(64, f(l, r));
      };
      switch (op[0]) {
        case '|': return both((l, r) => (op[1] ? BigInt(l !== 0n || r !== 0n) : l | r));
        case '&': return both((l, r) => (op[1] ? BigInt(l !== 0n && r !== 0n) : l & r));
        case '<':
          if (op === '<') return both((l, r) => BigInt(l < r));
          if (op === '<<') return both((l, r) => l << (r & 63n));
          if (op === '<=') return both((l, r) => BigInt(l <= r));
          return null;
        case '>':
          if (op === '>') return both((l, r) => BigInt(l > r));
          if (op === '>>') return both((l, r) => l >> (r & 63n));
          if (op === '>=') return both((l, r) => BigInt(l >= r));
          return null;
        case '=': return op === '==' ? both((l, r) => BigInt(l === r)) : null;
        case '!': return op === '!=' ? both((l, r) => BigInt(l !== r)) : null;
        case '-': return both((l, r) => l - r);
        case '+': return both((l, r) => l + r);
        case '~': {
          const r = R();
          return r === null ? null : BigInt.asIntN(64, ~r);
        }
        default: return null;
      }
    }
    default:
      return null;
  }
}

/** arg_eval: the text a flag table entry stores. */
function argEval(arg: Arg): string | null {
  switch (arg.kind) {
    case 'atom': return arg.atom;
    case 'type': return argEval(arg.item!);
    case 'op': {
      const v = argNumEval(arg);
      return v === null ? null : v.toString();
    }
    default: return null;
  }
}

/** consolidate_op_arg: folds operations on two constants into one constant. */
function consolidate(arg: Arg): void {
  if (arg.kind !== 'op') return;
  if (arg.left) consolidate(arg.left);
  if (arg.right) consolidate(arg.right);
  if (!arg.left || !arg.right) return;
  if (arg.left.kind !== 'atom' || arg.right.kind !== 'atom') return;
  const l = cStrtoull(arg.left.atom);
  const r = cStrtoull(arg.right.atom);
  let v: bigint;
  switch (arg.op[0]) {
    case '>': v = arg.op[1] === '>' ? l >> (r & 63n) : arg.op[1] === '=' ? BigInt(l >= r) : BigInt(l > r); break;
    case '<': v = arg.op[1] === '<' ? l << (r & 63n) : arg.op[1] === '=' ? BigInt(l <= r) : BigInt(l < r); break;
    case '&': v = arg.op[1] === '&' ? BigInt(l !== 0n && r !== 0n) : l & r; break;
    case '|': v = arg.op[1] === '|' ? BigInt(l !== 0n || r !== 0n) : l | r; break;
    case '-': v = l - r; break;
    case '+': v = l + r; break;
    case '*': v = l * r; break;
    case '^': v = l ^ r; break;
    case '/': v = r === 0n ? 0n : l / r; break;
    case '%': v = r === 0n ? 0n : l % r; break;
    case '=': v = BigInt(l === r); break;
    case '!': v = BigInt(l !== r); break;
    default: return;
  }
  const atom = formatLld(BigInt.asUintN(64, v));
  arg.reset();
  arg.kind = 'atom';
  arg.atom = atom;
}

/**
 * Parses an event's print fmt. Never throws: a print fmt libtraceevent cannot
 * parse gives `failed` (the event prints its raw fields, as trace-cmd does).
 */
export function parsePrintFmt(ev: EventFormat, longSize: number, cSyntax = false, functions = true): PrintFmt {
  const empty: PrintFmt = { format: '', args: [], segments: [], failed: null };
  if (ev.fieldError) return { ...empty, failed: ev.fieldError };
  if (ev.printOffset < 0) return { ...empty, failed: 'no print fmt' };
  const lx = new Lexer(ev.text, ev.printOffset);
  const p = new Parser(lx, ev, longSize, cSyntax, functions);
  let format = '';
  let args: Arg[] = [];
  try {
    // event_read_print()
    let t = lx.item();
    p.expect(t, T.ITEM, 'print');
    p.expect(lx.token(), T.ITEM, 'fmt');
    p.expect(lx.token(), T.OP, ':');
    t = lx.token();
    p.expect(t, T.DQUOTE);
    format = t[1];
    for (;;) {
      t = lx.item();
      if (t[0] === T.DQUOTE) {
        format += t[1];
        continue;
      }
      break;
    }
    if (t[0] !== T.NONE) {
      p.expect(t, T.DELIM, ',');
      args = p.readPrintArgs();
    }
  } catch (e) {
    if (e instanceof ParseFail) return { format, args: [], segments: [], failed: e.message, log: p.log };
    // a hostile print fmt nested past the JS stack (libtraceevent's C recursion would crash there too)
    if (e instanceof RangeError) return { format, args: [], segments: [], failed: TOO_DEEP };
    throw e;
  }
  // evaluation recurses once or twice per level: past this, a hostile fmt would
  // overflow the JS stack where libtraceevent's C stack still copes
  const depth = argDepth(args);
  if (depth > MAX_EVAL_DEPTH) return { format, args: [], segments: [], failed: `${TOO_DEEP} (${depth} levels; tracelab evaluates up to ${MAX_EVAL_DEPTH})` };
  const isFtrace = ev.system === 'ftrace';
  if (isFtrace && args.length === 0) {
    // old ftrace formats had no arguments: every field is one
    for (const f of ev.fields) {
      const a = Arg.of('field');
      a.name = f.name;
      a.field = f;
      args.push(a);
    }
  }
  const log = p.log.length ? p.log : undefined;
  if (isFtrace && ev.name === 'bprint') return { format, args, segments: [], failed: null, log };
  // parse_args() builds the print cache and warns at its first failure
  const built = buildSegments(format, args);
  return { format, args, segments: built.segments, failed: built.failed, log: built.failed ? [...p.log, { warn: built.failed, event: true, args: true }] : log };
}
