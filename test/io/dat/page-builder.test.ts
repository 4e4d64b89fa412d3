import { describe, expect, it } from 'vitest';
import { PageBuilder } from '../../../src/io/dat/page-builder.ts';
import { Rng } from '../../../src/emulator/rng.ts';

interface Ev {
  ts: number;
  payload: Uint8Array;
  /** The filter's verdict: a discarded event must leave no trace. */
  keep: boolean;
}

/** Events of many sizes (8 bytes, small, > 112 bytes), gaps that need TIME_EXTEND, some discarded. */
function events(n: number): Ev[] {
  const r = new Rng(11, 'pages');
  let ts = 0;
  return Array.from({ length: n }, (_, k) => {
    ts += r.chance(0.01) ? 200_000_000 + r.int(1e9) : r.int(5000);
    const len = r.pick([8, 12, 16, 28, 44, 100, 113, 200, 600]);
    const payload = new Uint8Array(len);
    for (let i = 0; i < len; i++) payload[i] = 1 + ((k * 7 + i) % 250);
    return { ts, payload, keep: !r.chance(0.2) };
  });
}

function pagesOf(write: (pb: PageBuilder, e: Ev) => void, evs: Ev[]): Uint8Array[] {
  const pages: Uint8Array[] = [];
  const pb = new PageBuilder({ pageSize: 4096, commitSize: 8, le: true, onPage: (p) => pages.push(p.slice()) }, 1_000_000_000n);
  for (const e of evs) write(pb, e);
  pb.flush();
  return pages;
}

describe('PageBuilder', () => {
  it('writes the same pages through reserve/commit in place as through add()', () => {
    const evs = events(20000);
    const viaAdd = pagesOf((pb, e) => {
      if (e.keep) pb.add(e.ts, e.payload);
    }, evs);
    let inPlace = 0;
    const viaReserve = pagesOf((pb, e) => {
      const off = pb.reserve(e.ts, e.payload.length);
      if (off < 0) {
        if (e.keep) pb.add(e.ts, e.payload);
        return;
      }
      const page = pb.currentPage;
      expect(page.subarray(off, off + e.payload.length).every((b) => b === 0)).toBe(true);
      page.set(e.payload, off);
      if (e.keep) {
        pb.commit(e.ts, e.payload.length);
        inPlace++;
      } else page.fill(0, off, off + e.payload.length);
    }, evs);
    expect(inPlace).toBeGreaterThan(10000);
    expect(viaReserve.length).toBe(viaAdd.length);
    viaReserve.forEach((p, k) => expect(Buffer.compare(p, viaAdd[k])).toBe(0));
  });

  it('declines a reservation that needs a new page, a TIME_EXTEND or an earlier time', () => {
    const pb = new PageBuilder({ pageSize: 4096, commitSize: 8, le: true, onPage: () => {} }, 0n);
    expect(pb.reserve(10, 16)).toBe(-1); // no page yet
    pb.add(10, new Uint8Array(16));
    expect(pb.reserve(20, 16)).toBe(16 + 4 + 20);
    expect(pb.reserve(5, 16)).toBe(-1);
    expect(pb.reserve(10 + (1 << 27), 16)).toBe(-1);
    expect(pb.reserve(20, 4100)).toBe(-1);
  });
});
