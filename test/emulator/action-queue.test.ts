import { describe, expect, it } from 'vitest';
import { ActionQueue } from '../../src/emulator/action-queue.ts';
import { Rng } from '../../src/emulator/rng.ts';

describe('ActionQueue', () => {
  it('pops in time order, equal times in scheduling order, across growth', () => {
    const q = new ActionQueue();
    const r = new Rng(7, 'q');
    const want: [number, number][] = [];
    const got: [number, number][] = [];
    for (let k = 0; k < 5000; k++) {
      const t = r.int(300) + 0.4; // rounded by the queue; many ties
      want.push([Math.round(t), k]);
      q.at(t, () => got.push([q.peekTime(), k]));
    }
    want.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const times: number[] = [];
    while (q.size) {
      times.push(q.peekTime());
      q.pop()!();
    }
    expect(got.map((g) => g[1])).toEqual(want.map((w) => w[1]));
    expect(times).toEqual(want.map((w) => w[0]));
    expect(q.pop()).toBeUndefined();
    expect(q.peekTime()).toBe(Infinity);
  });

  it('interleaves pushes and pops like a priority queue', () => {
    const q = new ActionQueue();
    const order: number[] = [];
    q.at(10, () => order.push(10));
    q.at(5, () => {
      order.push(5);
      q.at(7, () => order.push(7));
      q.at(5, () => order.push(55));
    });
    while (q.size) q.pop()!();
    expect(order).toEqual([5, 55, 7, 10]);
  });
});
