import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hist } from '../../src/analysis/hist.ts';
import { openTrace } from '../../src/io/open.ts';
import { ROOT, SHARED, findFiles, readText, storedReport } from '../helpers.ts';
import { run } from '../emulator/record-helpers.ts';

/** `grep callback | awk '{ print $NF }' | sort | uniq -c`, in plain string handling. */
function pipeline(report: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of report.split('\n')) {
    if (!line.includes('callback')) continue;
    const f = line.split(/[ \t]+/).filter((x) => x);
    const last = f[f.length - 1];
    out.set(last, (out.get(last) ?? 0) + 1);
  }
  return out;
}

function histMap(t: Awaited<ReturnType<typeof openTrace>>, by: string, o: Record<string, unknown> = {}): Map<string, number> {
  const h = hist(t, { by, ...o });
  const keys = h.table.array(by) as string[];
  const counts = h.table.array('count') as number[];
  return new Map(keys.map((k, i) => [k, counts[i]]));
}

const traces = [path.join(ROOT, 'samples/real-ipi.dat'), ...findFiles(SHARED, /\.dat$/)];

describe('hist on real traces equals the shell pipeline over trace-cmd report', () => {
  for (const file of traces) {
    const name = path.relative(path.dirname(ROOT), file);
    it(name, async () => {
      const t = await openTrace(file);
      const report = storedReport(file);
      expect(report).not.toBeNull();
      const want = new Map([...pipeline(report!)].filter(([k]) => k.startsWith('callback=')));
      if (want.size) {
        const got = new Map([...histMap(t, 'callback')].map(([k, v]) => [`callback=${k}`, v]));
        expect(got).toEqual(want);
      } else expect(() => histMap(t, 'callback')).toThrow(/no events with a field "callback"/);
      // --by event: the name column of the report
      const events = new Map<string, number>();
      for (const line of report!.split('\n').slice(1)) {
        const m = /^\s*.*?\[\d+\]\s+[\d.]+: ([^:\s]+):/.exec(line);
        if (m) events.set(m[1], (events.get(m[1]) ?? 0) + 1);
      }
      const byEvent = histMap(t, 'event');
      for (const [k, v] of events) expect(byEvent.get(k), k).toBe(v);
    });
  }
});

describe('hist', () => {
  it('rows sorted by count, shares sum to 1, rates over the trace span', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    const h = hist(t, { by: 'callsite' });
    const counts = h.table.array('count') as number[];
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    const shares = h.table.array('share') as number[];
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect((h.table.array('rate') as number[])[0]).toBeCloseTo(counts[0] / h.summary.seconds, 9);
    expect(h.summary.total).toBe(counts.reduce((a, b) => a + b, 0));
  });

  it('--by cpu / comm / a field, --event, -F and --cpus', async () => {
    const t = await openTrace(path.join(ROOT, 'samples/real-ipi.dat'));
    const report = readText(path.join(ROOT, 'samples/real-ipi.dat.report.txt.gz'));
    const lines = report.split('\n').filter((l) => l.includes(' ipi_send_cpu: '));
    const byTarget = new Map<string, number>();
    for (const l of lines) {
      const c = / cpu=(\d+)/.exec(l)![1];
      byTarget.set(c, (byTarget.get(c) ?? 0) + 1);
    }
    expect(histMap(t, 'cpu', { event: 'ipi_send_cpu' }).size).toBeGreaterThan(0);
    expect(histMap(t, 'cpu', { event: 'ipi:ipi_send_cpu', filters: [] })).toEqual(
      new Map([...new Map(lines.map((l) => [/\[0*(\d+)\]/.exec(l)![1], 0]))].map(([k]) => [k, lines.filter((l) => /\[0*(\d+)\]/.exec(l)![1] === k).length])),
    );
    // --by cpu is the CPU an event ran on (the trace has two)
    expect(histMap(t, 'cpu', { event: 'ipi_send_cpu' }).size).toBe(2);
    expect(hist(t, { by: 'cpu', event: 'ipi_send_cpu' }).summary.total).toBe(lines.length);
    // --by a field of the event: csd_queue_cpu's func, as the report prints it
    const funcs = new Map<string, number>();
    for (const l of report.split('\n').filter((x) => x.includes(' csd_queue_cpu: '))) {
      const fn = / func=(\S+)/.exec(l)![1];
      funcs.set(fn, (funcs.get(fn) ?? 0) + 1);
    }
    expect(histMap(t, 'func', { event: 'csd_queue_cpu' })).toEqual(new Map([...funcs].sort((x, y) => y[1] - x[1])));
    const f = histMap(t, 'callback', { filters: [{ arg: 'ipi_send_cpu: cpu == 1', negative: false }] });
    expect([...f.values()].reduce((a, b) => a + b, 0)).toBe(byTarget.get('1'));
    const cpus = histMap(t, 'event', { cpus: new Set([0]) });
    expect(cpus.get('ipi_send_cpu')).toBe(lines.filter((l) => l.includes('[000]')).length);
    const comm = histMap(t, 'comm', { event: 'ipi_send_cpu' });
    expect([...comm.values()].reduce((a, b) => a + b, 0)).toBe(lines.length);
    expect(() => hist(t, { by: 'nosuchfield' })).toThrow(/no events with a field "nosuchfield"/);
  });

  it('on an emulated trace: counts equal what the emulator wrote', async () => {
    const r = await run('isolation-ipi', [], { duration: '120s' });
    const h = histMap(r.trace, 'event');
    expect(h.get('ipi_send_cpu')).toBe(r.summary.counts.ipi_send_cpu);
    expect(h.get('ipi_send_cpumask')).toBe(r.summary.counts.ipi_send_cpumask);
    const cb = histMap(r.trace, 'callback');
    expect(new Map([...cb].map(([k, v]) => [`callback=${k}`, v]))).toEqual(pipeline(r.report));
  });
});
