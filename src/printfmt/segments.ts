import type { Arg, Segment } from './ast.ts';

/**
 * Splits a format string into literal text and conversions bound to arguments
 * (libtraceevent's print cache). A conversion it does not know prints as ">x<";
 * running out of arguments or a bad length marks the event as failed.
 */
export function buildSegments(format: string, args: Arg[]): { segments: Segment[]; failed: string | null } {
  const segments: Segment[] = [];
  let failed: string | null = null;
  let ai = 0;
  let pos = 0;
  let len = format.length;
  while (pos < format.length) {
    let ret: number;
    if (format[pos] === '%' && format[pos + 1] !== '%') {
      const r = conversion(format, pos);
      ret = r.ret;
      if (r.fail) failed ??= r.fail;
    } else {
      ret = literal(format, pos);
    }
    len -= ret;
    if (len > 0) pos += ret;
    else break;
  }
  return { segments, failed };

  function literal(f: string, start: number): number {
    let out = '';
    let ret = 0;
    let i = start;
    for (; i < f.length; i++) {
      const c = f[i];
      if (c === '\\') {
        i++;
        ret++;
        const e = f[i];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '\\' ? '\\' : (e ?? '');
      } else if (c === '%') {
        if (f[i + 1] === '%') {
          out += '%';
          i++;
          ret++;
        } else break;
      } else out += c;
      ret++;
    }
    segments.push({ kind: 'text', format: out, arg: null, lenArg: null, ls: 0 });
    return ret;
  }

  function take(): Arg | null {
    return ai < args.length ? args[ai++] : null;
  }

  function conversion(f: string, start: number): { ret: number; fail: string | null } {
    let lenArg: Arg | null = null;
    let ret = 1;
    let ls = 0;
    let i = start + 1;
    for (; i < f.length; i++) {
      const c = f[i];
      switch (c) {
        case '#': break;
        case 'h': ls--; break;
        case 'l': ls++; break;
        case 'L': ls = 2; break;
        case 'z': case 'Z': ls = 1; break;
        // libtraceevent 1.7 knows no '+' or ' ' flag: they print as ">+<"
        case '.': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        case '-':
          break;
        case '*':
          if (ai >= args.length) return { ret, fail: 'no argument match' };
          if (lenArg) return { ret, fail: 'argument already matched' };
          lenArg = take();
          break;
        case 'p': {
          if (ai >= args.length) return { ret, fail: 'no argument match' };
          const res = pointerExtra(f, i + 1);
          i += res;
          ret += res;
          const text = f.slice(start, Math.min(i + 1, start + 31));
          segments.push({ kind: 'pointer', format: text, arg: take(), lenArg, ls });
          return { ret: ret + 1, fail: null };
        }
        case 'd': case 'u': case 'i': case 'x': case 'X': case 'o': {
          if (ai >= args.length) return { ret, fail: 'no argument match' };
          const text = f.slice(start, i + 1);
          const fail = ls < -2 || ls > 2 ? `bad count (${ls})` : null;
          segments.push({ kind: 'digit', format: text.length > 30 ? text.slice(0, 31) : text, arg: take(), lenArg, ls });
          return { ret: ret + 1, fail };
        }
        case 's': {
          if (ai >= args.length) return { ret, fail: 'no matching argument' };
          segments.push({ kind: 'string', format: f.slice(start, Math.min(i + 1, start + 31)), arg: take(), lenArg, ls: 0 });
          return { ret: ret + 1, fail: null };
        }
        default:
          segments.push({ kind: 'text', format: `>${c}<`, arg: null, lenArg: null, ls: 0 });
          return { ret: ret + 1, fail: null };
      }
      ret++;
    }
    return { ret, fail: null };
  }
}

/** How many characters after "%p" belong to the pointer conversion (%pS, %pI4h, %pUb, ...). */
function pointerExtra(f: string, p: number): number {
  let ret = 0;
  switch (f[p]) {
    case 'F': case 'S': case 'f': case 's':
      return 1;
    case 'M': case 'm':
      if (f[p + 1] === 'R' || f[p + 1] === 'F') ret++;
      return ret + 1;
    case 'I': case 'i': {
      let index = 2;
      const v = f[p + 1];
      if (v === 'S') {
        while (f[p + index] === 'p' || f[p + index] === 'f' || f[p + index] === 's') {
          ret++;
          index++;
        }
      }
      if (v === 'S' || v === '4') {
        if ('hnlb'.includes(f[p + index] ?? '#') && f[p + index] !== undefined) {
          ret++;
          index++;
        }
        if (v === '4') return ret + 2;
      }
      if (v === 'S' || v === '6') {
        if (f[p + index] === 'c') ret++;
        ret++;
      }
      return ret + 1;
    }
    case 'U':
      if ('LlBb'.includes(f[p + 1] ?? '#') && f[p + 1] !== undefined) ret++;
      return ret + 1;
    case 'h':
      if ('CDN'.includes(f[p + 1] ?? '#') && f[p + 1] !== undefined) ret++;
      return ret + 1;
    default:
      return 0;
  }
}
