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
  private names: string[] = [];
  private mods: (string | null)[] = [];
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
    return this.names.length;
  }

  private ensure(): void {
    if (this.parsed) return;
    this.parsed = true;
    const t = this.text;
    const his: number[] = [];
    const los: number[] = [];
    const names: string[] = [];
    const mods: (string | null)[] = [];
    let pos = 0;
    const n = t.length;
    while (pos < n) {
      let end = t.indexOf('\n', pos);
      if (end < 0) end = n;
      if (end > pos) {
        const r = parseLine(t, pos, end);
        if (!r) {
          this.warning = `Failed to parse kallsyms line: ${t.slice(pos, Math.min(end, pos + 80))}`;
          break;
        }
        if (r.name.charCodeAt(0) !== 36 /* $ */ && r.type !== 'A' && r.type !== 'a') {
          his.push(r.hi);
          los.push(r.lo);
          names.push(r.name);
          mods.push(r.mod);
        }
      }
      pos = end + 1;
    }
    // libtraceevent prepends each entry to a list, then sorts stably by address.
    const count = names.length;
    const order = new Array<number>(count);
    for (let i = 0; i < count; i++) order[i] = count - 1 - i;
    order.sort((a, b) => cmpU64(his[a], los[a], his[b], los[b]));
    this.hi = new Uint32Array(count);
    this.lo = new Uint32Array(count);
    this.names = new Array<string>(count);
    this.mods = new Array<string | null>(count);
    for (let i = 0; i < count; i++) {
      const k = order[i];
      this.hi[i] = his[k];
      this.lo[i] = los[k];
      this.names[i] = names[k];
      this.mods[i] = mods[k];
    }
  }

  /** Index of the symbol containing the address (hi:lo), or -1. glibc bsearch, inlined (hot path). */
  find(hi: number, lo: number): number {
    this.ensure();
    const H = this.hi;
    const L = this.lo;
    const n = this.names.length;
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
    return this.names[i];
  }
  module(i: number): string | null {
    return this.mods[i];
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
    for (let j = i + 1; j < this.names.length; j++) {
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
      for (let i = this.names.length - 1; i >= 0; i--) this.byName.set(this.names[i], i);
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

/** sscanf("%16llx %c %s\t[%s") of one kallsyms line. */
function parseLine(t: string, p: number, end: number): { hi: number; lo: number; type: string; name: string; mod: string | null } | null {
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
  if (!digits) return null;
  while (p < end && isSpace(t.charCodeAt(p))) p++;
  if (p >= end) return null;
  const type = t[p++];
  while (p < end && isSpace(t.charCodeAt(p))) p++;
  const ns = p;
  while (p < end && !isSpace(t.charCodeAt(p))) p++;
  if (p === ns) return null;
  const name = t.slice(ns, p);
  let mod: string | null = null;
  if (t.charCodeAt(p) === 9 && t.charCodeAt(p + 1) === 91 /* [ */) {
    const ms = p + 2;
    let q = ms;
    while (q < end && !isSpace(t.charCodeAt(q))) q++;
    if (q > ms) mod = t.slice(ms, q - 1);
  }
  return { hi, lo, type, name, mod };
}
