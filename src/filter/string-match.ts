import { latin1Bytes } from '../core/latin1.ts';

/**
 * String predicates of kernel event filters (trace_events_filter.c): `==`/`!=`
 * compare like strncmp within the field, `~` takes a glob. The kernel's
 * filter_parse_regex turns simple globs into front/middle/end matches, whose
 * C semantics are kept here, quirks included (an end match on a fixed char
 * array compares the end of the array, not of the string).
 */
export type Matcher = (b: Uint8Array, at: number, len: number) => boolean;

export interface StringPattern {
  match: Matcher;
  /** A leading '!' in a glob inverts it. */
  not: boolean;
}

function cstrlen(b: Uint8Array, at: number, max: number): number {
  let n = 0;
  while (n < max && b[at + n] !== 0) n++;
  return n;
}

/** strncmp(str, pattern, len) == 0, or strcmp when len is 0. */
function fullMatcher(p: Uint8Array): Matcher {
  return (b, at, len) => {
    const lim = len === 0 ? Infinity : len;
    for (let i = 0; i < lim; i++) {
      const c = at + i < b.length ? b[at + i] : 0;
      const d = i < p.length ? p[i] : 0;
      if (c !== d) return false;
      if (c === 0) return true;
    }
    return true;
  };
}

/** glob_match from lib/glob.c: *, ?, [a-z] classes with ! negation, backslash escapes; whole-string match. */
export function globMatch(pat: Uint8Array, str: Uint8Array): boolean {
  const P = (i: number) => (i < pat.length ? pat[i] : 0);
  const S = (i: number) => (i < str.length ? str[i] : 0);
  let p = 0;
  let s = 0;
  let backP = -1;
  let backS = 0;
  for (;;) {
    const c = S(s++);
    let d = P(p++);
    let literal = false;
    let backtrack = false;
    if (d === 63 /* ? */) {
      if (c === 0) return false;
    } else if (d === 42 /* * */) {
      if (P(p) === 0) return true;
      backP = p;
      backS = --s;
    } else if (d === 91 /* [ */) {
      if (c === 0) return false;
      let match = false;
      const inverted = P(p) === 33;
      let cls = p + (inverted ? 1 : 0);
      let a = P(cls++);
      let malformed = false;
      do {
        let b = a;
        if (a === 0) {
          malformed = true;
          break;
        }
        if (P(cls) === 45 && P(cls + 1) !== 93) {
          b = P(cls + 1);
          if (b === 0) {
            malformed = true;
            break;
          }
          cls += 2;
        }
        match = match || (a <= c && c <= b);
        a = P(cls++);
      } while (a !== 93);
      if (malformed) literal = true;
      else if (match === inverted) backtrack = true;
      else p = cls;
    } else {
      if (d === 92 /* \\ */) d = P(p++);
      literal = true;
    }
    if (literal) {
      if (c === d) {
        if (d === 0) return true;
        continue;
      }
      backtrack = true;
    }
    if (backtrack) {
      if (c === 0 || backP < 0) return false;
      p = backP;
      s = ++backS;
    }
  }
}

/**
 * Builds the matcher for a string predicate. `glob` is true for `~`
 * (filter_parse_regex), false for `==`/`!=` (a full match).
 */
export function stringPattern(text: string, glob: boolean): StringPattern {
  if (!glob) return { match: fullMatcher(latin1Bytes(text)), not: false };
  let buff = text;
  let not = false;
  if (buff[0] === '!') {
    not = true;
    buff = buff.slice(1);
  }
  type Kind = 'full' | 'front' | 'middle' | 'end' | 'glob';
  let kind: Kind = 'full';
  if (!(buff[0] >= '0' && buff[0] <= '9')) {
    for (let i = 0; i < buff.length; i++) {
      if (buff[i] === '*') {
        if (i === 0) kind = 'end';
        else if (i === buff.length - 1) {
          kind = kind === 'end' ? 'middle' : 'front';
          buff = buff.slice(0, i);
          break;
        } else {
          kind = 'glob';
          break;
        }
      } else if ('[?\\'.includes(buff[i])) {
        kind = 'glob';
        break;
      }
    }
  }
  if (kind !== 'glob' && buff[0] === '*') buff = buff.slice(1);
  const pat = latin1Bytes(buff);
  const L = pat.length;
  let match: Matcher;
  switch (kind) {
    case 'full':
      match = fullMatcher(pat);
      break;
    case 'front':
      match = (b, at, len) => {
        if (len && len < L) return false;
        for (let i = 0; i < L; i++) {
          const c = at + i < b.length ? b[at + i] : 0;
          if (c !== pat[i]) return false;
          if (c === 0) return true;
        }
        return true;
      };
      break;
    case 'middle':
      match = (b, at, len) => {
        const n = len === 0 ? cstrlen(b, at, b.length - at) : len;
        // strnstr compares raw bytes within len (or strstr up to the NUL)
        for (let s = 0; s + L <= n; s++) {
          let k = 0;
          while (k < L && b[at + s + k] === pat[k]) k++;
          if (k === L) return true;
        }
        return false;
      };
      break;
    case 'end':
      match = (b, at, len) => {
        const strlen = len - 1;
        if (strlen < L) return false;
        for (let k = 0; k < L; k++) if (b[at + strlen - L + k] !== pat[k]) return false;
        return true;
      };
      break;
    case 'glob':
      match = (b, at, len) => {
        const n = cstrlen(b, at, len === 0 ? b.length - at : Math.max(len, 0));
        return globMatch(pat, b.subarray(at, at + n));
      };
      break;
  }
  return { match, not };
}
