import { describe, expect, it } from 'vitest';
import { EventBatch } from '../../src/core/batch.ts';
import { copyInto } from '../../src/core/copy.ts';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) & 0xff);
const rec = (b: EventBatch, k: number) => [...b.data.subarray(b.off[k], b.off[k] + b.size[k])];

describe('records put into a batch', () => {
  it('each lands whole at a multiple of 4, copied as words or as bytes, through the arena growing', () => {
    const b = new EventBatch(64, 16);
    const src = bytes(4096, 7);
    const words = new Int32Array(src.buffer);
    // lengths that are not whole words, offsets that are not word-aligned (bytes), long ones (set())
    const cases: [from: number, n: number, w: boolean][] = [[0, 24, true], [8, 13, true], [3, 9, true], [16, 100, true], [5, 2, false], [40, 7, false], [100, 300, false]];
    cases.forEach(([from, n, w], k) => {
      const at = b.put(k, src, w ? words : null, from, n);
      expect(at % 4).toBe(0);
      expect(b.off[k]).toBe(at);
      expect(b.size[k]).toBe(n);
      expect(b.used).toBe(at + n);
    });
    cases.forEach(([from, n], k) => expect(rec(b, k)).toEqual([...src.subarray(from, from + n)]));
    expect(b.data.length).toBeGreaterThan(16);
  });

  it('copyInto copies short and long runs from anywhere in the source', () => {
    const src = bytes(200, 3);
    for (const [from, n] of [[0, 0], [1, 5], [0, 32], [7, 33], [0, 200]]) {
      const dst = new Uint8Array(260).fill(0xee);
      copyInto(dst, 50, src, from, n);
      expect([...dst.subarray(50, 50 + n)]).toEqual([...src.subarray(from, from + n)]);
      expect(dst[49]).toBe(0xee);
      expect(dst[50 + n]).toBe(0xee);
    }
  });
});
