import { cmpU64 } from './glibc-bsearch.ts';

/**
 * Kernel symbols from a kallsyms text, looked up exactly as libtraceevent does
 * (%pS, %ps, the function plugin, stack traces): entries kept in reverse file
 * order, stable-sorted by address, found with glibc bsearch where a key matches
 * an entry when it equals its address or lies below the next entry's address.
 */
export class SymbolTable {
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  /** Where each name and module sits in the text (sorted order); strings are cut on first use. */
  private nameAt = new Int32Array(0);
  private nameEnd = new Int32Array(0);
  private modAt = new Int32Array(0);
  private modEnd = new Int32Array(0);
  /** Each symbol's kallsyms type letter (T, t, W, D ...), as its char code. */
  private types = new Uint8Array(0);
  private names: (string | undefined)[] = [];
  private count = 0;
  private parsed = false;
  private byName: Map<string, number> | null = null;
  /** Lines that could not be parsed; libtraceevent stops at the first one. */
  warning: string | null = null;

  constructor(private text: string = '') {}

  static fromEntries(entries: { addr: bigint; name: string; type?: string; module?: string }[]): SymbolTable {
    const lines = entries.map((e) => `${e.addr.toString(16).padStart(16, '0')} ${e.type ?? 'T'} ${e.name}${e.module ? `\t[${e.module}]` : ''}`);
    return new SymbolTable(lines.join('\n') + (lines.length ? '\n' : ''));
  }

  /** The kallsyms text this table was built from (written back into trace.dat files). */
  get source(): string {
    return this.text;
  }

  get size(): number {
    this.ensure();
    return this.count;
  }

  /**
   * Parses the text once, on first use, into typed arrays (no object or
   * string per line: a real kallsyms has 10^5 lines and a report may never
   * look a symbol up).
   */
  private ensure(): void {
    if (this.parsed) return;
    this.parsed = true;
    const t = this.text;
    let cap = 1024;
    let his = new Uint32Array(cap);
    let los = new Uint32Array(cap);
    let pos4 = new Int32Array(cap * 4);
    let typ = new Uint8Array(cap);
    let count = 0;
    let sorted = true;
    let pos = 0;
    const n = t.length;
    const r = SCRATCH;
    while (pos < n) {
      let end = t.indexOf('\n', pos);
      if (end < 0) end = n;
      if (end > pos) {
        if (!parseLine(t, pos, end, r)) {
          this.warning = `Failed to parse kallsyms line: ${t.slice(pos, Math.min(end, pos + 80))}`;
          break;
        }
        if (t.charCodeAt(r.nameAt) !== 36 /* $ */ && r.type !== 65 /* A */ && r.type !== 97 /* a */) {
          if (count === cap) {
            cap *= 2;
            his = grow(his, cap);
            los = grow(los, cap);
            const p2 = new Int32Array(cap * 4);
            p2.set(pos4);
            pos4 = p2;
            const t2 = new Uint8Array(cap);
            t2.set(typ);
            typ = t2;
          }
          if (count && sorted && cmpU64(his[count - 1], los[count - 1], r.hi, r.lo) > 0) sorted = false;
          his[count] = r.hi;
          los[count] = r.lo;
          pos4[4 * count] = r.nameAt;
          pos4[4 * count + 1] = r.nameEnd;
          pos4[4 * count + 2] = r.modAt;
          pos4[4 * count + 3] = r.modEnd;
          typ[count] = r.type;
          count++;
        }
      }
      pos = end + 1;
    }
    // libtraceevent prepends each entry to a list, then sorts stably by address: equal
    // addresses end up in reverse file order. A kallsyms in address order needs no sort.
    const order = new Int32Array(count);
    if (sorted) {
      let i = 0;
      while (i < count) {
        let j = i + 1;
        while (j < count && his[j] === his[i] && los[j] === los[i]) j++;
        for (let k = i; k < j; k++) order[k] = j - 1 - (k - i);
        i = j;
      }
    } else {
      const idx = new Array<number>(count);
      for (let i = 0; i < count; i++) idx[i] = count - 1 - i;
      idx.sort((a, b) => cmpU64(his[a], los[a], his[b], los[b]));
      for (let i = 0; i < count; i++) order[i] = idx[i];
    }
    this.count = count;
    this.hi = new Uint32Array(count);
    this.lo = new Uint32Array(count);
    this.nameAt = new Int32Array(count);
    this.nameEnd = new Int32Array(count);
    this.modAt = new Int32Array(count);
    this.modEnd = new Int32Array(count);
    this.types = new Uint8Array(count);
    this.names = new Array<string | undefined>(count);
    for (let i = 0; i < count; i++) {
      const k = order[i];
      this.hi[i] = his[k];
      this.lo[i] = los[k];
      this.nameAt[i] = pos4[4 * k];
      this.nameEnd[i] = pos4[4 * k + 1];
      this.modAt[i] = pos4[4 * k + 2];
      this.modEnd[i] = pos4[4 * k + 3];
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
    return (this.names[i] ??= this.text.slice(this.nameAt[i], this.nameEnd[i]));
  }
  /** The kallsyms type letter of symbol i ("T", "t", "W" ...). */
  type(i: number): string {
    return String.fromCharCode(this.types[i]);
  }
  module(i: number): string | null {
    return this.modAt[i] < 0 ? null : this.text.slice(this.modAt[i], this.modEnd[i]);
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

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** One parsed line: the address, the type letter's code, and where the name and module are. */
interface Line {
  hi: number;
  lo: number;
  type: number;
  nameAt: number;
  nameEnd: number;
  modAt: number;
  modEnd: number;
}

const SCRATCH: Line = { hi: 0, lo: 0, type: 0, nameAt: 0, nameEnd: 0, modAt: -1, modEnd: -1 };

function grow(a: Uint32Array<ArrayBuffer>, cap: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

/** sscanf("%16llx %c %s\t[%s") of one kallsyms line, into `r`; false if it does not parse. */
function parseLine(t: string, p: number, end: number, r: Line): boolean {
  while (p < end && isSpace(t.charCodeAt(p))) p++;
  if (t.charCodeAt(p) === 48 && (t.charCodeAt(p + 1) | 32) === 120 && p + 2 < end && HEX[t.charCodeAt(p + 2)] >= 0) p += 2;
  let hi = 0;
  let lo = 0;
  let digits = 0;
  while (p < end && digits < 16) {
    const c = t.charCodeAt(p);
    const v = c < 128 ? HEX[c] : -1;
    if (v < 0) break;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | v) >>> 0;
    digits++;
    p++;
  }
  if (!digits) return false;
  while (p < end && isSpace(t.charCodeAt(p))) p++;
  if (p >= end) return false;
  const type = t.charCodeAt(p++);
  while (p < end && isSpace(t.charCodeAt(p))) p++;
  const ns = p;
  while (p < end && !isSpace(t.charCodeAt(p))) p++;
  if (p === ns) return false;
  r.hi = hi;
  r.lo = lo;
  r.type = type;
  r.nameAt = ns;
  r.nameEnd = p;
  r.modAt = -1;
  r.modEnd = -1;
  if (t.charCodeAt(p) === 9 && t.charCodeAt(p + 1) === 91 /* [ */) {
    const ms = p + 2;
    let q = ms;
    while (q < end && !isSpace(t.charCodeAt(q))) q++;
    if (q > ms) {
      r.modAt = ms;
      r.modEnd = q - 1;
    }
  }
  return true;
}
