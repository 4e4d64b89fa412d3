import { describe, expect, it } from 'vitest';
import { byCodeUnits, sorted } from '../../src/analysis/counts.ts';

describe('counts, most first', () => {
  it('ties in code-unit order (as sort under LC_ALL=C), not ICU collation', () => {
    const m = new Map([['kworker/1:1', 2], ['b', 1], ['B', 1], ['_x', 1], ['a', 3], ['kworker/0:1H', 2]]);
    // localeCompare would put b before B and _x first
    expect(sorted(m)).toEqual([['a', 3], ['kworker/0:1H', 2], ['kworker/1:1', 2], ['B', 1], ['_x', 1], ['b', 1]]);
    expect(sorted(new Map([[10, 1], [9, 1]]))).toEqual([[10, 1], [9, 1]]);
    expect([byCodeUnits('a', 'a'), byCodeUnits('a', 'b'), byCodeUnits('b', 'a')]).toEqual([0, -1, 1]);
  });
});
