/**
 * Event texts read before, found from a line's bytes: keyed by the event's
 * name and its text as they are on the line (the padding between them left
 * out), so a line that repeats one needs no string made, sliced or hashed by
 * V8. Open addressing over a hash of the bytes read four at a time; a hit is
 * compared with the key, so it is always exact. Keys live in one arena.
 */
export class LineTable<T> {
  private slots = new Int32Array(1 << 12).fill(-1);
  private hashes: number[] = [];
  private nameLengths: number[] = [];
  private keyAt: number[] = [];
  private keyLengths: number[] = [];
  private arena = new Uint8Array(1 << 16);
  private arenaView = new DataView(this.arena.buffer);
  private used = 0;
  readonly names: string[] = [];
  readonly texts: string[] = [];
  readonly values: T[] = [];

  /** `seed`: random unless given (tests), so a text made to collide (every key in one chain) cannot be prepared in advance. */
  constructor(private seed = (Math.random() * 0x100000000) | 0) {}

  get size(): number {
    return this.keyAt.length;
  }

  /** The entry for name b[n0, n1) and text b[t, end) (dv: a view of b's bytes), or -1. */
  find(b: Uint8Array, dv: DataView, n0: number, n1: number, t: number, end: number): number {
    const nl = n1 - n0;
    const tl = end - t;
    const h = keyHash(dv, b, n0, n1, t, end, this.seed);
    const mask = this.slots.length - 1;
    const a = this.arena;
    const av = this.arenaView;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s];
      if (e < 0) return -1;
      if (this.hashes[e] !== h || this.nameLengths[e] !== nl || this.keyLengths[e] !== nl + tl) continue;
      const k = this.keyAt[e];
      if (same(av, a, k, dv, b, n0, nl) && same(av, a, k + nl, dv, b, t, tl)) return e;
    }
  }

  /** Adds an entry for an event's name and text; false (not added) when a char of them is not one byte. */
  add(name: string, text: string, value: T): boolean {
    const nl = name.length;
    const len = nl + text.length;
    if (this.used + len > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
      this.arenaView = new DataView(a.buffer);
    }
    const k = this.used;
    const a = this.arena;
    for (let i = 0; i < len; i++) {
      const c = i < nl ? name.charCodeAt(i) : text.charCodeAt(i - nl);
      if (c > 0xff) return false;
      a[k + i] = c;
    }
    this.used += len;
    const av = this.arenaView;
    const h = keyHash(av, a, k, k + nl, k + nl, k + len, this.seed);
    if ((this.keyAt.length + 1) * 2 > this.slots.length) this.grow();
    const e = this.keyAt.length;
    this.hashes.push(h);
    this.nameLengths.push(nl);
    this.keyAt.push(k);
    this.keyLengths.push(len);
    this.names.push(name);
    this.texts.push(text);
    this.values.push(value);
    this.place(e);
    return true;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[e] & mask;
    while (this.slots[s] >= 0) s = (s + 1) & mask;
    this.slots[s] = e;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let e = 0; e < this.keyAt.length; e++) this.place(e);
  }
}

/** The hash of name b[n0, n1) and text b[t, end) (dv: a view of b's bytes). */
export function keyHash(dv: DataView, b: Uint8Array, n0: number, n1: number, t: number, end: number, seed: number): number {
  return mix(hash(dv, b, t, end, hash(dv, b, n0, n1, seed)));
}

/** h updated with b[from, to): four bytes at a time, then the rest one by one; a part's end mixed in. */
function hash(dv: DataView, b: Uint8Array, from: number, to: number, h: number): number {
  let k = from;
  for (; k + 4 <= to; k += 4) h = Math.imul(h ^ dv.getUint32(k, true), 0x5bd1e995) ^ (h >>> 15);
  for (; k < to; k++) h = Math.imul(h ^ b[k], 0x01000193);
  return Math.imul(h ^ 0x100, 0x01000193);
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Whether x[i, i + n) and y[j, j + n) hold the same bytes (xv, yv: views of x's and y's). */
function same(xv: DataView, x: Uint8Array, i: number, yv: DataView, y: Uint8Array, j: number, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) if (xv.getUint32(i + k, true) !== yv.getUint32(j + k, true)) return false;
  for (; k < n; k++) if (x[i + k] !== y[j + k]) return false;
  return true;
}
