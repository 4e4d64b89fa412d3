import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../../src/analysis/scan.ts';
import { viewData, type ViewData } from '../../src/analysis/view-data.ts';
import { openDat, type DatTrace } from '../../src/io/dat/reader.ts';
import { reportEventTexts } from '../../src/io/text/report-printer.ts';
import { ROOT, reportOf } from '../helpers.ts';

/** What `tracelab view` draws, checked against the trace itself. */
let trace: DatTrace;
let d: ViewData;
beforeAll(async () => {
  trace = await openDat(path.join(ROOT, 'samples/real-ipi.dat'));
  d = viewData(trace);
});
afterAll(() => trace?.close());

describe('view data', () => {
  it('has every event, in time order, with its CPU and name', () => {
    const names: string[] = [];
    scan(trace, {}, (_b, _i, ev) => names.push(ev!.name));
    expect(d.events.ts.length).toBe(names.length);
    for (let i = 1; i < d.events.ts.length; i++) expect(d.events.ts[i]).toBeGreaterThanOrEqual(d.events.ts[i - 1]);
    expect(Array.from(d.events.name, (k) => d.names[k])).toEqual(names);
  });

  it('tiles each CPU with task spans, one per sched_switch plus the last, from the start to the end', () => {
    let switches = 0;
    scan(trace, {}, (_b, _i, ev) => void (ev!.name === 'sched_switch' && switches++));
    expect(d.tasks.start.length).toBe(switches + d.cpus);
    for (let c = 0; c < d.cpus; c++) {
      const idx = [...d.tasks.cpu.keys()].filter((i) => d.tasks.cpu[i] === c).sort((a, b) => d.tasks.start[a] - d.tasks.start[b]);
      expect(d.tasks.start[idx[0]]).toBe(0);
      expect(d.tasks.end[idx[idx.length - 1]]).toBe(d.spanNs);
      for (let k = 1; k < idx.length; k++) expect(d.tasks.start[idx[k]]).toBe(d.tasks.end[idx[k - 1]]);
    }
  });

  it('shows the task of a CPU that never switches by its events\' pid (an isolated CPU)', async () => {
    const { run } = await import('../emulator/record-helpers.ts');
    const events = ['sched:sched_switch', 'irq_vectors', 'ipi'].map((event) => ({ event, filters: [] }));
    const r = await run('isolation-ipi', [], { duration: '5s', events });
    try {
      const v = viewData(r.trace);
      let switches = 0;
      scan(r.trace, {}, (b, i, ev) => void (ev!.name === 'sched_switch' && b.cpu[i] === 10 && switches++));
      expect(switches).toBe(0);
      const idx = [...v.tasks.cpu.keys()].filter((i) => v.tasks.cpu[i] === 10).sort((a, b) => v.tasks.start[a] - v.tasks.start[b]);
      expect(idx.length).toBeGreaterThan(0);
      expect(v.tasks.start[idx[0]]).toBe(0);
      expect(v.tasks.end[idx[idx.length - 1]]).toBe(v.spanNs);
      for (let k = 1; k < idx.length; k++) expect(v.tasks.start[idx[k]]).toBe(v.tasks.end[idx[k - 1]]);
      expect(idx.some((i) => v.comms[v.tasks.comm[i]].startsWith('rt-loop'))).toBe(true);
    } finally {
      r.trace.close();
    }
  });

  it('draws each IPI from its send to a handler entry on its target, never backwards in time', () => {
    const entries = new Set<string>();
    scan(trace, {}, (b, i, ev) => {
      if (['call_function_entry', 'call_function_single_entry', 'reschedule_entry', 'irq_work_entry'].includes(ev!.name)) entries.add(`${b.cpu[i]}:${b.ts[i] - d.originNs}`);
    });
    const n = d.arrows.send.length;
    expect(n).toBeGreaterThan(100);
    for (let i = 0; i < n; i++) {
      expect(d.arrows.recv[i]).toBeGreaterThanOrEqual(d.arrows.send[i]);
      expect(entries.has(`${d.arrows.to[i]}:${d.arrows.recv[i]}`)).toBe(true);
      // its send event: an ipi_send_* on the sending CPU at the send time; the callsite read from it
      const k = d.arrows.ev[i];
      expect(d.names[d.events.name[k]]).toMatch(/^ipi_send_cpu(mask)?$/);
      expect(d.events.cpu[k]).toBe(d.arrows.from[i]);
      expect(d.events.ts[k]).toBe(d.arrows.send[i]);
      expect(d.labels[d.arrows.site[i]]).toMatch(/^\w+\+0x[0-9a-f]+$/);
    }
  });

  it('nests irq, softirq and vector-handler spans, each ending after it starts', () => {
    expect(new Set(d.kspans.kind)).toEqual(new Set([0, 1, 2]));
    for (let i = 0; i < d.kspans.start.length; i++) expect(d.kspans.end[i]).toBeGreaterThanOrEqual(d.kspans.start[i]);
  });

  it('holds each event\'s report text: together they are the report', () => {
    const texts = reportEventTexts(trace, Infinity);
    expect(texts.length).toBe(d.events.ts.length);
    expect('cpus=2\n' + texts.join('')).toBe(reportOf(trace));
    expect(reportEventTexts(trace, 10)).toEqual(texts.slice(0, 10));
  });
});
