import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDatFrom } from '../../../src/io/dat/convert.ts';
import { openDat } from '../../../src/io/dat/reader.ts';
import { ROOT, firstDiff, hasTraceCmd, readText, reportOf, traceCmdReport } from '../../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-writer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const sample = path.join(ROOT, 'samples/real-ipi.dat');

describe('trace.dat writer', () => {
  const expected = readText(`${sample}.report.txt.gz`);
  for (const [version, compression] of [[6, 'none'], [7, 'none'], [7, 'zstd'], [7, 'zlib']] as const) {
    it(`re-writes a real trace as v${version} ${compression}; both readers print the same report`, async () => {
      const src = await openDat(sample);
      const out = path.join(dir, `v${version}-${compression}.dat`);
      const { events } = await writeDatFrom(src, out, { version, compression });
      src.close();
      expect(events).toBe(34304);
      const back = await openDat(out);
      expect(back.version).toBe(version);
      expect(back.compression).toBe(compression === 'none' && version === 6 ? 'none' : compression);
      const ours = reportOf(back);
      if (ours !== expected) expect.fail(firstDiff(expected, ours));
      expect(back.warnings).toEqual([]);
      back.close();
      // Debian's trace-cmd is built without zlib: it cannot open zlib files (the ones we write included)
      if (hasTraceCmd() && compression !== 'zlib') {
        const tc = traceCmdReport(out);
        expect(tc.status).toBe(0);
        expect(tc.err).toBe('');
        if (tc.out !== expected) expect.fail(firstDiff(expected, tc.out));
      }
    });
  }
});
