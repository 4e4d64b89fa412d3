import { UserError } from './errors.ts';
/**
 * CPU lists as the kernel prints them ("0-1,3-79") and cpumask bytes as they sit
 * in a record (an array of native longs, bit n of the mask = CPU n).
 */

/** Formats sorted, distinct CPU numbers as a cpulist: ranges of 2 or more become a-b. */
export function formatCpuList(cpus: ArrayLike<number>): string {
  let out = '';
  let i = 0;
  while (i < cpus.length) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    if (out) out += ',';
    out += j > i ? `${cpus[i]}-${cpus[j]}` : `${cpus[i]}`;
    i = j + 1;
  }
  return out;
}

/**
 * Parses a plain cpulist ("0-3,8,10-11"); used for command-line options. Throws a
 * message naming the bad part. (The kernel's stricter grammar lives in filter/.)
 */
export function parseCpuList(text: string): number[] {
  const out = new Set<number>();
  const s = text.trim();
  if (!s) return [];
  for (const part of s.split(/[,:]/)) {
    const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new UserError(`invalid CPU list "${text}": bad part "${part}"`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new UserError(`invalid CPU list "${text}": range ${a}-${b} runs backwards`);
    if (b - a > 1 << 20) throw new UserError(`invalid CPU list "${text}": range too large`);
    for (let c = a; c <= b; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * The CPUs set in a cpumask stored as bytes. A mask is an array of longs in file
 * byte order; for a little-endian file byte k holds CPUs 8k..8k+7. libtraceevent
 * reverses the whole byte array of a big-endian file, and so do we.
 */
export function maskCpus(bytes: Uint8Array, off: number, len: number, bigEndian: boolean): number[] {
  const cpus: number[] = [];
  for (let i = 0; i < len; i++) {
    const b = bytes[bigEndian ? off + len - 1 - i : off + i];
    if (!b) continue;
    for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) cpus.push(i * 8 + bit);
  }
  return cpus;
}

/** Writes a cpumask of `len` bytes for the given CPUs (inverse of maskCpus). */
export function writeMask(cpus: Iterable<number>, len: number, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(len);
  for (const c of cpus) {
    const i = c >> 3;
    if (i >= len) continue;
    out[bigEndian ? len - 1 - i : i] |= 1 << (c & 7);
  }
  return out;
}
