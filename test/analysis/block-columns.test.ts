import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { BLOCK, BlockStore } from '../../src/analysis/block-columns.ts';

// this process's only: other test workers share the temporary folder (noise-pieces.test.ts spills too)
const spillFiles = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tracelab-blocks-${process.pid}-`));

describe('columns kept in blocks, past a budget in a temporary file', () => {
  it('reads back what was written, in order and not, changes spilled entries, and removes its file when closed', () => {
    const n = 5 * BLOCK + 123;
    const store = new BlockStore(3 * BLOCK * 8);
    const f = store.column((k) => new Float64Array(k));
    const b = store.column((k) => new Uint8Array(k));
    for (let k = 0; k < n; k++) {
      f.room(k)[k % BLOCK] = k * 1.5 + 2 ** 40;
      b.room(k)[k % BLOCK] = k & 255;
    }
    // 5 full blocks of doubles and 5 of bytes (720 KB) are past the budget of 3 blocks of doubles (384 KB)
    expect(store.spilledBytes).toBeGreaterThan(0);
    expect(spillFiles().length).toBe(1);
    let bad = 0;
    for (let k = 0; k < n; k++) if (f.at(k) !== k * 1.5 + 2 ** 40 || b.at(k) !== (k & 255)) bad++;
    expect(bad).toBe(0);
    // out of order: each read of another spilled block reads it back
    for (const k of [n - 1, 0, 3 * BLOCK + 7, 17, BLOCK - 1, BLOCK]) expect(f.at(k)).toBe(k * 1.5 + 2 ** 40);
    // a change to a spilled block outlives reading others
    f.set(5, -1);
    f.set(2 * BLOCK + 5, -2);
    b.set(BLOCK, 7);
    expect([f.at(4 * BLOCK), f.at(5), f.at(2 * BLOCK + 5), f.at(6), b.at(BLOCK), b.at(0)]).toEqual([4 * BLOCK * 1.5 + 2 ** 40, -1, -2, 6 * 1.5 + 2 ** 40, 7, 0]);
    store.close();
    expect(spillFiles()).toEqual([]);
  });

  it('within its budget, writes no file', () => {
    const store = new BlockStore(64 << 20);
    const f = store.column((k) => new Float64Array(k));
    for (let k = 0; k < 3 * BLOCK; k++) f.room(k)[k % BLOCK] = k;
    expect(store.spilledBytes).toBe(0);
    expect(spillFiles()).toEqual([]);
    expect(f.at(3 * BLOCK - 1)).toBe(3 * BLOCK - 1);
    store.close();
  });
});
