/**
 * Copies src[from, from + n) to dst at `at`: a short run byte by byte (set() is a call into
 * C++, most of the cost of a record or a report column of a few dozen bytes), a longer one by set().
 */
export function copyInto(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n <= 32) for (let j = 0; j < n; j++) dst[at + j] = src[from + j];
  else dst.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), at);
}
