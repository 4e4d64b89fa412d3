import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { interference, ipiCausality } from '../../src/analysis/arquero-reports.ts';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { formatText, headerPageText, HEADER_EVENT_TEXT } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { openTrace } from '../../src/io/open.ts';
import { hasTraceCmd, reportOf, tempDir, traceCmdReport } from '../helpers.ts';

// include/trace/events/ipi.h: what arm64 (arch/arm64/kernel/smp.c smp_cross_call / do_handle_IPI) traces
const RAISE = formatText({
  name: 'ipi_raise',
  id: 501,
  fields: [
    { type: '__data_loc unsigned long[]', name: 'target_cpus', size: 4 },
    { type: 'const char *', name: 'reason', size: 8 },
  ],
  printFmt: '"target_mask=%s (%s)", __get_bitmask(target_cpus), REC->reason',
});
const ENTRY = (name: string, id: number) => formatText({ name, id, fields: [{ type: 'const char *', name: 'reason', size: 8 }], printFmt: '"(%s)", REC->reason' });
const REASONS: [bigint, string][] = [
  [0xffff800081000000n, 'Rescheduling interrupts'],
  [0xffff800081000020n, 'Function call interrupts'],
  [0xffff800081000040n, 'IRQ work interrupts'],
];

describe('arm64 IPIs: ipi_raise to ipi_entry by reason string', () => {
  it('sends matched to handlers of their reason, latency from raise to entry, handler time as IPI noise', async () => {
    const file = path.join(tempDir(), 'arm64.dat');
    const texts = [RAISE, ENTRY('ipi_entry', 502), ENTRY('ipi_exit', 503)];
    const w = await DatWriter.create(
      file,
      { headerPage: headerPageText(8, 4096), headerEvent: HEADER_EVENT_TEXT, ftraceFormats: [], systems: [{ system: 'ipi', texts }], kallsyms: '', printk: REASONS.map(([a, s]) => `0x${a.toString(16)} : "${s}"`).join('\n') + '\n', cmdlines: '10 sender\n', cpus: 4, clock: 'local' },
      { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 10n * 1_000_000_000n },
    );
    const enc = texts.map((t) => new RecordEncoder(parseEventFormat(t, 'ipi', 8), true));
    const mask = (cpus: number[]) => {
      const b = new Uint8Array(8);
      for (const c of cpus) b[c >> 3] |= 1 << (c & 7);
      return b;
    };
    const put = (cpu: number, ts: number, k: number, values: FieldValue[]) => w.add(cpu, ts, enc[k].encode({ pid: cpu === 0 ? 10 : 0 }, values));
    // a function call broadcast to 1-3, then a reschedule to 2; 3 takes its call late
    put(0, 1000, 0, [mask([1, 2, 3]), REASONS[1][0]]);
    put(1, 3000, 1, [REASONS[1][0]]);
    put(1, 4000, 2, [REASONS[1][0]]);
    put(2, 2500, 1, [REASONS[1][0]]);
    put(2, 3500, 2, [REASONS[1][0]]);
    put(0, 5000, 0, [mask([2]), REASONS[0][0]]);
    put(2, 5600, 1, [REASONS[0][0]]);
    put(2, 5800, 2, [REASONS[0][0]]);
    put(3, 9000, 1, [REASONS[1][0]]);
    put(3, 9500, 2, [REASONS[1][0]]);
    await w.close();
    const t = await openTrace(file);
    // the oracle for what the file says: its report text
    expect(reportOf(t)).toContain('ipi_raise:            target_mask=00000000,0000000e (Function call interrupts)');
    if (hasTraceCmd()) expect(reportOf(t)).toBe(traceCmdReport(file).out);
    const c = ipiCausality(t).summary;
    expect(c.sides).toEqual({ queue: null, send: true, receive: true, run: false });
    const per = new Map(c.perTarget.map((x) => [x.cpu, x]));
    expect(per.get(1)!.receivedByKind.call).toBe(1);
    expect(per.get(2)!.receivedByKind).toEqual({ call: 1, resched: 1, irq_work: 0, other: 0 });
    expect(per.get(3)!.latency.maxNs).toBe(8000);
    expect(per.get(2)!.latency.toJSON()).toMatchObject({ count: 2, min_ns: 600, max_ns: 1500 });
    expect(c.functions.map((f) => [f.function, f.ipiSent])).toEqual([
      ['Function call interrupts', 3],
      ['Rescheduling interrupts', 1],
    ]);
    const i = interference(t, { isolated: [2] }).summary;
    expect(i.perCpu[0].counts.ipi).toBe(2);
    // the handlers are irq noise (IPI, not device irq): 1000 + 200 ns
    expect(i.perCpu[0].noise.classes.irq).toMatchObject({ count: 2, ns: 1200 });
    expect(i.perCpu[0].counts.irq).toBe(0);
  });
});
