/**
 * libtraceevent's tokenizer for format files. Its quirks decide how print fmts
 * parse (strings end at a non-printable byte, adjacent strings concatenate,
 * "->", "<<=", "&&" are single tokens), so it is reproduced rather than replaced
 * by a C lexer. Input is latin1 text: one char per byte.
 */
export const enum T {
  ERROR,
  NONE,
  SPACE,
  NEWLINE,
  OP,
  DELIM,
  ITEM,
  DQUOTE,
  SQUOTE,
}

export type Tok = [T, string];

function isPrint(c: number): boolean {
  return c >= 32 && c < 127;
}
export function isSpaceChar(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function charType(c: number): T {
  if (c === 10) return T.NEWLINE;
  if (isSpaceChar(c)) return T.SPACE;
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return T.ITEM;
  if (c === 39) return T.SQUOTE;
  if (c === 34) return T.DQUOTE;
  if (!isPrint(c)) return T.NONE;
  if (c === 40 || c === 41 || c === 44) return T.DELIM;
  return T.OP;
}

/** Macros of old mac80211 formats that libtraceevent substitutes. */
const FORCED: Record<string, string> = {
  LOCAL_PR_FMT: '%s',
  STA_PR_FMT: ' sta:%pM',
  VIF_PR_FMT: ' vif:%p(%d)',
};

export class Lexer {
  pos = 0;
  constructor(readonly src: string, start = 0) {
    this.pos = start;
  }

  private read(): number {
    if (this.pos >= this.src.length) return -1;
    const c = this.src.charCodeAt(this.pos++);
    return c >= 128 ? c - 256 : c; // C `char` is signed
  }
  private peek(): number {
    if (this.pos >= this.src.length) return -1;
    const c = this.src.charCodeAt(this.pos);
    return c >= 128 ? c - 256 : c;
  }

  /** __read_token: one token including spaces and newlines. */
  raw(): Tok {
    const ch0 = this.read();
    if (ch0 < 0) return [T.NONE, ''];
    const type = charType(ch0);
    if (type === T.NONE) return [T.NONE, ''];
    let buf = String.fromCharCode(ch0);
    switch (type) {
      case T.NEWLINE:
      case T.DELIM:
        return [type, buf];
      case T.OP: {
        let ch = ch0;
        let testEqual = false;
        if (ch === 45 /* - */ && this.peek() === 62 /* > */) {
          buf += String.fromCharCode(this.read());
          return [type, buf];
        }
        if (ch === 45 || ch === 43 || ch === 124 || ch === 38 || ch === 62 || ch === 60) {
          const last = ch;
          ch = this.peek();
          if (ch !== last) testEqual = true;
          else {
            buf += String.fromCharCode(this.read());
            if (last === 62 || last === 60) testEqual = true;
            else return [type, buf];
          }
        } else if (ch === 33 || ch === 61) testEqual = true;
        else return [type, buf];
        if (testEqual && this.peek() === 61) buf += String.fromCharCode(this.read());
        return [type, buf];
      }
      case T.DQUOTE:
      case T.SQUOTE: {
        const quote = ch0;
        let out = '';
        let ch = ch0;
        let last = 0;
        let resultType: T = type;
        for (;;) {
          do {
            last = ch;
            ch = this.read();
            out += ch >= 0 ? String.fromCharCode(ch & 0xff) : '';
            if (ch === 92 && last === 92) last = 0;
            if (ch <= 0) break;
          } while ((ch !== quote && isPrint(ch)) || last === 92 || ch === 10);
          // drop the closing quote (or whatever ended the string)
          if (ch >= 0) out = out.slice(0, -1);
          if (ch <= 0) resultType = T.NONE;
          if (resultType === T.DQUOTE) {
            const save = this.pos;
            let c: number;
            do c = this.read(); while (c >= 0 && isSpaceChar(c));
            if (c === 34) {
              ch = 34;
              continue;
            }
            this.pos = save;
          }
          break;
        }
        return [resultType, out];
      }
      default:
        break;
    }
    while (this.pos < this.src.length && charType(this.peek() & 0xff) === type && this.peek() >= 0) buf += String.fromCharCode(this.read());
    if (type === T.ITEM && Object.hasOwn(FORCED, buf)) return [T.DQUOTE, FORCED[buf]];
    return [type, buf];
  }

  /** tep_read_token: skips spaces, keeps newlines. */
  token(): Tok {
    for (;;) {
      const t = this.raw();
      if (t[0] !== T.SPACE) return t;
    }
  }

  /** read_token_item: skips spaces and newlines. */
  item(): Tok {
    for (;;) {
      const t = this.raw();
      if (t[0] !== T.SPACE && t[0] !== T.NEWLINE) return t;
    }
  }
}

export function isItemType(t: T): boolean {
  return t === T.ITEM || t === T.DQUOTE || t === T.SQUOTE;
}
