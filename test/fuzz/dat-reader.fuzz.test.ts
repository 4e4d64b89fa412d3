import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDat } from '../../src/io/dat/reader.ts';
import { writeDatFrom } from '../../src/io/dat/convert.ts';
import { printReport } from '../../src/io/text/report-printer.ts';
import { tempDir } from '../helpers.ts';
import { run } from '../emulator/record-helpers.ts';
import { params, survives } from './fuzz-helpers.ts';

const dir = tempDir('tracelab-fuzz-');
let n = 0;

/** Opens and prints a damaged file: a clear error, or events and warnings; never a crash or a hang. */
async function readAll(bytes: Uint8Array): Promise<{ events: number; warnings: number } | null> {
  const file = path.join(dir, `f${n++}.dat`);
  fs.writeFileSync(file, bytes);
  let out: { events: number; warnings: number } | null = null;
  await survives(file, async () => {
    const t = await openDat(file);
    try {
      let bytesOut = 0;
      const r = printReport(t, (c) => (bytesOut += c.length));
      out = { events: r.events, warnings: t.warnings.length };
    } finally {
      t.close();
    }
  });
  fs.rmSync(file);
  return out;
}

describe('trace.dat reader under damage (fast-check, fixed seed)', async () => {
  const v7 = await run('isolation-ipi', ['cpus=4', 'housekeeping=0', 'isolated=1-3'], { duration: '200ms', events: [{ event: 'all', filters: [] }] });
  const v6file = path.join(dir, 'v6.dat');
  await writeDatFrom(v7.trace, v6file, { version: 6, compression: 'none' });
  const bases = { v7: fs.readFileSync(v7.file), v6: fs.readFileSync(v6file) };
  const total = v7.summary.events;

  for (const [name, base] of Object.entries(bases)) {
    it(`${name}: truncated anywhere: every event before the damage, or a clear error`, async () => {
      let prev = 0;
      let read = 0;
      let refused = 0;
      const cuts = [0, 1, 17, 64, ...Array.from({ length: 24 }, (_, k) => Math.floor((base.length * (k + 1)) / 25)), base.length - 1];
      for (const cut of cuts) {
        const r = await readAll(base.subarray(0, cut));
        // a cut in the headers (kallsyms, formats ...) may only be refused, clearly (survives() checks the message);
        // once a cut reads, every longer one must
        if (!r) {
          expect(read, `cut at ${cut} refused after a shorter cut read`).toBe(0);
          refused++;
          continue;
        }
        read++;
        expect(r.events).toBeLessThanOrEqual(total);
        if (cut < base.length) expect(r.warnings).toBeGreaterThan(0);
        // uncompressed: a later cut never loses an event an earlier cut kept
        if (name === 'v6') expect(r.events).toBeGreaterThanOrEqual(prev);
        prev = r.events;
      }
      // the property above held for most cuts, not vacuously
      expect(read).toBeGreaterThan(refused);
    }, 120_000);

    it(`${name}: bit flips and lying sizes`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 }),
          fc.option(fc.record({ at: fc.nat(), value: fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x10000000, 4096, 65536) })),
          async (flips, lie) => {
            const b = Uint8Array.from(base);
            for (const f of flips) b[f.at % b.length] ^= 1 << f.bit;
            if (lie) new DataView(b.buffer).setUint32(Math.min(lie.at % b.length, b.length - 4), lie.value >>> 0, true);
            await readAll(b);
          },
        ),
        params(40),
      );
    }, 300_000);
  }

  it('a zip bomb (a tiny compressed section claiming a gigabyte) allocates nothing near its claim: decompressed as far as the bytes go, with a warning', async () => {
    const b = Uint8Array.from(bases.v7);
    // the first compressed section after the options: find its header by the flags word and patch its claimed size
    const dv = new DataView(b.buffer);
    let patched = false;
    for (let at = 16; at + 16 < b.length && !patched; at++) {
      // section header: u16 id, u16 flags (1 = compressed), u32 string id, u64 size; then u32 csize, u32 usize
      if (dv.getUint16(at + 2, true) === 1 && dv.getUint16(at, true) === 16) {
        dv.setUint32(at + 20, 0x3fffffff, true);
        patched = true;
      }
    }
    expect(patched).toBe(true);
    const rss0 = process.memoryUsage().rss;
    const file = path.join(dir, 'bomb.dat');
    fs.writeFileSync(file, b);
    const t = await openDat(file);
    try {
      expect(process.memoryUsage().rss - rss0).toBeLessThan(200 << 20);
      expect(t.warnings.join('\n')).toMatch(/says it holds 1073741823 bytes uncompressed, more than \d+ zstd bytes can \(at most \d+\): decompressed as far as they go/);
    } finally {
      await t.close();
    }
  });
});
