/**
 * glibc's bsearch, step for step. libtraceevent looks symbols, printk strings and
 * comms up with it, and when keys repeat the entry found depends on the path the
 * bisection takes; byte-identical output needs the same path.
 * `cmp(i)` compares the key with element i (<0 key is smaller, 0 match, >0 larger).
 */
export function glibcBsearch(n: number, cmp: (i: number) => number): number {
  let l = 0;
  let u = n;
  while (l < u) {
    const idx = (l + u) >>> 1;
    const c = cmp(idx);
    if (c < 0) u = idx;
    else if (c > 0) l = idx + 1;
    else return idx;
  }
  return -1;
}

/** Compares two u64 values given as 32-bit halves. */
export function cmpU64(ahi: number, alo: number, bhi: number, blo: number): number {
  if (ahi !== bhi) return ahi < bhi ? -1 : 1;
  if (alo !== blo) return alo < blo ? -1 : 1;
  return 0;
}
