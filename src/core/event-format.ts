import { Lexer, T, type Tok } from './format-lexer.ts';

/** One field of an event record, with the flags libtraceevent derives from its type. */
export interface FieldFormat {
  name: string;
  /** The C type as libtraceevent reassembles it, e.g. "unsigned int", "char[16]", "__data_loc char[]". */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  isArray: boolean;
  isPointer: boolean;
  isString: boolean;
  isDynamic: boolean;
  isRelative: boolean;
  isLong: boolean;
  arrayLen: number;
  elementSize: number;
}

/** An event's format: name, id, system, fields and the print fmt text. */
export class EventFormat {
  commonFields: FieldFormat[] = [];
  fields: FieldFormat[] = [];
  /** Offset of the print fmt ("print fmt: ...") in `text`, or -1. */
  printOffset = -1;
  /** Set when the field list could not be read: such events print as [FAILED TO PARSE]. */
  fieldError: string | null = null;
  /**
   * Set while printing, as libtraceevent sets TEP_EVENT_FL_FAILED when a bprint's
   * format runs out of arguments: every later event of the format prints as
   * [FAILED TO PARSE] (printing state of the opened trace, as in trace-cmd).
   */
  printFailed = false;
  private index: Map<string, FieldFormat> | null = null;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly system: string,
    /** The format file text exactly as stored (written back by the dat writer). */
    readonly text: string,
  ) {}

  /** Common fields first, then event fields (tep_find_any_field). */
  anyField(name: string): FieldFormat | undefined {
    for (const f of this.commonFields) if (f.name === name) return f;
    return this.field(name);
  }

  /** Event (non-common) fields only (tep_find_field). */
  field(name: string): FieldFormat | undefined {
    if (!this.index) {
      this.index = new Map();
      for (const f of this.fields) if (!this.index.has(f.name)) this.index.set(f.name, f);
    }
    return this.index.get(name);
  }

  /** The print fmt text after "print fmt: ". */
  get printFmtText(): string {
    if (this.printOffset < 0) return '';
    const s = this.text.slice(this.printOffset);
    return s.replace(/^print fmt:\s*/, '').replace(/\n$/, '');
  }
}

/** Reads "name:" and "ID:" without parsing fields: formats are parsed lazily, on first use. */
export function peekFormatHeader(text: string): { name: string; id: number } | null {
  const m = /^\s*name:\s*(\S+)\s*\n\s*ID:\s*(\S+)/.exec(text);
  if (!m) return null;
  const id = parseCUnsigned(m[2]);
  if (id === null || id < 0 || id > 0xffffffff) return null;
  return { name: m[1], id };
}

function parseCUnsigned(s: string): number | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return null;
  return Number(m[1].startsWith('0') && !/^0[xX]/.test(m[1]) && m[1].length > 1 ? parseInt(m[1], 8) : m[1]);
}

/** The number strtoul(token, NULL, 0) gives (0 for junk). */
function strtoul(s: string): number {
  const v = parseCUnsigned(s.trim());
  return v ?? 0;
}

function typeSize(name: string): number {
  switch (name) {
    case 'u8': case 's8': case 'char': return 1;
    case 'u16': case 's16': return 2;
    case 'u32': case 's32': return 4;
    case 'u64': case 's64': return 8;
    default: return 0;
  }
}

/**
 * Parses a format file the way libtraceevent's event_read_format does, so field
 * types, names and flags match its output (raw fields, [FAILED TO PARSE] lines).
 * Throws on text that has no name/ID; a broken field list is kept as `fieldError`.
 */
export function parseEventFormat(text: string, system: string, longSize = 8): EventFormat {
  const head = peekFormatHeader(text);
  if (!head) throw new Error('format text has no "name:" and "ID:" lines');
  const ev = new EventFormat(head.id, head.name, system, text);
  const lx = new Lexer(text);
  const isFtrace = system === 'ftrace';
  try {
    expectItem(lx, 'name'); expectOp(lx, ':'); lx.token();
    expectItem(lx, 'ID', true); expectOp(lx, ':'); lx.token();
    expectItem(lx, 'format', true); expectOp(lx, ':');
    if (lx.token()[0] !== T.NEWLINE) throw new Error('expected newline after format:');
    ev.commonFields = readFields(lx, isFtrace, longSize);
    ev.fields = readFields(lx, isFtrace, longSize);
  } catch (e) {
    ev.fieldError = (e as Error).message;
  }
  const p = text.indexOf('print fmt:');
  ev.printOffset = p;
  return ev;
}

function expectItem(lx: Lexer, word: string, skipNewlines = false): void {
  const t = skipNewlines ? lx.item() : lx.token();
  if (t[0] !== T.ITEM || t[1] !== word) throw new Error(`expected '${word}' but read '${t[1]}'`);
}
function expectOp(lx: Lexer, op: string): void {
  const t = lx.token();
  if (t[0] !== T.OP || t[1] !== op) throw new Error(`expected '${op}' but read '${t[1]}'`);
}
function expectType(lx: Lexer, type: T): Tok {
  const t = lx.token();
  if (t[0] !== type) throw new Error(`unexpected token '${t[1]}'`);
  return t;
}

function readFields(lx: Lexer, isFtrace: boolean, longSize: number): FieldFormat[] {
  const fields: FieldFormat[] = [];
  for (;;) {
    let t = lx.token();
    if (t[0] === T.NEWLINE) return fields;
    if (t[0] !== T.ITEM || t[1] !== 'field') throw new Error(`expected 'field' but read '${t[1]}'`);
    t = lx.token();
    if (isFtrace && t[0] === T.ITEM && t[1] === 'special') t = lx.token();
    if (t[0] !== T.OP || t[1] !== ':') throw new Error(`expected ':' but read '${t[1]}'`);
    let last = expectType(lx, T.ITEM)[1];
    let type: string | null = null;
    let isPointer = false;
    let delim = ' ';
    for (;;) {
      t = lx.token();
      if (t[0] === T.ITEM || (t[0] === T.OP && t[1] === '*') || (isFtrace && t[0] === T.OP && t[1] === '.')) {
        if (t[1] === '*') isPointer = true;
        type = type === null ? last : type + delim + last;
        last = t[1];
        delim = ' ';
        continue;
      }
      if (t[0] === T.DELIM && last === '__attribute__' && t[1] === '(') {
        type = (type === null ? '' : type + ' ') + last + '(';
        let depth = 1;
        let d = ' ';
        for (;;) {
          t = lx.token();
          if (t[0] === T.NONE) break;
          if (t[0] === T.DELIM) {
            if (t[1] === '(') depth++;
            else if (t[1] === ')') depth--;
            if (!depth) break;
            type += t[1];
            d = '';
          } else {
            type += d + t[1];
            d = ' ';
          }
          last = t[1];
        }
        continue;
      }
      break;
    }
    if (type === null) throw new Error('no type found');
    let name = last;
    if (t[0] !== T.OP) throw new Error(`unexpected token '${t[1]}'`);
    let isArray = false;
    let arrayLen = 0;
    let sizeDynamic = 0;
    if (t[1] === '[') {
      isArray = true;
      let lastType: T = t[0];
      let brackets = '[';
      t = lx.token();
      arrayLen = t[0] === T.ITEM ? strtoul(t[1]) : 0;
      while (t[1] !== ']') {
        const d = lastType === T.ITEM && t[0] === T.ITEM ? ' ' : '';
        lastType = t[0];
        brackets += d + t[1];
        arrayLen = strtoul(t[1]);
        t = lx.token();
        if (t[0] === T.NONE) throw new Error('failed to find token');
      }
      brackets += ']';
      t = lx.token();
      if (t[0] === T.ITEM) {
        type = type + ' ' + name + brackets;
        sizeDynamic = typeSize(name);
        name = t[1];
        t = lx.token();
      } else {
        type = type + brackets;
      }
    }
    const isString = isArray && (type.includes('char') || type.includes('u8') || type.includes('s8'));
    const isRelative = type.startsWith('__rel_loc');
    const isDynamic = type.startsWith('__data_loc') || isRelative;
    const isLong = type.includes('long');
    if (t[0] !== T.OP || t[1] !== ';') throw new Error(`expected ';' but read '${t[1]}'`);
    expectItem(lx, 'offset'); expectOp(lx, ':');
    const offset = strtoul(expectType(lx, T.ITEM)[1]);
    expectOp(lx, ';');
    expectItem(lx, 'size'); expectOp(lx, ':');
    const size = strtoul(expectType(lx, T.ITEM)[1]);
    let f: FieldFormat = { name, type, offset, size, signed: false, isArray, isPointer, isString, isDynamic, isRelative, isLong, arrayLen, elementSize: 0 };
    if (isDynamic && size === 2) { f.isString = true; f.isArray = true; }
    expectOp(lx, ';');
    t = lx.token();
    if (t[0] !== T.NEWLINE) {
      if (t[0] !== T.ITEM || t[1] !== 'signed') throw new Error(`expected 'signed' but read '${t[1]}'`);
      expectOp(lx, ':');
      f.signed = strtoul(expectType(lx, T.ITEM)[1]) !== 0;
      expectOp(lx, ';');
      expectType(lx, T.NEWLINE);
    }
    if (f.isArray || f.isDynamic) {
      if (f.arrayLen) f.elementSize = Math.floor(f.size / f.arrayLen);
      else if (f.isDynamic) f.elementSize = sizeDynamic;
      else if (f.isString) f.elementSize = 1;
      else if (f.isLong) f.elementSize = longSize;
    } else f.elementSize = f.size;
    fields.push(f);
  }
}
