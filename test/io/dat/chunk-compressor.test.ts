import { describe, expect, it } from 'vitest';
import { ChunkCompressor } from '../../../src/io/dat/chunk-compressor.ts';
import { RING } from '../../../src/io/dat/compress-ring.ts';
import { codecFor, type Codec } from '../../../src/io/dat/codecs.ts';
import { Rng } from '../../../src/emulator/rng.ts';

/** Chunks like trace pages: runs of repeated bytes and noise, of varying length. */
function chunks(n: number): Uint8Array[] {
  const r = new Rng(3, 'chunks');
  return Array.from({ length: n }, (_, k) => {
    const b = new Uint8Array(4096 * (1 + (k % 10)));
    for (let i = 0; i < b.length; i++) b[i] = i % 64 < 40 ? (i >> 6) & 0xff : r.int(256);
    return b;
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Submits every chunk through one reused staging buffer (as CpuPages does); after `readyAfter`
 * chunks, waits for the worker to have its codec (else a fast producer may finish before it has:
 * the chunks would all be compressed here); `before(k)` runs before chunk k is submitted.
 */
async function run(c: ChunkCompressor, input: Uint8Array[], readyAfter = -1, before?: (k: number) => Promise<void> | void): Promise<{ out: Uint8Array[]; sizes: number[] }> {
  const out: Uint8Array[] = [];
  const sizes: number[] = [];
  const staging = new Uint8Array(Math.max(...input.map((b) => b.length)));
  for (const [k, b] of input.entries()) {
    if (k === readyAfter) for (let t = 0; !c.onWorker; t++) {
      if (t > 1000) throw new Error('the worker did not get ready in 10 s');
      await sleep(10);
    }
    if (before) await before(k);
    staging.set(b);
    c.submit(staging.subarray(0, b.length), (comp, size) => {
      out.push(comp.slice()); // a view of shared memory: valid during the call
      sizes.push(size);
    });
    staging.fill(0xee); // the compressor must not keep reading the staging buffer
  }
  await c.finish();
  return { out, sizes };
}

/**
 * The chunks through a worker (started after 10, waited for at 20; `fault(c, k)` before each from
 * then on), checked to come back all, in order, with their sizes, as compressed in this thread.
 */
async function onWorker(input: Uint8Array[], fault?: (c: ChunkCompressor, k: number) => Promise<void> | void): Promise<{ c: ChunkCompressor; out: Uint8Array[] }> {
  const zstd = (await codecFor('zstd'))!;
  const here = await run(new ChunkCompressor(zstd, false), input);
  const c = new ChunkCompressor(zstd, true, 10);
  const { out, sizes } = await run(c, input, 20, fault && ((k) => fault(c, k)));
  expect(sizes).toEqual(input.map((b) => b.length));
  expect(out.length).toBe(input.length);
  out.forEach((x, k) => expect(Buffer.compare(x, here.out[k])).toBe(0));
  return { c, out };
}

describe('ChunkCompressor', () => {
  it('gives the same chunks in the same order on a worker thread as in this thread', async () => {
    const input = chunks(150);
    const { c, out } = await onWorker(input);
    // chunks 1-10 before the worker; from 11, here while it starts (not waited for: at least the
    // 11th, submitted as the thread is created); from 21 (waited for) all on it
    expect(c.inWorker).toBeGreaterThanOrEqual(130);
    expect(c.inWorker).toBeLessThanOrEqual(139);
    // and each decompresses to its input
    const zstd = (await codecFor('zstd'))!;
    out.forEach((x, k) => expect(Buffer.compare(zstd.decompress(x, input[k].length), input[k])).toBe(0));
  });

  it('compresses a chunk bigger than the shared slots in this thread, after those in flight', async () => {
    const input = chunks(120);
    // 200 KB of the same pattern, past the 64 KB slots the first chunk on the worker sized
    for (const k of [60, 61, 100]) input[k] = Uint8Array.from({ length: 200_000 }, (_, i) => (i % 64 < 40 ? (i >> 6) & 0xff : (i * 7) & 0xff));
    const { c } = await onWorker(input);
    expect(c.inWorker).toBeGreaterThanOrEqual(97);
    expect(c.inWorker).toBeLessThanOrEqual(106);
  });

  it('redoes here what a worker that died had not done, in order', async () => {
    // chunks 20-39 done on the worker; it is then killed (private: a test's way in), and 40-49 go
    // to the ring before this thread hears of it (at 50, after a pause)
    const { c } = await onWorker(chunks(100), async (c, k) => {
      if (k === 40 || k === 50) await sleep(100);
      if (k === 40) void (c as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    });
    expect(c.onWorker).toBe(false);
    expect(c.inWorker).toBeGreaterThanOrEqual(20);
    expect(c.inWorker).toBeLessThanOrEqual(30);
  });

  it('redoes the work at once when the worker flags a failure (no 10 s stall)', async () => {
    const t0 = performance.now();
    // what the worker's catch does when compress() throws (private: a test's way in)
    const { c } = await onWorker(chunks(100), (c, k) => {
      if (k === 45) Atomics.store((c as unknown as { ring: { ctl: Int32Array } }).ring.ctl, RING.FAILED, 1);
    });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(c.onWorker).toBe(false);
    expect(c.inWorker).toBeLessThanOrEqual(25);
  });

  it('falls back to this thread, losing nothing, when the worker cannot start', async () => {
    // the worker knows no codec "bogus" and dies at start; chunks it was sent are redone here
    const bogus: Codec = { name: 'bogus', maxRatio: 1, compress: (d) => d.slice().reverse(), decompress: (d) => d };
    const input = chunks(40);
    const c = new ChunkCompressor(bogus, true, 5);
    const { out, sizes } = await run(c, input);
    expect(c.inWorker).toBe(0);
    expect(sizes).toEqual(input.map((b) => b.length));
    out.forEach((c, k) => expect(Buffer.compare(c, input[k].slice().reverse())).toBe(0));
  });
});
