/**
 * Seeded random numbers (xoshiro128**), one independent stream per named
 * source: switching a kernel feature on changes only the streams that feature
 * uses, so "before" and "after" runs see the same workload. Same seed, same bytes.
 */
export class Rng {
  /**
   * The state words a, b, c, d, in a typed array: as object fields (words
   * past 2^30 are no small integers to V8) drawing took about a sixth of the
   * seed-004 run's CPU profile (exp, u32, int, weighted, chance: 1.9 of 12 s),
   * and the run took 11.3 s against 9.6 s now, with the same bytes.
   */
  private readonly s = new Int32Array(4);

  constructor(seed: number, stream = '') {
    // splitmix32 over the seed and the stream name
    let h = seed >>> 0;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x9e3779b1) >>> 0;
    const next = () => {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    const s = this.s;
    s[0] = next();
    s[1] = next();
    s[2] = next();
    s[3] = next() | 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const s = this.s;
    const a = s[0];
    const b = s[1];
    const b5 = Math.imul(b, 5);
    const r = Math.imul((b5 << 7) | (b5 >>> 25), 9) >>> 0;
    const c = s[2] ^ a;
    const d = s[3] ^ b;
    s[0] = a ^ d;
    s[1] = b ^ c;
    s[2] = c ^ (b << 9);
    s[3] = (d << 11) | (d >>> 21);
    return r;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Exponential with the given mean (for Poisson arrivals). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (let i = 0; i < items.length; i++) total += items[i][1];
    let x = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      x -= items[i][1];
      if (x < 0) return items[i][0];
    }
    return items[items.length - 1][0];
  }
}

/** Named streams from one seed. */
export class Streams {
  private map = new Map<string, Rng>();
  constructor(readonly seed: number) {}
  get(name: string): Rng {
    let r = this.map.get(name);
    if (!r) this.map.set(name, (r = new Rng(this.seed, name)));
    return r;
  }
}
