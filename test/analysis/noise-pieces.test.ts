import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK } from '../../src/analysis/block-columns.ts';
import { noise } from '../../src/analysis/arquero-reports.ts';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { formatText, headerPageText, HEADER_EVENT_TEXT } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, tempDir } from '../helpers.ts';

const N = 140_000;
const PERIOD = 10_000;
const TICK = 1000;
/** The tick after which another task runs (2000-5000 ns past it), and the one an NMI straddles. */
const J = 70_000;
/** Tick K is the last piece of a block (BLOCK = 16,384 pieces): the NMI's piece moves back into that block. */
const K = 6 * BLOCK - 1;

/**
 * The noise analysis keeps a busy CPU's pieces in blocks, past a budget in a
 * temporary file (src/analysis/block-columns.ts): a CPU with more pieces than
 * one block holds, and a piece that starts before the one closed before it (an
 * NMI's event comes at its end, its start is the event's time less its
 * duration), give the figures a plain loop gives, whether the blocks are in
 * memory or in the file.
 */
describe('noise over many pieces on one CPU', () => {
  it(`${N} ticks, a run of another task and an NMI that began before the tick it followed`, async () => {
    const file = path.join(tempDir(), 'ticks.dat');
    const fmt = (dir: string, name: string) => fs.readFileSync(path.join(ROOT, 'samples/formats-6.18', dir, `${name}.format`), 'latin1');
    const texts: Record<string, string> = {
      'irq_vectors:local_timer_entry': fmt('irq_vectors', 'local_timer_entry'),
      'irq_vectors:local_timer_exit': fmt('irq_vectors', 'local_timer_exit'),
      'sched:sched_switch': fmt('sched', 'sched_switch'),
      // include/trace/events/nmi.h, traced after each handler with its duration
      'nmi:nmi_handler': formatText({ name: 'nmi_handler', id: 950, fields: [{ type: 'void *', name: 'handler', size: 8 }, { type: 's64', name: 'delta_ns', size: 8, signed: true }, { type: 'int', name: 'handled', size: 4, signed: true }], printFmt: '"%ps() delta_ns: %lld handled: %d", REC->handler, REC->delta_ns, REC->handled' }),
    };
    const systems = new Map<string, string[]>();
    for (const [k, t] of Object.entries(texts)) systems.set(k.split(':')[0], [...(systems.get(k.split(':')[0]) ?? []), t]);
    const w = await DatWriter.create(
      file,
      { headerPage: headerPageText(8, 4096), headerEvent: HEADER_EVENT_TEXT, ftraceFormats: [], systems: [...systems].map(([system, t]) => ({ system, texts: t })), kallsyms: '', printk: '', cmdlines: '77 app\n88 kworker/3:1\n', cpus: 1, clock: 'local' },
      { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 100n * 1_000_000_000n },
    );
    const enc = new Map(Object.entries(texts).map(([k, t]) => [k, new RecordEncoder(parseEventFormat(t, k.split(':')[0], 8), true)]));
    const put = (ev: string, ts: number, pid: number, values: FieldValue[]) => w.add(0, ts, enc.get(ev)!.encode({ pid }, values));
    const t0 = 1_000_000;
    for (let i = 0; i < N; i++) {
      const t = t0 + i * PERIOD;
      put('irq_vectors:local_timer_entry', t, 77, [236]);
      put('irq_vectors:local_timer_exit', t + TICK, 77, [236]);
      if (i === J) {
        put('sched:sched_switch', t + 2000, 77, ['app', 77, 120, 1n, 'kworker/3:1', 88, 120]);
        put('sched:sched_switch', t + 5000, 88, ['kworker/3:1', 88, 120, 1n, 'app', 77, 120]);
      }
      // after tick K ends: its 2500 ns began 1000 ns before tick K did
      if (i === K) put('nmi:nmi_handler', t + 1500, 77, [0xffffffff81000000n, 2500n, 1]);
    }
    await w.close();
    const r = noise(await openTrace(file), { episodes: true });
    // with every full block in the temporary file (the piece moved back across a block in it), the same
    const spilled = noise(await openTrace(file), { episodes: true, memoryBudgetBytes: 1 });
    expect(JSON.stringify(spilled.summary, (_, v) => (v instanceof Map ? [...v] : v))).toBe(JSON.stringify(r.summary, (_, v) => (v instanceof Map ? [...v] : v)));
    // this process's (other test workers share the temporary folder)
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tracelab-blocks-${process.pid}-`))).toEqual([]);
    const x = r.summary.perCpu[0];
    expect(x.resident).toBe('app-77');
    expect(x.classes.irq).toEqual({ count: N, ns: N * TICK, maxNs: TICK });
    expect(x.classes.nmi).toEqual({ count: 1, ns: 2500, maxNs: 2500 });
    expect(x.classes.thread).toEqual({ count: 1, ns: 3000, maxNs: 3000 });
    // the run joins tick J (1000 ns after it), the NMI joins tick K: N interruptions
    expect(x.interruptions).toBe(N);
    expect(x.noiseNs).toBe(N * TICK + (5000 - TICK) + (2500 - TICK));
    expect(x.maxNoiseNs).toBe(5000);
    expect(x.longestQuietNs).toBe(PERIOD - TICK);
    const ep = x.episodes!;
    expect(ep.start.length).toBe(N);
    // the NMI's start is the interruption's: sorted in, not merged into the tick before it
    expect([ep.start[K] - ep.start[0], ep.durationNs[K], ep.classes[K]]).toEqual([K * PERIOD - 1000, 2500, 0b1001]);
    expect([ep.durationNs[J], ep.classes[J]]).toEqual([5000, 0b10001]);
  });
});
