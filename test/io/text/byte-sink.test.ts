import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDat, printReport } from '../../../src/index.ts';
import { ByteSink } from '../../../src/io/text/byte-sink.ts';
import { ROOT, reportOf } from '../../helpers.ts';

describe('ByteSink hands its chunks over as copies, or as views of its buffer when the consumer writes them at once', () => {
  const fill = (sink: ByteSink) => {
    for (let i = 0; i < 100; i++) sink.str(`line ${i}\n`);
    sink.flush();
  };

  it('copies by default: chunks kept stay as they were printed', () => {
    const kept: Uint8Array[] = [];
    fill(new ByteSink((c) => kept.push(c), 64));
    expect(kept.length).toBeGreaterThan(5);
    expect(new Set(kept.map((c) => c.buffer)).size).toBe(kept.length);
    expect(Buffer.concat(kept).toString('latin1')).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('with reuse, every chunk is a view of the one buffer, refilled: the same bytes when each is consumed at once', () => {
    const copied: Uint8Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    fill(
      new ByteSink(
        (c) => {
          buffers.add(c.buffer);
          copied.push(c.slice());
        },
        64,
        true,
      ),
    );
    expect(buffers.size).toBe(1);
    expect(Buffer.concat(copied).toString('latin1')).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
  });

  it("printReport with reuseChunks prints the same bytes as with copies (the sample's whole report)", async () => {
    const t = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
    const want = reportOf(t);
    const got: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    printReport(
      t,
      (c) => {
        buffers.add(c.buffer);
        got.push(Buffer.from(c));
      },
      { reuseChunks: true },
    );
    t.close();
    expect(got.length).toBeGreaterThan(1);
    expect(buffers.size).toBe(1);
    expect(Buffer.concat(got).toString('latin1') === want).toBe(true);
  });
});
