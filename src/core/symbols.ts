import { latin1Bytes, latin1Text } from './latin1.ts';

/**
 * Kernel symbols from a kallsyms text, looked up exactly as libtraceevent does
 * (%pS, %ps, the function plugin, stack traces): entries kept in reverse file
 * order, stable-sorted by address, found with glibc bsearch where a key matches
 * an entry when it equals its address or lies below the next entry's address.
 */
export class SymbolTable {
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  /**
   * Where each name starts in the bytes (sorted order). Its end and its
   * module are found on first use: scanning every name at load time was
   * most of the parse (a real kallsyms has 10^5 lines, a report looks up
   * tens of symbols).
   */
  private nameAt = new Int32Array(0);
  /** Each symbol's kallsyms type letter (T, t, W, D ...), as its char code. */
  private types = new Uint8Array(0);
  private names: (string | undefined)[] = [];
  private count = 0;
  private parsed = false;
  private byName: Map<string, number> | null = null;
  private bytes: Uint8Array;
  private text: string | null;
  /** Lines that could not be parsed; libtraceevent stops at the first one. */
  warning: string | null = null;

  /** A kallsyms text, or its bytes as a trace.dat holds them (read as Latin-1, no copy made). */
  constructor(source: string | Uint8Array = '') {
    if (typeof source === 'string') {
      this.text = source;
      this.bytes = latin1Bytes(source);
    } else {
      this.text = null;
      this.bytes = source;
    }
  }

  static fromEntries(entries: { addr: bigint; name: string; type?: string; module?: string }[]): SymbolTable {
    const lines = entries.map((e) => `${e.addr.toString(16).padStart(16, '0')} ${e.type ?? 'T'} ${e.name}${e.module ? `\t[${e.module}]` : ''}`);
    return new SymbolTable(lines.join('\n') + (lines.length ? '\n' : ''));
  }

  /** The kallsyms text this table was built from (written back into trace.dat files). */
  get source(): string {
    return (this.text ??= latin1Text(this.bytes, 0, this.bytes.length));
  }

  get size(): number {
    this.ensure();
    return this.count;
  }

  /**
   * Parses the bytes once, on first use, into typed arrays (no object or
   * string per line: a report may never look a symbol up).
   */
  private ensure(): void {
    if (this.parsed) return;
    this.parsed = true;
    const b = this.bytes;
    const n = b.length;
    // a real kallsyms line is 30-60 bytes: start there and double (room for every shortest
    // line, a sixth of the bytes, held 12 MB of a 5 MB kallsyms at once)
    let cap = (n >>> 5) + 16;
    let his = new Uint32Array(cap);
    let los = new Uint32Array(cap);
    let at = new Int32Array(cap);
    let typ = new Uint8Array(cap);
    let count = 0;
    let sorted = true;
    let pos = 0;
    while (pos < n) {
      let end = b.indexOf(10, pos);
      if (end < 0) end = n;
      let hi = 0;
      let lo = 0;
      let type = 0;
      let p = -1;
      // The line /proc/kallsyms writes (s_show(), kernel/kallsyms.c, 6.18: "%px %c %s"): 16
      // hex digits, a space, the type, a space, the name. Read two digits a lookup and with no
      // call per line: the parse runs once per command, much of it before V8 has optimized it,
      // so fewer steps per line are what count. What it accepts, the general reading below
      // reads the same way (test/core/symbols.test.ts holds the two to it).
      if (end - pos > 19 && b[pos + 16] === 32 && b[pos + 18] === 32) {
        const h0 = HEX2[(b[pos] << 8) | b[pos + 1]];
        const h1 = HEX2[(b[pos + 2] << 8) | b[pos + 3]];
        const h2 = HEX2[(b[pos + 4] << 8) | b[pos + 5]];
        const h3 = HEX2[(b[pos + 6] << 8) | b[pos + 7]];
        const l0 = HEX2[(b[pos + 8] << 8) | b[pos + 9]];
        const l1 = HEX2[(b[pos + 10] << 8) | b[pos + 11]];
        const l2 = HEX2[(b[pos + 12] << 8) | b[pos + 13]];
        const l3 = HEX2[(b[pos + 14] << 8) | b[pos + 15]];
        const t = b[pos + 17];
        const c = b[pos + 19];
        if ((h0 | h1 | h2 | h3 | l0 | l1 | l2 | l3) >= 0 && t !== 32 && (t < 9 || t > 13) && c !== 32 && (c < 9 || c > 13)) {
          hi = ((h0 << 24) | (h1 << 16) | (h2 << 8) | h3) >>> 0;
          lo = ((l0 << 24) | (l1 << 16) | (l2 << 8) | l3) >>> 0;
          type = t;
          p = pos + 19;
        }
      }
      if (p < 0) {
        if (end === pos) {
          pos = end + 1;
          continue;
        }
        // sscanf("%16llx %c %s\t[%s") of one line, libtraceevent's; the name's end and the module later
        p = pos;
        while (p < end && isSpace(b[p])) p++;
        if (b[p] === 48 && (b[p + 1] | 32) === 120 && p + 2 < end && HEX[b[p + 2]] >= 0) p += 2;
        let digits = 0;
        while (p < end && digits < 16) {
          const v = HEX[b[p]];
          if (v < 0) break;
          hi = ((hi << 4) | (lo >>> 28)) >>> 0;
          lo = ((lo << 4) | v) >>> 0;
          digits++;
          p++;
        }
        while (p < end && isSpace(b[p])) p++;
        type = b[p++];
        while (p < end && isSpace(b[p])) p++;
        if (!digits || p >= end) {
          this.warning = `Failed to parse kallsyms line: ${latin1Text(b, pos, Math.min(end, pos + 80))}`;
          break;
        }
      }
      if (b[p] !== 36 /* $ */ && type !== 65 /* A */ && type !== 97 /* a */) {
        if (count === cap) {
          cap *= 2;
          his = grown(his, cap);
          los = grown(los, cap);
          at = grown(at, cap);
          typ = grown(typ, cap);
        }
        // the order compared in place (cmpU64() of glibc-bsearch.ts, with no call per line)
        if (sorted && count && (hi < his[count - 1] || (hi === his[count - 1] && lo < los[count - 1]))) sorted = false;
        his[count] = hi;
        los[count] = lo;
        at[count] = p;
        typ[count] = type;
        count++;
      }
      pos = end + 1;
    }
    // libtraceevent prepends each entry to a list, then sorts stably by address: equal
    // addresses end up in reverse file order. A kallsyms in address order (the usual
    // one) needs no sort: its runs of equal addresses are reversed in place and the
    // arrays kept as they are (their unused tail was never written, so never resident);
    // a copy in sorted order took 2 MB more for a 5 MB kallsyms, and time (the index of
    // real-ipi's 5.4 MB, warm, three calls in each of three processes: 16-17 ms against
    // 21-27 ms in two of the processes, 16-18 in the third).
    this.count = count;
    this.names = new Array<string | undefined>(count);
    if (sorted) {
      let i = 0;
      while (i < count) {
        let j = i + 1;
        while (j < count && his[j] === his[i] && los[j] === los[i]) j++;
        for (let a = i, b = j - 1; a < b; a++, b--) {
          const t = at[a];
          at[a] = at[b];
          at[b] = t;
          const y = typ[a];
          typ[a] = typ[b];
          typ[b] = y;
        }
        i = j;
      }
      this.hi = his.subarray(0, count);
      this.lo = los.subarray(0, count);
      this.nameAt = at.subarray(0, count);
      this.types = typ.subarray(0, count);
      return;
    }
    const order = stableOrder(his, los, count);
    this.hi = new Uint32Array(count);
    this.lo = new Uint32Array(count);
    this.nameAt = new Int32Array(count);
    this.types = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const k = order[i];
      this.hi[i] = his[k];
      this.lo[i] = los[k];
      this.nameAt[i] = at[k];
      this.types[i] = typ[k];
    }
  }

  /** Index of the symbol containing the address (hi:lo), or -1. glibc bsearch, inlined (hot path). */
  find(hi: number, lo: number): number {
    this.ensure();
    const H = this.hi;
    const L = this.lo;
    const n = this.count;
    let l = 0;
    let u = n;
    while (l < u) {
      const i = (l + u) >>> 1;
      const h = H[i];
      const lw = L[i];
      if (hi < h || (hi === h && lo < lw)) {
        u = i;
        continue;
      }
      if (hi === h && lo === lw) return i;
      // key > entry i: it matches when below the next entry (a sentinel at address 0 follows the last)
      if (i + 1 < n) {
        const nh = H[i + 1];
        if (hi < nh || (hi === nh && lo < L[i + 1])) return i;
      }
      l = i + 1;
    }
    return -1;
  }

  findBig(addr: bigint): number {
    const a = BigInt.asUintN(64, addr);
    return this.find(Number(a >> 32n), Number(a & 0xffffffffn));
  }

  name(i: number): string {
    return (this.names[i] ??= latin1Text(this.bytes, this.nameAt[i], this.nameEnd(i)));
  }
  /** The kallsyms type letter of symbol i ("T", "t", "W" ...). */
  type(i: number): string {
    return String.fromCharCode(this.types[i]);
  }
  /** The module of symbol i: what follows its name as "\t[module]" (%s stops at a space, "]" cut). */
  module(i: number): string | null {
    const b = this.bytes;
    const p = this.nameEnd(i);
    if (b[p] !== 9 || b[p + 1] !== 91 /* [ */) return null;
    const ms = p + 2;
    let q = ms;
    while (q < b.length && !isSpace(b[q])) q++;
    return q > ms ? latin1Text(b, ms, q - 1) : null;
  }
  private nameEnd(i: number): number {
    const b = this.bytes;
    let p = this.nameAt[i];
    while (p < b.length && !isSpace(b[p])) p++;
    return p;
  }
  address(i: number): bigint {
    return (BigInt(this.hi[i]) << 32n) | BigInt(this.lo[i]);
  }

  /**
   * Size of symbol i as the kernel's kallsyms lookup reports it (the `/0x..`
   * of %pS): the distance to the next symbol at a higher address; 0 for the last.
   */
  sizeOf(i: number): number {
    this.ensure();
    const a = this.address(i);
    for (let j = i + 1; j < this.count; j++) {
      const b = this.address(j);
      if (b > a) return Number(b - a);
    }
    return 0;
  }

  /** Offset of (hi:lo) from the start of symbol i, as a number when it fits (hot path). */
  offsetNum(i: number, hi: number, lo: number): number {
    if (hi === this.hi[i]) return lo - this.lo[i];
    return Number(this.offset(i, hi, lo));
  }

  /** Offset of (hi:lo) from the start of symbol i. */
  offset(i: number, hi: number, lo: number): bigint {
    if (hi === this.hi[i]) return BigInt(lo - this.lo[i]);
    return ((BigInt(hi) << 32n) | BigInt(lo)) - this.address(i);
  }

  /** Address of the first symbol (in sorted order) with this name; 0n if none. */
  addressOf(name: string): bigint {
    this.ensure();
    if (!this.byName) {
      this.byName = new Map();
      for (let i = this.count - 1; i >= 0; i--) this.byName.set(this.name(i), i);
    }
    const i = this.byName.get(name);
    return i === undefined ? 0n : this.address(i);
  }
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }
/** The value of two hex digits (the bytes as b0 << 8 | b1), -1 where either is not one: 484 entries set, not 65,536 looped over. */
const HEX2 = new Int16Array(65536).fill(-1);
for (const a of '0123456789abcdefABCDEF') for (const c of '0123456789abcdefABCDEF') HEX2[(a.charCodeAt(0) << 8) | c.charCodeAt(0)] = HEX[a.charCodeAt(0)] * 16 + HEX[c.charCodeAt(0)];

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Entries 0..n-1 taken in reverse (libtraceevent's list order) and sorted
 * stably by address (hi, lo): an LSD radix sort, 16 bits a pass, a pass
 * skipped when every key has the same digit there. A kallsyms with modules is
 * not in address order; a comparator sort of its 313 k entries (the HIP24
 * host trace) took ~90 ms.
 */
function stableOrder(his: Uint32Array, los: Uint32Array, n: number): Int32Array<ArrayBuffer> {
  let a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = n - 1 - i;
  if (n < 2) return a;
  let b = new Int32Array(n);
  const count = new Int32Array(65536);
  for (const [w, shift] of [[los, 0], [los, 16], [his, 0], [his, 16]] as const) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(w[i] >>> shift) & 0xffff]++;
    if (count[(w[0] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = a[i];
      b[count[(w[k] >>> shift) & 0xffff]++] = k;
    }
    [a, b] = [b, a];
  }
  return a;
}

/** A copy of `a` with room for `cap` entries. */
function grown<T extends Uint32Array | Int32Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}
