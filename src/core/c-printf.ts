/**
 * The subset of C printf that trace output uses, byte-exact with glibc for
 * integer and string conversions. Strings are latin1 (one char per byte), so
 * widths count bytes as C does.
 */
export interface CSpec {
  /** The conversion text as written, e.g. "%-5d". */
  text: string;
  left: boolean;
  zero: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  /** Field width; -1 when absent; -2 when given by `*`. */
  width: number;
  /** Precision; -1 when absent; -2 when given by `*`. */
  precision: number;
  /** Integer size in bits implied by the length modifier (hh=8, h=16, none=32, l/ll/L/z/j/t=64). */
  bits: number;
  conv: string;
}

const cache = new Map<string, CSpec>();

/** Parses one conversion such as "%-5d" or "%.*s" (the text starts with '%'). */
export function parseSpec(text: string): CSpec {
  const hit = cache.get(text);
  if (hit) return hit;
  const spec: CSpec = { text, left: false, zero: false, plus: false, space: false, alt: false, width: -1, precision: -1, bits: 32, conv: 's' };
  let i = 1;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '-') spec.left = true;
    else if (c === '0') spec.zero = true;
    else if (c === '+') spec.plus = true;
    else if (c === ' ') spec.space = true;
    else if (c === '#') spec.alt = true;
    else break;
  }
  if (text[i] === '*') { spec.width = -2; i++; }
  else {
    let w = -1;
    while (i < text.length && text[i] >= '0' && text[i] <= '9') { w = (w < 0 ? 0 : w * 10) + (text.charCodeAt(i) - 48); i++; }
    spec.width = w;
  }
  if (text[i] === '.') {
    i++;
    if (text[i] === '*') { spec.precision = -2; i++; }
    else {
      let p = 0;
      while (i < text.length && text[i] >= '0' && text[i] <= '9') { p = p * 10 + (text.charCodeAt(i) - 48); i++; }
      spec.precision = p;
    }
  }
  let ls = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === 'h') ls--;
    else if (c === 'l') ls++;
    else if (c === 'L' || c === 'q') ls = 2;
    else if (c === 'z' || c === 'Z' || c === 'j' || c === 't') ls = 1;
    else break;
  }
  spec.bits = ls <= -2 ? 8 : ls === -1 ? 16 : ls === 0 ? 32 : 64;
  spec.conv = text[i] ?? 's';
  cache.set(text, spec);
  return spec;
}

function pad(body: string, spec: CSpec, width: number, zeroOk: boolean, prefixLen: number): string {
  if (width <= body.length) return body;
  const n = width - body.length;
  if (spec.left) return body + ' '.repeat(n);
  if (spec.zero && zeroOk) return body.slice(0, prefixLen) + '0'.repeat(n) + body.slice(prefixLen);
  return ' '.repeat(n) + body;
}

/**
 * Formats an integer conversion (d i u x X o c). `value` is the raw bits; the
 * length modifier truncates it and the conversion decides signedness, as C does.
 */
export function formatInt(spec: CSpec, value: number | bigint, star?: number): string {
  const conv = spec.conv;
  let { width, precision, left } = spec;
  if (width === -2) { width = star ?? 0; if (width < 0) { left = true; width = -width; } }
  if (precision === -2) { precision = star ?? -1; if (precision < 0) precision = -1; }
  const signed = conv === 'd' || conv === 'i';
  let neg = false;
  let digits: string;
  if (conv === 'c') {
    const ch = String.fromCharCode(Number(BigInt.asUintN(8, BigInt(value))));
    return pad(ch, { ...spec, left }, width, false, 0);
  }
  if (typeof value === 'number' && spec.bits <= 32 && Number.isSafeInteger(value)) {
    let v: number;
    if (spec.bits === 32) v = signed ? value | 0 : value >>> 0;
    else if (spec.bits === 16) { v = value & 0xffff; if (signed && v >= 0x8000) v -= 0x10000; }
    else { v = value & 0xff; if (signed && v >= 0x80) v -= 0x100; }
    if (v < 0) { neg = true; v = -v; }
    digits = v.toString(conv === 'x' || conv === 'X' ? 16 : conv === 'o' ? 8 : 10);
  } else {
    let v = BigInt.asUintN(spec.bits, typeof value === 'bigint' ? value : BigInt(value));
    if (signed) v = BigInt.asIntN(spec.bits, v);
    if (v < 0n) { neg = true; v = -v; }
    digits = v.toString(conv === 'x' || conv === 'X' ? 16 : conv === 'o' ? 8 : 10);
  }
  if (conv === 'X') digits = digits.toUpperCase();
  const isZero = digits === '0';
  if (precision >= 0) {
    if (precision === 0 && isZero) digits = '';
    else if (digits.length < precision) digits = '0'.repeat(precision - digits.length) + digits;
  }
  let prefix = '';
  if (signed) prefix = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  else if (spec.alt && !isZero && (conv === 'x' || conv === 'X')) prefix = conv === 'x' ? '0x' : '0X';
  if (spec.alt && conv === 'o' && digits[0] !== '0') digits = '0' + digits;
  const body = prefix + digits;
  return pad(body, left === spec.left ? spec : { ...spec, left }, width, precision < 0, prefix.length);
}

/** Formats a %s conversion. */
export function formatStr(spec: CSpec, s: string, star?: number): string {
  let { width, precision, left } = spec;
  if (width === -2) { width = star ?? 0; if (width < 0) { left = true; width = -width; } }
  if (precision === -2) { precision = star ?? -1; if (precision < 0) precision = -1; }
  if (precision >= 0 && s.length > precision) s = s.slice(0, precision);
  if (width <= s.length) return s;
  return left ? s + ' '.repeat(width - s.length) : ' '.repeat(width - s.length) + s;
}

/** glibc's %p: "(nil)" for NULL, otherwise 0x and lowercase hex. */
export function formatPointer(v: bigint): string {
  return v === 0n ? '(nil)' : '0x' + v.toString(16);
}

/** Right-aligns `s` in `width` (C "%<width>s"). */
export function padLeft(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}
/** Left-aligns `s` in `width` (C "%-<width>s"). */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}
