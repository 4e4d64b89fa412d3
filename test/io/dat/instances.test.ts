import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEventFormat } from '../../../src/core/event-format.ts';
import { headerPageText, HEADER_EVENT_TEXT } from '../../../src/core/format-writer.ts';
import { RecordEncoder } from '../../../src/core/record-encoder.ts';
import { openDat } from '../../../src/io/dat/reader.ts';
import { DatWriter } from '../../../src/io/dat/writer.ts';
import { firstDiff, hasTraceCmd, reportOf, traceCmdReport } from '../../helpers.ts';
import { sampleFormat } from './synthetic.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelab-inst-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function write(file: string, clock: string, instances: string[]): Promise<void> {
  const text = sampleFormat(8);
  const enc = new RecordEncoder(parseEventFormat(text, 'synthetic', 8), true);
  const w = await DatWriter.create(
    file,
    { headerPage: headerPageText(8, 4096), headerEvent: HEADER_EVENT_TEXT, ftraceFormats: [], systems: [{ system: 'synthetic', texts: [text] }], kallsyms: 'ffffffff81000000 T _stext\n', printk: '', cmdlines: '7 seven\n', cpus: 2, clock, instances },
    { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 42n * 1_000_000_000n },
  );
  for (let i = 0; i < 40; i++) {
    const buffer = i % (instances.length + 1);
    // equal times across buffers test the tie order (top buffer first)
    w.add(i % 2, 1000 * Math.floor(i / 3), enc.encode({ pid: 7 }, [i, 0xffffffff81000010n, 'c', `n${i}`]), 0, undefined, buffer);
  }
  await w.close();
}

describe('instance buffers and clocks', () => {
  it('prefixes instance lines and orders ties as trace-cmd does', async () => {
    const file = path.join(dir, 'inst.dat');
    await write(file, 'local', ['foo', 'longer_name']);
    const t = await openDat(file);
    expect(t.buffers.map((b) => b.name)).toEqual(['', 'foo', 'longer_name']);
    const ours = reportOf(t);
    expect(ours).toContain('longer_name:            seven-7     [');
    expect(ours).toContain('        foo:            seven-7     [');
    if (hasTraceCmd()) {
      for (const args of [[], ['-t'], ['-l']]) {
        const tc = traceCmdReport(file, args).out;
        const o = reportOf(t, { ns: args.includes('-t'), latency: args.includes('-l') });
        if (tc !== o) expect.fail(firstDiff(tc, o));
      }
    }
    t.close();
  });

  for (const clock of ['counter', 'x86-tsc', 'boot', 'global', 'mono']) {
    it(`prints ${clock} clock times as trace-cmd does`, async () => {
      const file = path.join(dir, `clock-${clock}.dat`);
      await write(file, clock, []);
      const t = await openDat(file);
      expect(t.clock).toBe(clock);
      if (hasTraceCmd()) {
        for (const args of [[], ['-t']]) {
          const tc = traceCmdReport(file, args).out;
          const o = reportOf(t, { ns: args.includes('-t') });
          if (tc !== o) expect.fail(firstDiff(tc, o));
        }
      }
      t.close();
    });
  }
});
