/**
 * The kernel's cpulist grammar (lib/bitmap-str.c bitmap_parselist), as CPUS{}
 * in event filters accepts it: regions separated by commas or spaces, each "N",
 * "A-B" or "A-B:used/group", "all", and "N" standing for the last CPU.
 * Returns the CPUs, or null where the kernel says "Invalid cpulist".
 */
export function parseKernelCpulist(text: string, nbits: number): Set<number> | null {
  const lastbit = nbits - 1;
  const cpus = new Set<number>();
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
  const endOfStr = (c: string | undefined) => c === undefined || c === '\0' || c === '\n';
  const endOfRegion = (c: string | undefined) => isSpace(c) || c === ',' || endOfStr(c);
  let p = 0;
  const getnum = (): number | null => {
    if (text[p] === 'N') {
      p++;
      return lastbit;
    }
    let n = 0;
    let len = 0;
    while (p < text.length && text[p] >= '0' && text[p] <= '9') {
      n = n * 10 + (text.charCodeAt(p) - 48);
      if (n > 0xffffffff) return null; // overflow
      p++;
      len++;
    }
    return len ? n : null;
  };
  for (;;) {
    while (p < text.length && (isSpace(text[p]) || text[p] === ',')) p++;
    if (endOfStr(text[p])) return cpus;
    let start: number;
    let end: number;
    let off: number;
    let group: number;
    let pattern = false;
    if (text.slice(p, p + 3).toLowerCase() === 'all') {
      start = 0;
      end = lastbit;
      p += 3;
    } else {
      const s = getnum();
      if (s === null) return null;
      start = s;
      if (endOfRegion(text[p])) end = start;
      else {
        if (text[p] !== '-') return null;
        p++;
        const e = getnum();
        if (e === null) return null;
        end = e;
      }
    }
    if (!endOfRegion(text[p])) {
      if (text[p] !== ':') return null;
      p++;
      const o = getnum();
      if (o === null) return null;
      if (text[p] !== '/') return null;
      p++;
      const g = getnum();
      if (g === null) return null;
      off = o;
      group = g;
      pattern = true;
    } else {
      off = end + 1;
      group = end + 1;
    }
    if (start > end || group === 0 || off > group) return null;
    if (end >= nbits) return null;
    for (let b = start; b <= end; b += group) {
      const n = Math.min(end - b + 1, off);
      for (let k = 0; k < n; k++) cpus.add(b + k);
    }
    if (!pattern && endOfStr(text[p])) return cpus;
  }
}
