import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { noise } from '../../src/analysis/arquero-reports.ts';
import { noiseText } from '../../src/charts/interference-text.ts';
import { parseEventFormat } from '../../src/core/event-format.ts';
import { formatText, headerPageText, HEADER_EVENT_TEXT } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, tempDir } from '../helpers.ts';

// include/trace/events/osnoise.h (TP_STRUCT__entry order) and kernel/trace/trace_entries.h
const OSNOISE = {
  irq_noise: [
    { type: 'u64', name: 'start', size: 8 },
    { type: 'u64', name: 'duration', size: 8 },
    { type: '__data_loc char[]', name: 'desc', size: 4 },
    { type: 'int', name: 'vector', size: 4, signed: true },
  ],
  nmi_noise: [
    { type: 'u64', name: 'start', size: 8 },
    { type: 'u64', name: 'duration', size: 8 },
  ],
  softirq_noise: [
    { type: 'u64', name: 'start', size: 8 },
    { type: 'u64', name: 'duration', size: 8 },
    { type: 'int', name: 'vector', size: 4, signed: true },
  ],
};
const FTRACE = {
  osnoise: [
    { type: 'u64', name: 'noise', size: 8 },
    { type: 'u64', name: 'runtime', size: 8 },
    { type: 'u64', name: 'max_sample', size: 8 },
    ...['hw_count', 'nmi_count', 'irq_count', 'softirq_count', 'thread_count'].map((name) => ({ type: 'unsigned int', name, size: 4 })),
  ],
  timerlat: [
    { type: 'unsigned int', name: 'seqnum', size: 4 },
    { type: 'int', name: 'context', size: 4, signed: true },
    { type: 'u64', name: 'timer_latency', size: 8 },
  ],
};

describe("the osnoise tracer's own events, read and reconciled with the trace's", () => {
  it('osnoise:irq_noise/softirq_noise beside the handlers they measured, ftrace:osnoise samples and ftrace:timerlat', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'osnoise.dat');
    const fmt = (dirName: string, name: string) => fs.readFileSync(path.join(ROOT, 'samples/formats-6.18', dirName, `${name}.format`), 'latin1');
    let id = 900;
    const texts: Record<string, string> = {};
    for (const [name, fields] of Object.entries({ ...OSNOISE })) texts[`osnoise:${name}`] = formatText({ name, id: id++, fields, printFmt: '"duration %llu ns", REC->duration' });
    for (const [name, fields] of Object.entries(FTRACE)) texts[`ftrace:${name}`] = formatText({ name, id: id++, fields, printFmt: '"noise"' });
    for (const n of ['local_timer_entry', 'local_timer_exit']) texts[`irq_vectors:${n}`] = fmt('irq_vectors', n);
    for (const n of ['softirq_entry', 'softirq_exit']) texts[`irq:${n}`] = fmt('irq', n);
    // include/trace/events/nmi.h, traced after each handler with its duration
    texts['nmi:nmi_handler'] = formatText({ name: 'nmi_handler', id: id++, fields: [{ type: 'void *', name: 'handler', size: 8 }, { type: 's64', name: 'delta_ns', size: 8, signed: true }, { type: 'int', name: 'handled', size: 4, signed: true }], printFmt: '"%ps() delta_ns: %lld handled: %d", REC->handler, REC->delta_ns, REC->handled' });
    const systems = new Map<string, string[]>();
    for (const [k, t] of Object.entries(texts)) if (!k.startsWith('ftrace:')) systems.set(k.split(':')[0], [...(systems.get(k.split(':')[0]) ?? []), t]);
    const w = await DatWriter.create(
      file,
      { headerPage: headerPageText(8, 4096), headerEvent: HEADER_EVENT_TEXT, ftraceFormats: [texts['ftrace:osnoise'], texts['ftrace:timerlat']], systems: [...systems].map(([system, t]) => ({ system, texts: t })), kallsyms: '', printk: '', cmdlines: '77 osnoise/0\n', cpus: 1, clock: 'local' },
      { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 100n * 1_000_000_000n },
    );
    const enc = new Map(Object.entries(texts).map(([k, t]) => [k, new RecordEncoder(parseEventFormat(t, k.split(':')[0], 8), true)]));
    const put = (ev: string, ts: number, values: FieldValue[]) => w.add(0, ts, enc.get(ev)!.encode({ pid: 77 }, values));
    // two ticks with their softirqs, each measured by the tracer as it ran
    for (const [t0, irq, sirq, nmi] of [[1_000_000, 2000, 1000, 200], [5_000_000, 3000, 1500, 0]]) {
      put('irq_vectors:local_timer_entry', t0, [236]);
      // an NMI inside the tick: the tick's noise is net of it, in the trace's figures as in the tracer's
      if (nmi) {
        put('nmi:nmi_handler', t0 + 500 + nmi, [0xffffffff81000000n, BigInt(nmi), 1]);
        put('osnoise:nmi_noise', t0 + 500 + nmi, [BigInt(t0 + 500), BigInt(nmi)]);
      }
      put('irq_vectors:local_timer_exit', t0 + irq, [236]);
      put('osnoise:irq_noise', t0 + irq, [BigInt(t0), BigInt(irq - nmi), 'local_timer', 236]);
      put('irq:softirq_entry', t0 + irq + 100, [1]);
      put('irq:softirq_exit', t0 + irq + 100 + sirq, [1]);
      put('osnoise:softirq_noise', t0 + irq + 100 + sirq, [BigInt(t0 + irq + 100), BigInt(sirq), 1]);
    }
    put('ftrace:osnoise', 9_000_000, [7600n, 8_000_000n, 4600n, 0, 0, 2, 2, 0]);
    put('ftrace:timerlat', 9_100_000, [1, 0, 1500n]);
    put('ftrace:timerlat', 9_200_000, [1, 1, 4000n]);
    await w.close();
    const r = noise(await openTrace(file));
    const x = r.summary.perCpu[0];
    const k = x.kernel!;
    // what the tracer measured equals what the trace's own handler events show
    expect({ count: k.classes!.irq.count, ns: k.classes!.irq.ns }).toEqual({ count: x.classes.irq!.count, ns: x.classes.irq!.ns });
    expect({ count: k.classes!.softirq.count, ns: k.classes!.softirq.ns }).toEqual({ count: x.classes.softirq!.count, ns: x.classes.softirq!.ns });
    expect(k.classes!.irq).toEqual({ count: 2, ns: 4800, maxNs: 3000 });
    expect({ count: k.classes!.nmi.count, ns: k.classes!.nmi.ns }).toEqual({ count: x.classes.nmi!.count, ns: x.classes.nmi!.ns });
    expect(x.classes.nmi).toEqual({ count: 1, ns: 200, maxNs: 200 });
    expect(k.samples).toEqual({ count: 1, runtimeNs: 8_000_000, noiseNs: 7600, maxSampleNs: 4600, hw: 0, nmi: 0, irq: 2, softirq: 2, thread: 0 });
    // the tick and its softirq are one interruption (100 ns apart), as the tracer's max sample says
    expect(x.maxNoiseNs).toBe(4600);
    expect(k.timerlat!.irq.maxNs).toBe(1500);
    expect(k.timerlat!.thread.maxNs).toBe(4000);
    const text = noiseText(r.summary, r.table, 'osnoise.dat');
    expect(text).toMatch(/\n\s*0\s+irq\s+2\s+2\s+4\.8\s+4\.8\s+3\.0\n/);
    expect(text).toMatch(/\n\s*0\s+nmi\s+1\s+1\s+0\.2\s+0\.2\s+0\.2\n/);
    expect(text).toMatch(/ftrace:osnoise, as rtla osnoise top sums them/);
    expect(text).toMatch(/\n\s*0\s+8000\.0\s+7\.6\s+99\.90500\s+4\.6\s+0\s+0\s+2\s+2\s+0\n/);
    // and its --json follows the schema, the kernel's figures included
    const out = spawnSync(process.execPath, [path.join(ROOT, 'dist/bundle/tracelab.js'), 'noise', file, '--json']);
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout.toString());
    expect(json.summary.perCpu[0].kernel.samples.maxSampleNs).toBe(4600);
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/report-json.schema.json'), 'utf8'));
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(schema);
    const valid = ajv.getSchema(`${schema.$id}#/$defs/noise`)!;
    expect(valid(json), JSON.stringify(valid.errors)).toBe(true);
  });
});
