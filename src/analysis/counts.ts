/** Small counting helpers the reports share. */

/** Adds `n` to a key's count. */
export function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** Counts, most first, ties by key. */
export function sorted<K>(m: Map<K, number>): [K, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || byCodeUnits(String(a[0]), String(b[0])));
}

/**
 * Text in code-unit order, as `sort` under LC_ALL=C orders bytes for ASCII
 * names. Not localeCompare(): its first call builds ICU's collator, 8 ms of a
 * 0.25 s command on a real trace, for an order no kernel tool uses.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ns as µs for a table column; null (not recorded) stays null. */
export function usOrNull(ns: number | null): number | null {
  return ns === null ? null : ns / 1000;
}
